// The organiser's announcements on every page of a participant: the /notices namespace
// sends each one to the pages of its audience (the fair, a pavilion, a meeting room);
// `recent` brings those of the last hours to a page opened after. Dismissed ones stay
// dismissed in this browser.
(function () {
  "use strict";
  var box = document.getElementById("notices");
  if (!box) { return; }
  var list = box.querySelector("ol");
  var KEY = "fair-dismissed-announcements";
  var shown = {};

  function dismissed() {
    try { return JSON.parse(window.localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }
  function dismiss(id, item) {
    var ids = dismissed().concat([id]).slice(-100);
    try { window.localStorage.setItem(KEY, JSON.stringify(ids)); } catch (e) { /* private mode */ }
    item.remove();
    if (!list.children.length) { box.hidden = true; }
  }

  function show(a) {
    if (!a || shown[a.id] || dismissed().indexOf(a.id) >= 0) { return; }
    shown[a.id] = true;
    var item = document.createElement("li");
    item.className = "announcement scope-" + a.scope;
    item.dataset.id = a.id;
    var title = document.createElement("strong");
    title.textContent = box.dataset.lTitle + (a.target ? " · " + a.target : "");
    var text = document.createElement("p");
    text.textContent = a.text;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "link";
    close.textContent = box.dataset.lDismiss;
    close.addEventListener("click", function () { dismiss(a.id, item); });
    item.appendChild(title);
    item.appendChild(text);
    item.appendChild(close);
    list.insertBefore(item, list.firstChild);
    box.hidden = false;
  }

  function start() {
    var socket = window.io("/notices", { withCredentials: true });
    socket.on("connect", function () {
      box.dataset.live = "yes";
      socket.emit("recent", null, function (ack) {
        if (ack && ack.ok) { ack.announcements.slice().reverse().forEach(show); }
      });
    });
    socket.on("disconnect", function () { box.dataset.live = "no"; });
    socket.on("announcement", show);
  }

  if (window.io) {
    start();
  } else if (box.dataset.io) {
    var script = document.createElement("script");
    script.src = box.dataset.io;
    script.addEventListener("load", start);
    document.head.appendChild(script);
  }
})();
