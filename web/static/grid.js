// Editing the meeting grid by hand (organiser): drag a meeting onto a cell, or use the
// keyboard (Enter on a meeting, arrow keys across cells, Enter on the target, Escape to
// cancel). While a meeting is picked up, the cells it may go to are marked valid, the
// others invalid with the reason (title and aria-label). The server checks every edit
// again (fair/grid_edits.py) and saves it in a draft; the page then reloads.
(function () {
  "use strict";
  var box = document.getElementById("grid-edit");
  var table = document.getElementById("grid-table");
  if (!box || !table) { return; }
  var L = box.dataset;
  var byPerson = L.view === "people";
  var status = document.getElementById("grid-status");
  var selectedText = document.getElementById("grid-selected");
  var buttons = {
    unschedule: document.getElementById("grid-unschedule"),
    lock: document.getElementById("grid-lock"),
    unlock: document.getElementById("grid-unlock"),
    swap: document.getElementById("grid-swap"),
    undo: document.getElementById("grid-undo")
  };
  var picked = null; // the meeting (or not-scheduled request) being moved
  var edits = 0; // edits posted so far
  var swapping = false;
  var verdicts = {}; // "start|place" → target verdict from the server

  function say(text, values) {
    return String(text).replace(/%\((\w+)\)s/g, function (all, name) {
      return values[name] === undefined ? all : String(values[name]);
    });
  }
  function tell(text) { status.textContent = text; }

  function cells() { return Array.prototype.slice.call(table.querySelectorAll("td[data-start]")); }

  function placeFor(td) {
    if (!byPerson) { return td.dataset.place; }
    var place = picked ? picked.dataset.place || "" : "";
    return place.indexOf("online-") === 0 ? "online" : place;
  }

  function verdictFor(td) {
    var place = placeFor(td);
    if (place === "online") {
      // by participant: any video room at that time
      var keys = Object.keys(verdicts);
      for (var i = 0; i < keys.length; i++) {
        var v = verdicts[keys[i]];
        if (v.start === td.dataset.start && v.kind === "online") { return v; }
      }
      return null;
    }
    return verdicts[td.dataset.start + "|" + place] || null;
  }

  function clearMarks() {
    cells().forEach(function (td) {
      td.classList.remove("target-ok", "target-no");
      td.removeAttribute("title");
      td.removeAttribute("aria-label");
      td.tabIndex = -1;
    });
  }

  function mark() {
    cells().forEach(function (td) {
      var v = verdictFor(td);
      if (!v) { return; }
      var why = v.ok ? L.lValid : v.reasons.map(function (r) { return r.shown; }).join(" ");
      td.classList.add(v.ok ? "target-ok" : "target-no");
      td.title = why;
      td.setAttribute("aria-label", why);
      td.tabIndex = 0;
    });
  }

  function select(el) {
    clearMarks();
    if (picked) { picked.classList.remove("picked"); }
    picked = el;
    verdicts = {};
    var scheduled = el && !el.dataset.add;
    buttons.unschedule.disabled = !scheduled;
    buttons.swap.disabled = !scheduled;
    buttons.lock.disabled = !scheduled || el.dataset.locked === "1";
    buttons.unlock.disabled = !scheduled || el.dataset.locked !== "1";
    if (!el) {
      selectedText.textContent = L.lNone;
      return Promise.resolve();
    }
    el.classList.add("picked");
    selectedText.textContent = say(L.lSelected, { meeting: el.dataset.label || el.dataset.request });
    tell(L.lChecking);
    var asked = edits; // a drop can be answered before the targets: keep its answer shown
    var url = "/api/organiser/grid/targets?request=" + encodeURIComponent(el.dataset.request);
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (picked !== el) { return; }
        (data.targets || []).forEach(function (v) { verdicts[v.start + "|" + v.place] = v; });
        mark();
        if (edits === asked) { tell(L.lReady); }
      })
      .catch(function () { tell(L.lError); });
  }

  function post(kind, payload) {
    edits += 1;
    tell(L.lSaving);
    return fetch("/api/organiser/grid/" + kind, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": L.csrf, Accept: "application/json" },
      body: JSON.stringify(payload)
    }).then(function (r) {
      return r.json().then(function (data) {
        if (r.ok) {
          tell(say(L.lSaved, { version: data.version }));
          window.location.reload();
          return;
        }
        var reasons = (data.error && data.error.reasons) || [];
        var text = reasons.length ? reasons.map(function (x) { return x.shown; }).join(" ")
          : (data.error && data.error.message) || L.lError;
        tell(say(L.lRefused, { reasons: text }));
      });
    }).catch(function () { tell(L.lError); });
  }

  function dropOn(td) {
    if (!picked || !td.dataset.start) { return; }
    var place = placeFor(td);
    var kind = picked.dataset.add ? "add" : "move";
    post(kind, { request: picked.dataset.request, start: td.dataset.start, place: place || "online" });
  }

  // ---------------------------------------------------------------- mouse and touch
  document.addEventListener("dragstart", function (e) {
    var el = e.target.closest && e.target.closest("[data-request]");
    if (!el) { return; }
    e.dataTransfer.setData("text/plain", el.dataset.request);
    e.dataTransfer.effectAllowed = "move";
    select(el);
  });
  table.addEventListener("dragover", function (e) {
    var td = e.target.closest("td[data-start]");
    if (td && picked) { e.preventDefault(); e.dataTransfer.dropEffect = "move"; }
  });
  table.addEventListener("drop", function (e) {
    var td = e.target.closest("td[data-start]");
    if (!td) { return; }
    e.preventDefault();
    dropOn(td);
  });

  // ---------------------------------------------------------------- keyboard
  function step(td, dx, dy) {
    var row = td.parentElement;
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var r = rows.indexOf(row) + dy;
    var c = Array.prototype.indexOf.call(row.cells, td) + dx;
    if (r < 0 || r >= rows.length) { return null; }
    var target = rows[r].cells[c];
    return target && target.dataset.start !== undefined ? target : null;
  }

  table.addEventListener("keydown", function (e) {
    var meeting = e.target.closest("[data-request]");
    var td = e.target.closest("td[data-start]");
    if (e.key === "Escape") { select(null); tell(""); return; }
    if ((e.key === "Enter" || e.key === " ") && meeting && e.target === meeting) {
      e.preventDefault();
      if (swapping && picked && meeting !== picked) {
        swapping = false;
        post("swap", { request: picked.dataset.request, "with": meeting.dataset.request });
        return;
      }
      select(meeting).then(function () { (meeting.closest("td") || meeting).focus(); });
      return;
    }
    if (!td || !picked) { return; }
    var moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    if (moves[e.key]) {
      e.preventDefault();
      var next = step(td, moves[e.key][0], moves[e.key][1]);
      if (next) { next.tabIndex = 0; next.focus(); }
    } else if (e.key === "Enter" && e.target === td) {
      e.preventDefault();
      dropOn(td);
    }
  });
  var left = document.querySelector(".grid-left");
  if (left) {
    left.addEventListener("keydown", function (e) {
      var chip = e.target.closest("[data-request]");
      if (chip && (e.key === "Enter" || e.key === " ")) {
        e.preventDefault();
        select(chip).then(function () {
          var first = table.querySelector("td.target-ok") || table.querySelector("td[data-start]");
          if (first) { first.tabIndex = 0; first.focus(); }
        });
      }
    });
  }

  // ---------------------------------------------------------------- buttons
  buttons.unschedule.addEventListener("click", function () {
    if (picked) { post("unschedule", { request: picked.dataset.request }); }
  });
  buttons.lock.addEventListener("click", function () {
    if (picked) { post("lock", { request: picked.dataset.request }); }
  });
  buttons.unlock.addEventListener("click", function () {
    if (picked) { post("unlock", { request: picked.dataset.request }); }
  });
  buttons.swap.addEventListener("click", function () {
    if (!picked) { return; }
    swapping = true;
    tell(L.lSwapPick);
  });
  buttons.undo.addEventListener("click", function () { post("undo", {}); });
  table.addEventListener("click", function (e) {
    var meeting = e.target.closest("[data-request]");
    if (e.target.closest("a")) { return; }
    var td = e.target.closest("td[data-start]");
    if (!meeting && td && picked && td.classList.contains("target-ok")) {
      dropOn(td); // a tap on a free cell moves the picked meeting there (no drag on phones)
      return;
    }
    if (!meeting) { return; }
    if (swapping && picked && meeting !== picked) {
      swapping = false;
      post("swap", { request: picked.dataset.request, "with": meeting.dataset.request });
      return;
    }
    select(meeting);
  });
}());
