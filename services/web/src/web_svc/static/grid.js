// The journal grid's keyboard and click handling: arrows move (roving tabindex), letters
// set a status, Delete empties, a click (or Enter or Space) moves a cell on. Each row has its own
// queue: changes go out one at a time, in order, each with the version the previous answer
// left, so no edit is lost or applied out of order.
(function () {
  "use strict";
  var table = document.querySelector("table.journal");
  if (!table) return;
  var keys = JSON.parse(table.dataset.keys || "{}");
  var byLetter = {};
  Object.keys(keys).forEach(function (status) { byLetter[keys[status].toLowerCase()] = status; });
  var url = table.dataset.cellUrl;
  var queues = new WeakMap();

  function cells() { return Array.prototype.slice.call(table.querySelectorAll("td.cell")); }
  function rows() { return Array.prototype.slice.call(table.tBodies[0].rows); }
  function buttonOf(td) { return td && td.querySelector("button.mark"); }

  function activate(td, focus) {
    cells().forEach(function (c) { var b = buttonOf(c); if (b) b.tabIndex = -1; });
    var button = buttonOf(td);
    if (!button) return;
    button.tabIndex = 0;
    if (focus) button.focus();
  }

  function move(td, dRow, dCol) {
    var tr = td.parentElement;
    var rowCells = Array.prototype.slice.call(tr.querySelectorAll("td.cell"));
    var col = rowCells.indexOf(td);
    var all = rows();
    var r = all.indexOf(tr) + dRow;
    if (r < 0 || r >= all.length) return;
    var target = all[r].querySelectorAll("td.cell")[Math.max(0, Math.min(col + dCol, rowCells.length - 1))];
    if (target) activate(target, true);
  }

  function send(td, status) {
    var tr = td.parentElement;
    var queue = queues.get(tr) || Promise.resolve();
    var id = td.id;
    var next = queue.then(function () {
      var current = document.getElementById(id);  // as the previous answer left it
      if (!current) return null;
      var hadFocus = current.contains(document.activeElement);
      current.setAttribute("aria-busy", "true");
      return htmx.ajax("POST", url, {
        source: current, target: current, swap: "outerHTML",
        values: {
          lesson_id: current.dataset.lesson, client_id: current.dataset.client,
          version: current.dataset.version, current: current.dataset.status,
          row_state: current.dataset.state, status: status || ""
        }
      }).then(function () {
        var fresh = document.getElementById(id);
        if (fresh && hadFocus) activate(fresh, true);
        var summary = tr.querySelector("td[id^='left-']");
        if (summary) htmx.trigger(summary, "refresh");
      });
    });
    queues.set(tr, next.catch(function () {}));
  }

  table.addEventListener("click", function (event) {
    var button = event.target.closest("button.mark");
    if (!button || button.disabled) return;
    var td = button.closest("td.cell");
    activate(td, true);
    send(td, "");
  });

  table.addEventListener("keydown", function (event) {
    var td = event.target.closest && event.target.closest("td.cell");
    if (!td || event.ctrlKey || event.metaKey || event.altKey) return;
    var key = event.key;
    var moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
    if (moves[key]) { event.preventDefault(); move(td, moves[key][0], moves[key][1]); return; }
    if (buttonOf(td).disabled) return;
    if (key === "Delete" || key === "Backspace") { event.preventDefault(); send(td, "clear"); return; }
    var status = byLetter[key.toLowerCase()];
    if (status) { event.preventDefault(); send(td, status); }
  });

  // A payment, an invoice or a transfer from a row's dialog: that row's figures move.
  document.body.addEventListener("row-changed", function (event) {
    var summary = document.getElementById("left-" + (event.detail && event.detail.client));
    if (summary) htmx.trigger(summary, "refresh");
  });

  var first = cells()[0];
  if (first) activate(first, false);
})();
