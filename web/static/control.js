// The organiser's control room: the rooms are fetched again whenever the /dashboard
// namespace pushes new totals (someone joined, left, is late, a deal, a no-show sweep),
// and the counters beside them follow the same totals.
(function () {
  "use strict";
  var root = document.getElementById("control");
  if (!root || !window.io) { return; }
  var fair = Number(root.dataset.fair);
  var rooms = document.getElementById("control-rooms");
  var asOf = "";
  var lang = document.documentElement.lang || undefined;
  var pending = null;

  function set(id, value) {
    var el = document.getElementById(id);
    if (el) { el.textContent = value; }
  }

  function query() {
    var params = new URLSearchParams(window.location.search);
    params.delete("sent");
    return params.toString();
  }

  function refresh() {
    if (pending) { return; }
    pending = window.setTimeout(function () {
      pending = null;
      var q = query();
      fetch(root.dataset.rooms + (q ? "?" + q : ""), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) { rooms.innerHTML = html; root.dataset.refreshed = String(Date.now()); })
        .catch(function () { root.dataset.live = "no"; });
    }, 200);
  }

  function show(t) {
    if (t.as_of < asOf) { return; }   // events from two processes may cross
    asOf = t.as_of;
    set("total-value", Number(t.value).toLocaleString(lang, { maximumFractionDigits: 2 }));
    set("deal-count", t.deals);
    set("companies", t.companies_with_intent);
    set("running", t.meetings_running);
    set("rooms-live", t.rooms_live);
    set("no-shows", t.no_shows);
  }

  var socket = window.io("/dashboard", { withCredentials: true });
  socket.on("connect", function () {
    socket.emit("watch", { fair: fair }, function (ack) {
      if (ack.ok) { root.dataset.live = "yes"; show(ack.totals); refresh(); }
    });
  });
  // The session ended (signed out elsewhere, link revoked or replaced): the page
  // reloads to the sign-in or link page, which says so.
  socket.on("signed_out", function () { window.location.reload(); });
  socket.on("disconnect", function () { root.dataset.live = "no"; });
  socket.on("totals", function (t) { show(t); refresh(); });
})();
