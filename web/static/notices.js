// The organiser's announcements on every page of a participant: the /notices namespace
// sends each one to the pages of its audience (the fair, a pavilion, a meeting room);
// `recent` brings those of the last hours to a page opened after. Dismissed ones stay
// dismissed in this browser.
// Slot offers too: when a meeting is freed during the fair, the waiting pair offered its
// slot gets `offer` on every open page, answers with `offer:accept` / `offer:decline`,
// and sees it booked (with a link to the room) once both sides accepted.
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

  var L = box.dataset;
  var socket = null;
  var offers = {};

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (m, k) { return k in values ? values[k] : m; });
  }
  function clock(iso, zone) {
    var options = { hour: "2-digit", minute: "2-digit" };
    try {
      return new Date(iso).toLocaleTimeString(document.documentElement.lang || undefined,
        Object.assign({ timeZone: zone }, options));
    } catch (e) {
      return new Date(iso).toLocaleTimeString(undefined, options);
    }
  }
  function place(o) {
    if (o.place_kind === "online") { return L.lOnline; }
    return (o.place_kind === "table" ? L.lTable : L.lBooth) + " " + o.place;
  }
  function button(label, cls, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "button small " + cls;
    b.textContent = label;
    b.addEventListener("click", onClick);
    return b;
  }

  function answer(o, accept, item) {
    item.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    socket.emit(accept ? "offer:accept" : "offer:decline", { offer: o.id }, function (ack) {
      if (ack && ack.ok) { showOffer(ack.offer); return; }
      var why = document.createElement("p");
      why.className = "offer-error";
      why.setAttribute("role", "alert");
      why.textContent = ack && ack.error ? ack.error.message : "";
      item.appendChild(why);
      item.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
    });
  }

  function showOffer(o) {
    if (!o || !o.id) { return; }
    var item = offers[o.id];
    var before = item ? item.dataset.status : "";
    if (!item) {
      if (o.status !== "offered" && o.status !== "booked") { return; }  // nothing to act on
      item = document.createElement("li");
      offers[o.id] = item;
      list.insertBefore(item, list.firstChild);
    }
    var who = o["with"] || {};
    var values = { name: who.name, company: who.company, time: clock(o.start, o.timezone) };
    item.className = "slot-offer offer-" + o.status +
      (["declined", "taken", "expired"].indexOf(o.status) >= 0 ? " offer-closed" : "");
    item.dataset.offer = o.id;
    item.dataset.status = o.status;
    item.textContent = "";
    var title = document.createElement("strong");
    title.textContent = L.lOfferTitle + " · " + clock(o.start, o.timezone) + "–" +
      clock(o.end, o.timezone) + " · " + place(o);
    item.appendChild(title);
    var text = document.createElement("p");
    var actions = document.createElement("div");
    actions.className = "actions";
    if (o.status === "offered") {
      text.textContent = fill(L.lOffer, values);
      if (o.you_accepted) {
        var wait = document.createElement("p");
        wait.className = "muted";
        wait.textContent = fill(L.lWaiting, values);
        item.appendChild(text);
        item.appendChild(wait);
        box.hidden = false;
        return;
      }
      if (o.they_accepted) { text.textContent += " " + fill(L.lTheyAccepted, values); }
      actions.appendChild(button(L.lAccept, "primary", function () { answer(o, true, item); }));
      actions.appendChild(button(L.lDecline, "", function () { answer(o, false, item); }));
    } else if (o.status === "booked") {
      text.textContent = fill(L.lBooked, values);
      if (o.uid) {
        var link = document.createElement("a");
        link.className = "button small primary";
        link.href = L.room.replace("UID", encodeURIComponent(o.uid));
        link.textContent = L.lOpenRoom;
        actions.appendChild(link);
      }
      // The agenda lists the new meeting once reloaded (the card comes back: `offers`
      // brings the ones booked in the last minutes too).
      if (before && before !== "booked" && document.getElementById("agenda")) {
        window.location.reload();
      }
    } else {
      text.textContent = L["l" + o.status.charAt(0).toUpperCase() + o.status.slice(1)] || "";
    }
    item.appendChild(text);
    item.appendChild(actions);
    box.hidden = false;
  }

  function start() {
    socket = window.io("/notices", { withCredentials: true });
    socket.on("connect", function () {
      box.dataset.live = "yes";
      socket.emit("recent", null, function (ack) {
        if (ack && ack.ok) { ack.announcements.slice().reverse().forEach(show); }
      });
      socket.emit("offers", null, function (ack) {
        if (ack && ack.ok) { ack.offers.forEach(showOffer); }
      });
    });
    // The session ended (signed out elsewhere, link revoked or replaced): the page
    // reloads to the sign-in or link page, which says so.
    socket.on("signed_out", function () { window.location.reload(); });
    socket.on("disconnect", function () { box.dataset.live = "no"; });
    socket.on("announcement", show);
    socket.on("offer", showOffer);
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
