// The organiser's outbox page: refreshes its figures from /organiser/outbox/status every
// few seconds while messages are on their way.
(function () {
  "use strict";
  var box = document.getElementById("outbox");
  if (!box) { return; }
  var url = box.dataset.status;
  var progress = document.getElementById("outbox-progress");
  var troubles = box.querySelectorAll("tbody tr").length;

  function set(selector, value) {
    var node = box.querySelector(selector);
    if (node) { node.textContent = String(value); }
  }

  function show(status) {
    Object.keys(status.invitations).forEach(function (key) {
      set('[data-invitations="' + key + '"]', status.invitations[key]);
    });
    Object.keys(status.outbox).forEach(function (key) {
      set('[data-outbox="' + key + '"]', status.outbox[key]);
    });
    set('[data-field="invited"]', status.invited);
    set('[data-field="not_invited"]', status.not_invited);
    progress.max = Math.max(status.invited, 1);
    progress.value = status.invitations.sent;
    var changed = box.querySelector('[data-field="changed"]');
    if (changed) { changed.hidden = status.troubles.length === troubles; }
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (status) { if (status) { show(status); } })
      .catch(function () { /* the next poll tries again */ })
      .then(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 3000);
}());
