// Live solver progress on the organiser's console, pushed over socket.io.
(function () {
  "use strict";
  var box = document.getElementById("solver");
  if (!box) { return; }
  var fair = Number(box.dataset.fair);
  var live = document.getElementById("solver-live");
  var bar = document.getElementById("solver-bar");
  var text = document.getElementById("solver-text");
  var stopForm = document.getElementById("solver-stop-form");
  var form = document.getElementById("solver-form");
  var runButton = document.getElementById("solver-run");

  function fmt(x) {
    if (x === null || x === undefined) { return "–"; }
    if (typeof x === "number") { return Math.abs(x) >= 100 ? Math.round(x).toString() : x.toFixed(1); }
    return String(x);
  }

  function show(state) {
    live.hidden = false;
    var p = state.progress || {};
    if (state.running) {
      var limit = state.time_limit || 1;
      bar.value = Math.min(100, Math.round(100 * (state.elapsed || 0) / limit));
      var parts = ["Solving"];
      if (p.level) { parts.push("level " + p.level); }
      if (p.value !== undefined) { parts.push("best " + fmt(p.value)); }
      if (p.bound !== undefined) { parts.push("bound " + fmt(p.bound)); }
      if (p.time_left !== undefined) { parts.push(fmt(p.time_left) + " s left"); }
      text.textContent = parts.join(" · ");
      stopForm.hidden = false;
      runButton.disabled = true;
    } else if (state.result) {
      bar.value = 100;
      text.textContent = "Done: draft version " + state.result.version + " · " +
        state.result.scheduled + " of " + state.result.requests + " requests scheduled · " +
        state.result.status + " · " + fmt(state.result.seconds) + " s. Reloading…";
      stopForm.hidden = true;
      window.setTimeout(function () { window.location.reload(); }, 1500);
    } else if (state.error) {
      text.textContent = state.error;
      stopForm.hidden = true;
      runButton.disabled = false;
    }
  }

  if (window.io) {
    var socket = window.io("/organiser", { withCredentials: true });
    socket.on("connect", function () { socket.emit("watch_solver", { fair: fair }); });
    socket.on("solver:progress", show);
    socket.on("solver:done", show);
    socket.on("solver:error", show);
  }

  function poll() {
    fetch(box.dataset.status, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (state) {
        if (state.running || state.result || state.error) { show(state); }
        if (state.running && !window.io) { window.setTimeout(poll, 1000); }
      })
      .catch(function () { /* the page still works by reloading */ });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    runButton.disabled = true;
    fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRF-Token": box.dataset.csrf },
      body: new FormData(form)
    }).then(function (r) { return r.json(); }).then(show).catch(function () { form.submit(); });
  });

  if (box.dataset.running === "yes") { poll(); }
})();
