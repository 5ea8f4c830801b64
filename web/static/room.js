// A meeting room: camera and microphone, WebRTC with the "perfect negotiation" pattern
// (either side may join first, reload or rejoin), chat, deals and the slot countdown.
// Everything goes through the /meeting socket.io namespace (docs/realtime.md).
(function () {
  "use strict";
  var root = document.getElementById("room");
  if (!root || !window.io) { return; }
  var L = root.dataset;
  var uid = L.meeting;
  var side = L.side;
  var peers = {};          // socket id → {pc, polite, makingOffer, ignoreOffer, tile}
  var me = null;
  var iceServers = [];
  var localStream = null;
  var offset = 0;          // server clock − browser clock, in ms
  var start = Date.parse(L.start), end = Date.parse(L.end);
  var dealKey = null;      // idempotency key of the deal being submitted
  var deals = {};
  var shownChat = {};

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }
  function notice(text) {
    var n = $("notice"); n.textContent = text; n.hidden = false;
    window.clearTimeout(notice.timer);
    notice.timer = window.setTimeout(function () { n.hidden = true; }, 15000);
  }
  function roomError(text) { var e = $("room-error"); e.textContent = text; e.hidden = !text; }
  function newKey() {
    return (window.crypto && window.crypto.randomUUID) ? window.crypto.randomUUID()
      : String(Date.now()) + "-" + Math.random().toString(16).slice(2);
  }

  // -- connection state, exposed on the page for people and for tests --------------
  function updateState() {
    var states = Object.keys(peers).map(function (k) { return peers[k].pc.connectionState; });
    var state = states.indexOf("connected") >= 0 ? "connected"
      : (states.length ? states[0] : (socket.connected ? "waiting" : "offline"));
    root.dataset.connection = state;
    root.dataset.peers = String(states.filter(function (s) { return s === "connected"; }).length);
    // The state's word in the page's language; the raw state stays on data-connection.
    var words = { connected: L.lConnConnected, waiting: L.lConnWaiting, offline: L.lConnOffline,
      "new": L.lConnConnecting, connecting: L.lConnConnecting, disconnected: L.lConnLost,
      failed: L.lConnFailed, closed: L.lConnLost };
    $("conn-state").textContent = words[state] || state;
    $("conn-state").className = "tag state-" + state;
  }

  // -- countdown from the server's clock --------------------------------------------
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function fmt(ms) {
    var s = Math.max(0, Math.floor(ms / 1000));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return (h ? h + ":" + pad(m) : m) + ":" + pad(s % 60);
  }
  function tick() {
    var now = Date.now() + offset;
    var label = $("clock-label"), out = $("countdown");
    if (now < start) { label.textContent = L.lStarts; out.textContent = fmt(start - now); }
    else if (now < end) { label.textContent = L.lLeft; out.textContent = fmt(end - now); }
    else { label.textContent = L.lEnded; out.textContent = "0:00"; }
    root.classList.toggle("ending", now < end && end - now < 5 * 60 * 1000);
  }
  window.setInterval(tick, 1000);

  // -- media ----------------------------------------------------------------------
  function getMedia() {
    if (side === "observer" || !navigator.mediaDevices) { return Promise.resolve(null); }
    return navigator.mediaDevices.getUserMedia({ audio: true, video: true })
      .catch(function () { return navigator.mediaDevices.getUserMedia({ audio: true }); })
      .then(function (stream) {
        if (!stream.getVideoTracks().length) { $("media-error").hidden = false; }
        $("local-video").srcObject = stream;
        return stream;
      })
      .catch(function () { $("media-error").hidden = false; return null; });
  }

  // -- perfect negotiation, one RTCPeerConnection per other person -------------------
  function tileFor(sid) {
    var fig = el("figure", "tile");
    var video = el("video");
    video.autoplay = true; video.playsInline = true;
    fig.appendChild(video);
    fig.appendChild(el("figcaption", "", ""));
    $("tiles").appendChild(fig);
    return fig;
  }
  function peer(sid) {
    if (peers[sid]) { return peers[sid]; }
    var pc = new RTCPeerConnection({ iceServers: iceServers });
    var p = { pc: pc, polite: me < sid, makingOffer: false, ignoreOffer: false, tile: tileFor(sid) };
    peers[sid] = p;
    if (localStream) {
      localStream.getTracks().forEach(function (t) { pc.addTrack(t, localStream); });
    } else {
      pc.addTransceiver("audio", { direction: "recvonly" });
      pc.addTransceiver("video", { direction: "recvonly" });
    }
    pc.onnegotiationneeded = function () {
      p.makingOffer = true;
      pc.setLocalDescription().then(function () {
        socket.emit("signal", { to: sid, description: pc.localDescription });
      }).catch(function (e) { console.warn("offer failed", e); })
        .then(function () { p.makingOffer = false; });
    };
    pc.onicecandidate = function (e) {
      if (e.candidate) { socket.emit("signal", { to: sid, candidate: e.candidate }); }
    };
    pc.ontrack = function (e) {
      var video = p.tile.querySelector("video");
      if (video.srcObject !== e.streams[0]) { video.srcObject = e.streams[0]; }
    };
    pc.onconnectionstatechange = function () {
      if (pc.connectionState === "failed") { pc.restartIce(); }
      updateState();
    };
    updateState();
    return p;
  }
  function closePeer(sid) {
    var p = peers[sid];
    if (!p) { return; }
    p.pc.close();
    p.tile.remove();
    delete peers[sid];
    updateState();
  }
  function closeAll() { Object.keys(peers).forEach(closePeer); }

  function onSignal(msg) {
    if (msg.to && msg.to !== me) { return; }
    var p = peer(msg.from), pc = p.pc;
    if (msg.name) { p.tile.querySelector("figcaption").textContent = msg.name; }
    var work = Promise.resolve();
    if (msg.description) {
      var collision = msg.description.type === "offer" &&
        (p.makingOffer || pc.signalingState !== "stable");
      p.ignoreOffer = !p.polite && collision;
      if (p.ignoreOffer) { return; }
      work = pc.setRemoteDescription(msg.description).then(function () {
        if (msg.description.type === "offer") {
          return pc.setLocalDescription().then(function () {
            socket.emit("signal", { to: msg.from, description: pc.localDescription });
          });
        }
      });
    } else if (msg.candidate) {
      work = pc.addIceCandidate(msg.candidate).catch(function (e) { if (!p.ignoreOffer) { throw e; } });
    }
    work.catch(function (e) { console.warn("signalling", e); });
  }

  // -- people, chat, deals ----------------------------------------------------------
  function renderPeople(people) {
    var list = $("people");
    list.textContent = "";
    people.forEach(function (p) {
      var li = el("li", p.online ? "online" : (p.no_show ? "no-show" : "away"));
      li.appendChild(el("strong", "", p.name));
      li.appendChild(el("span", "muted", " " + p.company + " · " + p.country));
      var state = p.online ? L.lOnline : (p.no_show ? L.lNoshow : (p.left_at ? L.lLeftRoom : L.lAway));
      li.appendChild(el("span", "tag", state));
      list.appendChild(li);
    });
  }
  function addChat(line) {
    if (shownChat[line.id]) { return; }
    shownChat[line.id] = true;
    var li = el("li", line.organiser ? "organiser" : "");
    var when = new Date(line.at);
    li.appendChild(el("span", "who", line.author));
    li.appendChild(el("time", "muted", pad(when.getHours()) + ":" + pad(when.getMinutes())));
    li.appendChild(el("p", "", line.text));
    var list = $("chat-lines");
    list.appendChild(li);
    list.scrollTop = list.scrollHeight;
  }
  function renderDeal(d) {
    deals[d.id] = d;
    var li = $("deal-" + d.id) || el("li", "deal");
    li.id = "deal-" + d.id;
    li.textContent = "";
    li.dataset.confirmed = d.confirmed_at ? "yes" : "no";
    var head = el("div", "deal-head");
    head.appendChild(el("strong", "", d.amount + " " + d.currency));
    head.appendChild(el("span", "tag type-" + d.type, d.type));
    li.appendChild(head);
    if (d.currency !== d.reporting_currency && d.value) {
      li.appendChild(el("span", "muted", "≈ " + d.value + " " + d.reporting_currency));
    }
    if (d.note) { li.appendChild(el("p", "", d.note)); }
    li.appendChild(el("span", "muted small", d.recorded_by));
    if (d.confirmed_at) {
      li.appendChild(el("span", "ok", "✓ " + L.lConfirmed + " " + d.confirmed_by));
    } else if ((side === "from" || side === "to") && d.recorded_side !== side) {
      var b = el("button", "button primary small confirm", L.lConfirm);
      b.type = "button";
      b.addEventListener("click", function () {
        b.disabled = true;
        socket.emit("deal:confirm", { deal: d.id }, function (ack) {
          if (ack.ok) { renderDeal(ack.deal); } else { b.disabled = false; roomError(ack.error.message); }
        });
      });
      li.appendChild(b);
    } else {
      li.appendChild(el("span", "muted small", L.lWaiting));
    }
    if (!li.parentNode) { $("deals").appendChild(li); }
  }

  // -- socket ---------------------------------------------------------------------
  var socket = window.io("/meeting", { withCredentials: true, autoConnect: false });
  socket.on("connect", function () {
    closeAll();
    me = socket.id;
    socket.emit("join", { meeting: uid }, function (ack) {
      if (!ack.ok) { roomError(ack.error.message); return; }
      roomError("");
      me = ack.you.sid;
      side = ack.you.side;
      iceServers = ack.ice_servers || [];
      offset = Date.parse(ack.server_time) - Date.now();
      start = Date.parse(ack.meeting.start); end = Date.parse(ack.meeting.end);
      tick();
      renderPeople(ack.presence);
      ack.chat.forEach(addChat);
      ack.deals.forEach(renderDeal);
      updateState();
      if (dealKey) { submitDeal(); }  // resubmit after a reconnect: counted once
    });
  });
  // The session ended (signed out elsewhere, link revoked or replaced): the page
  // reloads to the sign-in or link page, which says so.
  socket.on("signed_out", function () { window.location.reload(); });
  socket.on("disconnect", function () { $("conn-state").textContent = L.lReconnecting; });
  socket.on("connect_error", function (err) { roomError(err.message); });
  socket.on("error", function (e) { if (e.event !== "deal:record") { roomError(e.message); } });
  socket.on("presence", function (d) { renderPeople(d.people); });
  socket.on("peer:joined", function (d) {
    if (side !== "observer") { peer(d.sid).tile.querySelector("figcaption").textContent = d.name; }
  });
  socket.on("peer:left", function (d) { closePeer(d.sid); });
  socket.on("signal", function (msg) { if (side !== "observer") { onSignal(msg); } });
  socket.on("chat", addChat);
  socket.on("deal", renderDeal);
  socket.on("late", function (d) { notice(d.name + " " + L.lLate + " " + d.minutes + " " + L.lMinutes); });
  socket.on("announcement", function (d) { notice(L.lAnnouncement + ": " + d.text); });
  window.setInterval(function () {
    if (socket.connected) {
      socket.emit("time", null, function (ack) { offset = Date.parse(ack.server_time) - Date.now(); });
    }
  }, 60000);

  $("chat-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = $("chat-text");
    var text = input.value.trim();
    if (!text) { return; }
    socket.emit("chat", { text: text }, function (ack) {
      if (ack.ok) { input.value = ""; addChat(ack.line); } else { roomError(ack.error.message); }
    });
  });

  var form = $("deal-form");
  function submitDeal() {
    var data = {
      type: form.elements.type.value, amount: form.elements.amount.value,
      currency: form.elements.currency.value, note: form.elements.note.value, client_key: dealKey
    };
    $("deal-submit").disabled = true;
    socket.timeout(10000).emit("deal:record", data, function (err, ack) {
      if (err) { return; }  // no answer: resubmitted with the same key on reconnect
      $("deal-submit").disabled = false;
      if (!ack.ok) {
        dealKey = null;
        $("deal-error").textContent = ack.error.message; $("deal-error").hidden = false;
        return;
      }
      dealKey = null;
      $("deal-error").hidden = true;
      form.reset();
      renderDeal(ack.deal);
      notice(L.lSaved);
    });
  }
  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!dealKey) { dealKey = newKey(); }
      submitDeal();
    });
  }

  function toggleTracks(kind, button, onLabel, offLabel) {
    if (!localStream) { return; }
    var tracks = kind === "audio" ? localStream.getAudioTracks() : localStream.getVideoTracks();
    var off = button.getAttribute("aria-pressed") !== "true";
    tracks.forEach(function (t) { t.enabled = !off; });
    button.setAttribute("aria-pressed", off ? "true" : "false");
    button.textContent = off ? offLabel : onLabel;
  }
  if ($("btn-mute")) {
    $("btn-mute").addEventListener("click", function () { toggleTracks("audio", this, L.lMute, L.lUnmute); });
    $("btn-camera").addEventListener("click", function () { toggleTracks("video", this, L.lCamoff, L.lCamon); });
    $("btn-late").addEventListener("click", function () { socket.emit("late", { minutes: 5 }); });
    $("btn-leave").addEventListener("click", function () {
      socket.emit("leave", null, function () {
        closeAll();
        if (localStream) { localStream.getTracks().forEach(function (t) { t.stop(); }); }
        socket.disconnect();
        window.location.href = L.agenda;
      });
    });
  }

  // Join only once the camera question is answered, so the first offer carries media.
  getMedia().then(function (stream) { localStream = stream; socket.connect(); });
  tick();
})();
