// The figures page's charts, drawn with Chart.js (loaded on this page only) from the JSON
// island #chart-data. Each chart's figures are also in a table next to it.
(function () {
  "use strict";
  var island = document.getElementById("chart-data");
  if (!island || !window.Chart) return;
  var data = JSON.parse(island.textContent);
  var tones = { past: "#8a94a3", revenue: "#1f5fbf", received: "#2e7d32", debt: "#b3261e" };
  var money = new Intl.NumberFormat(data.locale, { style: "currency", currency: data.currency });
  var percent = new Intl.NumberFormat(data.locale, { style: "percent", maximumFractionDigits: 0 });
  var plain = new Intl.NumberFormat(data.locale);
  function format(kind, value) {
    if (kind === "money") return money.format(value);
    if (kind === "percent") return percent.format(value);
    return plain.format(value);
  }
  data.charts.forEach(function (chart) {
    var canvas = document.getElementById(chart.id);
    if (!canvas) return;
    var axis = chart.horizontal ? "x" : "y";
    var scales = {};
    scales[axis] = { beginAtZero: true, ticks: { callback: function (v) { return format(chart.kind, v); } } };
    if (chart.kind === "percent") scales[axis].suggestedMax = 1;
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: chart.labels,
        datasets: chart.datasets.map(function (set) {
          var colour = tones[set.tone] || tones.revenue;
          return {
            label: set.label, data: set.data, type: set.line ? "line" : "bar",
            backgroundColor: colour, borderColor: colour, order: set.line ? 0 : 1,
            maxBarThickness: 36
          };
        })
      },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        indexAxis: chart.horizontal ? "y" : "x", scales: scales,
        plugins: {
          legend: {
            display: chart.datasets.length > 1,
            labels: { sort: function (a, b) { return a.datasetIndex - b.datasetIndex; } }
          },
          tooltip: { callbacks: { label: function (c) {
            return c.dataset.label + ": " + format(chart.kind, c.parsed[axis]);
          } } }
        }
      }
    });
  });
})();
