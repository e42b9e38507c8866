// The journal grid's keyboard and click handling: arrows move (roving tabindex), letters
// set a status, Delete empties, a click (or Enter or Space) moves a cell on. Each row has
// its own queue: changes go out one at a time, in order, each with the version the previous
// answer left, so no edit is lost or applied out of order. A cell is updated in place (never
// replaced), so the keyboard focus stays where the person moved it.
(function () {
  "use strict";
  var table = document.querySelector("table.journal");
  if (!table) return;
  var keys = JSON.parse(table.dataset.keys || "{}");
  var byLetter = {};
  Object.keys(keys).forEach(function (status) { byLetter[keys[status].toLowerCase()] = status; });
  var url = table.dataset.cellUrl;
  var csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"];
  var live = document.getElementById("live");
  var queues = new WeakMap();
  var lessonIds = Array.prototype.map.call(
    table.querySelectorAll("thead th.day"), function (th) { return th.dataset.lesson; });

  function lessonOf(td) {
    return lessonIds[Array.prototype.indexOf.call(td.parentElement.querySelectorAll("td.cell"), td)];
  }

  function cells() { return Array.prototype.slice.call(table.querySelectorAll("td.cell")); }
  function rows() { return Array.prototype.slice.call(table.tBodies[0].rows); }
  function buttonOf(td) { return td && td.querySelector("button.mark"); }

  function activate(td, focus) {
    var active = table.querySelector("button.mark[tabindex='0']");
    if (active) active.tabIndex = -1;
    var button = buttonOf(td);
    if (!button) return;
    button.tabIndex = 0;
    if (focus) button.focus();
  }

  function move(td, dRow, dCol) {
    var tr = td.parentElement;
    var rowCells = Array.prototype.slice.call(tr.querySelectorAll("td.cell"));
    var col = rowCells.indexOf(td) + dCol;
    var all = rows();
    var r = all.indexOf(tr) + dRow;
    if (r < 0 || r >= all.length || col < 0 || col >= rowCells.length) return;
    var target = all[r].querySelectorAll("td.cell")[col];
    if (target) activate(target, true);
  }

  function patch(td, html) {
    var answer = document.createElement("template");
    answer.innerHTML = html;
    var fresh = answer.content.querySelector("td.cell");
    if (fresh) {
      td.dataset.version = fresh.dataset.version;
      td.dataset.status = fresh.dataset.status;
      var button = buttonOf(td), newButton = buttonOf(fresh);
      button.className = newButton.className;
      button.textContent = newButton.textContent;
      button.setAttribute("aria-label", newButton.getAttribute("aria-label"));
      var badge = td.querySelector(".badge"), newBadge = fresh.querySelector(".badge");
      if (badge) badge.remove();
      if (newBadge) td.appendChild(newBadge);
    }
    var said = answer.content.querySelector("#live");
    if (said && live) live.textContent = said.textContent;
  }

  function send(td, status) {
    var tr = td.parentElement;
    var previous = queues.get(tr) || Promise.resolve();
    var next = previous.then(function () {
      td.setAttribute("aria-busy", "true");
      var body = new URLSearchParams({
        lesson_id: lessonOf(td), client_id: tr.dataset.client,
        version: td.dataset.version, current: td.dataset.status,
        row_state: tr.dataset.state, status: status || ""
      });
      return fetch(url, {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "X-CSRF-Token": csrf, "HX-Request": "true" }
      }).then(function (response) {
        var away = response.headers.get("HX-Redirect");
        if (away) { window.location.href = away; return null; }
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      }).then(function (html) {
        if (html === null) return;
        patch(td, html);
        var summary = tr.querySelector("td[id^='left-']");
        if (summary) htmx.trigger(summary, "refresh");
      }).catch(function () {
        if (live) live.textContent = table.dataset.failed;
      }).then(function () { td.removeAttribute("aria-busy"); });
    });
    queues.set(tr, next);
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
