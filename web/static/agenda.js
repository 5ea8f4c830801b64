// Keeps the agenda's Join buttons, "now" and "ended" tags right while the page stays
// open: a meeting is live from ten minutes before its start until its end, and "now"
// from its start to its end. Times come from
// the server (data-now) so a wrong clock on this device does not matter.
(function () {
  "use strict";
  var anchor = document.getElementById("agenda");
  if (!anchor) { return; }
  var offset = Date.parse(anchor.dataset.now) - Date.now();
  var EARLY = 10 * 60 * 1000;

  function refresh() {
    var now = Date.now() + offset;
    var items = document.querySelectorAll("li.meeting[data-start]");
    for (var i = 0; i < items.length; i++) {
      var li = items[i];
      var start = Date.parse(li.dataset.start);
      var end = Date.parse(li.dataset.end);
      var live = start - EARLY <= now && now < end;
      var past = end <= now;
      li.classList.toggle("live", live);
      li.classList.toggle("past", past);
      var join = li.querySelector(".when-live");
      var running = li.querySelector(".when-now");
      var ended = li.querySelector(".when-past");
      var coming = li.querySelector(".when-coming");
      if (join) { join.hidden = !live; }
      if (running) { running.hidden = !(start <= now && now < end); }
      if (ended) { ended.hidden = !past; }
      if (coming) { coming.hidden = live || past; }
    }
  }

  refresh();
  window.setInterval(refresh, 30000);
})();
