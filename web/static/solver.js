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

  // Texts come translated from the page (data-l-*); %(name)s marks where a value goes.
  var L = box.dataset;
  function say(text, values) {
    return String(text).replace(/%\((\w+)\)s/g, function (all, name) {
      return values[name] === undefined ? all : String(values[name]);
    });
  }
  function statusWord(status) {
    var key = "lSt" + String(status).charAt(0).toUpperCase() + String(status).slice(1);
    return L[key] || status;
  }

  // The run's progress as [level, elapsed, value, bound] points, drawn by convergence.js.
  var chartBox = document.getElementById("solver-chart");
  var points = [];
  function track(p) {
    if (!chartBox || !window.fairConvergence || p.level === undefined || p.elapsed === undefined) { return; }
    var last = points[points.length - 1];
    var point = [p.level, p.elapsed, p.value === undefined ? null : p.value, p.bound === undefined ? null : p.bound];
    if (last && last[0] === point[0] && last[2] === point[2] && last[3] === point[3]) { return; }
    if (last && point[1] < last[1]) { points = []; }  // a new run
    points.push(point);
    chartBox.hidden = false;
    window.fairConvergence.draw(chartBox, points);
  }

  function show(state) {
    live.hidden = false;
    var p = state.progress || {};
    if (state.running) { track(p); }
    if (state.running) {
      var limit = state.time_limit || 1;
      bar.value = Math.min(100, Math.round(100 * (state.elapsed || 0) / limit));
      var parts = [L.lSolving];
      if (p.level) { parts.push(say(L.lLevel, { n: p.level })); }
      if (p.value !== undefined) { parts.push(say(L.lBest, { value: fmt(p.value) })); }
      if (p.bound !== undefined) { parts.push(say(L.lBound, { value: fmt(p.bound) })); }
      if (p.time_left !== undefined) { parts.push(say(L.lTimeLeft, { seconds: fmt(p.time_left) })); }
      text.textContent = parts.join(" · ");
      stopForm.hidden = false;
      runButton.disabled = true;
    } else if (state.result) {
      bar.value = 100;
      text.textContent = say(L.lDone, {
        version: state.result.version, scheduled: state.result.scheduled,
        requests: state.result.requests, status: statusWord(state.result.status),
        seconds: fmt(state.result.seconds)
      });
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
    socket.on("connect", function () {
      // A run that ended between the page's poll and joining its room sent its
      // solver:done to nobody: once in the room, ask for the state again.
      socket.emit("watch_solver", { fair: fair }, function () {
        if (box.dataset.running === "yes") { poll(); }
      });
    });
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
