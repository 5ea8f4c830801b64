// A roadshow's live stage over the /stage socket.io namespace (docs/realtime.md).
// With a media server (data-media="janus") the presenter sends camera and microphone
// once, to Janus, and each viewer receives them from Janus; the app relays the SDP
// (`publish`, `watch`, `answer`), the browser never talks to Janus's API. Without one
// the presenter sends them to each viewer over its own RTCPeerConnection (the presenter
// always offers; viewers answer). Viewers ask questions, request a meeting with the
// presenter, register purchase interest in shown products and order them; the
// presenting company's people confirm or decline the orders.
(function () {
  "use strict";
  var root = document.getElementById("stage");
  if (!root || !window.io) { return; }
  var L = root.dataset;
  var roadshow = Number(L.roadshow);
  var role = L.role;                // "presenter", "viewer" or "observer"
  var janus = L.media === "janus";
  var watching = 0;                 // janus viewer: the newest `watch` asked
  var byMid = {};                   // janus viewer: transceiver mid → feed
  var feedStreams = {};             // janus viewer: feed id → MediaStream
  var feedVideos = {};              // janus viewer: feed id → its video element
  var me = null;
  var iceServers = [];
  var localStream = null;
  var peers = {};                   // presenter: viewer sid → RTCPeerConnection
  var upstream = null;              // viewer: {sid, pc} of the presenter's connection
  var shown = {};
  var lang = document.documentElement.lang || undefined;
  var ordersAsOf = "";
  var orderKeys = {};               // product → idempotency key of the order being sent

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function notice(text) {
    var n = $("notice"); n.textContent = text; n.hidden = false;
    window.clearTimeout(notice.timer);
    notice.timer = window.setTimeout(function () { n.hidden = true; }, 15000);
  }
  function stageError(text) { var e = $("stage-error"); e.textContent = text || ""; e.hidden = !text; }
  function setStatus(status) {
    root.dataset.status = status;
    Array.prototype.forEach.call(document.querySelectorAll(".order-form button"), function (b) {
      b.disabled = status !== "live";
    });
    var words = { scheduled: L.lScheduled, live: L.lLive, ended: L.lEnded, cancelled: L.lCancelled };
    $("stage-status").textContent = words[status] || status;
  }
  function updateState() {
    var states = [];
    if (role === "presenter" || role === "venue") {
      states = Object.keys(peers).map(function (k) { return peers[k].connectionState; });
    } else if (upstream) {
      states = [upstream.pc.connectionState];
    }
    var connected = states.filter(function (s) { return s === "connected"; }).length;
    root.dataset.peers = String(connected);
    root.dataset.connection = connected ? "connected" : (states.length ? states[0] : (socket.connected ? "waiting" : "offline"));
  }

  // -- presenter: one offer per viewer ------------------------------------------------
  function offerTo(sid) {
    if (!localStream || peers[sid]) { return; }
    var pc = new RTCPeerConnection({ iceServers: iceServers });
    peers[sid] = pc;
    localStream.getTracks().forEach(function (t) { pc.addTrack(t, localStream); });
    pc.onicecandidate = function (e) {
      if (e.candidate) { socket.emit("signal", { to: sid, candidate: e.candidate }); }
    };
    pc.onconnectionstatechange = function () {
      if (pc.connectionState === "failed" || pc.connectionState === "closed") { drop(sid); }
      updateState();
    };
    pc.createOffer().then(function (offer) { return pc.setLocalDescription(offer); })
      .then(function () { socket.emit("signal", { to: sid, description: pc.localDescription }); })
      .catch(function (e) { console.warn("offer failed", e); });
    updateState();
  }
  function drop(sid) {
    var pc = peers[sid];
    if (!pc) { return; }
    delete peers[sid];
    pc.close();
    updateState();
  }
  function goLive() {
    $("btn-start").disabled = true;
    var media = navigator.mediaDevices ? navigator.mediaDevices.getUserMedia({ audio: true, video: true }) : Promise.reject(new Error("no media"));
    media.then(function (stream) {
      localStream = stream;
      $("stage-video").srcObject = stream;
      socket.emit("start", {}, function (ack) {
        if (!ack.ok) { stageError(ack.error.message); $("btn-start").disabled = false; return; }
        setStatus(ack.status);
        $("btn-stop").disabled = false;
        if (janus) { publish(); }
      });
    }).catch(function () { $("media-error").hidden = false; $("btn-start").disabled = false; });
  }
  function endShow() {
    socket.emit("stop", {}, function (ack) {
      if (!ack.ok) { stageError(ack.error.message); return; }
      setStatus(ack.status);
      Object.keys(peers).forEach(drop);
      if (localStream) { localStream.getTracks().forEach(function (t) { t.stop(); }); }
      $("btn-stop").disabled = true;
    });
  }

  // -- through the media server --------------------------------------------------------
  // Offers and answers carry their ICE candidates: wait for the gathering (a few
  // seconds at most, then send what there is).
  function gathered(pc) {
    return new Promise(function (resolve) {
      if (pc.iceGatheringState === "complete") { resolve(); return; }
      var timer = window.setTimeout(resolve, 4000);
      pc.addEventListener("icegatheringstatechange", function () {
        if (pc.iceGatheringState === "complete") { window.clearTimeout(timer); resolve(); }
      });
    });
  }
  function publish() {
    if (!localStream) { return; }
    drop("janus");
    var pc = new RTCPeerConnection({ iceServers: iceServers });
    peers.janus = pc;
    localStream.getTracks().forEach(function (t) { pc.addTrack(t, localStream); });
    pc.onconnectionstatechange = updateState;
    pc.createOffer().then(function (offer) { return pc.setLocalDescription(offer); })
      .then(function () { return gathered(pc); })
      .then(function () {
        socket.emit("publish", { description: pc.localDescription }, function (ack) {
          if (!ack.ok) {
            stageError(ack.error.message);
            // The media server is away: try again until it answers.
            if (ack.error.code === "media") { window.setTimeout(publishAgain, 5000); }
            return;
          }
          stageError("");
          pc.setRemoteDescription(ack.description).catch(function (e) { console.warn("answer", e); });
        });
      })
      .catch(function (e) { console.warn("publish failed", e); });
    updateState();
  }
  function publishAgain() {
    if (localStream && root.dataset.status === "live" && socket.connected) { publish(); }
  }
  function watch() {
    var asked = ++watching;
    socket.emit("watch", {}, function (ack) {
      if (asked !== watching) { return; }      // a newer watch replaced this one
      if (!ack.ok) {
        if (ack.error.code !== "not_live") { stageError(ack.error.message); }
        return;
      }
      closeUpstream();
      layout(ack.feeds || []);
      if (!ack.description) { $("stage-caption").textContent = L.lWaiting; return; }
      var pc = new RTCPeerConnection({ iceServers: iceServers });
      upstream = { sid: "janus", pc: pc };
      pc.ontrack = function (e) {
        var feed = byMid[e.transceiver && e.transceiver.mid];
        if (!feed) { return; }
        feedStreams[feed.id].addTrack(e.track);
        // A video given an empty stream does not start when tracks arrive: give it again.
        var video = feedVideos[feed.id];
        if (video) {
          video.srcObject = feedStreams[feed.id];
          start(video);
        }
        $("stage-caption").textContent = L.lLive;
      };
      pc.onconnectionstatechange = updateState;
      pc.setRemoteDescription(ack.description)
        .then(function () { return pc.createAnswer(); })
        .then(function (answer) { return pc.setLocalDescription(answer); })
        .then(function () { return gathered(pc); })
        .then(function () {
          socket.emit("answer", { description: pc.localDescription }, function (a) {
            if (!a.ok) { stageError(a.error.message); }
          });
        })
        .catch(function (e) { console.warn("watch failed", e); });
      updateState();
    });
  }

  // Browsers refuse to start a video with sound before the viewer touched the page:
  // it plays muted and a button turns the sound on. They do start a video that has no
  // sound yet, so when the picture's track came first its sound followed unasked and
  // the button never showed: before the viewer's first gesture every feed starts muted,
  // whatever order its tracks arrive in. The gesture is counted here, from the page's
  // own input events, not read from `navigator.userActivation`: that also counts
  // activation the viewer never gave (a script run by automation or an extension as a
  // user gesture), and then the sound came on unasked again.
  var touched = false;
  ["pointerdown", "keydown", "touchend"].forEach(function (type) {
    document.addEventListener(type, function () { touched = true; }, { capture: true, once: true, passive: true });
  });
  var mutedHere = [];   // the videos muted by the rule above, until the button is pressed
  function start(video) {
    if (!touched) { playMuted(video); return; }
    var playing = video.play();
    if (playing && playing.catch) { playing.catch(function (e) { if (e.name === "NotAllowedError") { playMuted(video); } }); }
  }
  function playMuted(video) {
    if (mutedHere.indexOf(video) < 0) { mutedHere.push(video); }
    video.muted = true;
    video.play().catch(function () {});
    var sound = $("btn-sound");
    if (sound) { sound.hidden = false; }
  }
  function soundOn() {
    mutedHere.forEach(function (video) {
      video.muted = false;
      video.play().catch(function () {});
    });
    mutedHere = [];
    $("btn-sound").hidden = true;
  }

  // The active layout: the host on the main screen, each venue on screen in a tile.
  function layout(feeds) {
    byMid = {}; feedStreams = {}; feedVideos = {};
    var tiles = $("venue-tiles");
    if (tiles) { tiles.textContent = ""; }
    var main = $("stage-video");
    main.srcObject = null;
    // Each new layout starts by the rule above again: muted until the viewer's gesture.
    main.muted = false;
    mutedHere = [];
    if ($("btn-sound")) { $("btn-sound").hidden = true; }
    feeds.forEach(function (feed) {
      feedStreams[feed.id] = new MediaStream();
      (feed.mids || []).forEach(function (mid) { byMid[mid] = feed; });
      if (feed.role === "presenter") {
        feedVideos[feed.id] = main;
        return;
      }
      if (!tiles) { return; }
      var figure = el("figure", "tile venue-tile");
      figure.dataset.feed = String(feed.id);
      var video = el("video", "");
      video.autoplay = true; video.playsInline = true;
      feedVideos[feed.id] = video;
      figure.appendChild(video);
      figure.appendChild(el("figcaption", "", feed.label ? feed.label + " · " + feed.name : feed.name));
      tiles.appendChild(figure);
    });
    root.dataset.feeds = String(feeds.length);
  }

  // -- venues: the host or organiser invites them and arranges the screen ------------
  function showVenues(list) {
    var ul = $("venue-list");
    if (!ul) { return; }
    ul.textContent = "";
    list.forEach(function (v) {
      var li = el("li", "venue" + (v.on_screen ? " on" : ""));
      li.dataset.participant = String(v.participant);
      li.appendChild(el("strong", "", v.label));
      li.appendChild(el("span", "muted", v.name + " · " + (v.on_screen ? L.lOnScreen : L.lOffScreen)));
      var button = el("button", "button small", v.on_screen ? L.lTakeOff : L.lBringOn);
      button.type = "button";
      button.addEventListener("click", function () {
        button.disabled = true;
        socket.emit("screen", { participant: v.participant, on: !v.on_screen }, function (ack) {
          button.disabled = false;
          if (!ack.ok) { stageError(ack.error.message); return; }
          stageError("");
          showVenues(ack.venues);
        });
      });
      li.appendChild(button);
      ul.appendChild(li);
    });
  }
  var venueForm = $("venue-form");
  if (venueForm) {
    venueForm.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var data = { email: venueForm.elements.email.value.trim(), label: venueForm.elements.label.value.trim() };
      socket.emit("venue", data, function (ack) {
        if (!ack.ok) { stageError(ack.error.message); return; }
        stageError("");
        venueForm.reset();
        showVenues(ack.venues);
      });
    });
  }
  function venueGo() {
    $("btn-venue-go").disabled = true;
    var media = navigator.mediaDevices ? navigator.mediaDevices.getUserMedia({ audio: true, video: true }) : Promise.reject(new Error("no media"));
    media.then(function (stream) {
      localStream = stream;
      var own = $("stage-video");
      own.muted = true;
      own.srcObject = stream;
      if (root.dataset.status === "live") { publish(); }
    }).catch(function () { $("media-error").hidden = false; $("btn-venue-go").disabled = false; });
  }

  // -- viewer: answer the presenter's offer ----------------------------------------
  function closeUpstream() {
    if (upstream) { upstream.pc.close(); upstream = null; }
    updateState();
  }
  function fromPresenter(msg) {
    if (msg.description && msg.description.type === "offer") {
      closeUpstream();
      var pc = new RTCPeerConnection({ iceServers: iceServers });
      upstream = { sid: msg.from, pc: pc };
      pc.onicecandidate = function (e) {
        if (e.candidate) { socket.emit("signal", { to: msg.from, candidate: e.candidate }); }
      };
      pc.ontrack = function (e) {
        var video = $("stage-video");
        if (video.srcObject !== e.streams[0]) { video.srcObject = e.streams[0]; }
        start(video);
        $("stage-caption").textContent = L.lLive;
      };
      pc.onconnectionstatechange = updateState;
      pc.setRemoteDescription(msg.description)
        .then(function () { return pc.createAnswer(); })
        .then(function (answer) { return pc.setLocalDescription(answer); })
        .then(function () { socket.emit("signal", { to: msg.from, description: pc.localDescription }); })
        .catch(function (e) { console.warn("answer failed", e); });
      updateState();
    } else if (msg.candidate && upstream && upstream.sid === msg.from) {
      upstream.pc.addIceCandidate(msg.candidate).catch(function (e) { console.warn("candidate", e); });
    }
  }
  function onSignal(msg) {
    if (msg.to && msg.to !== me) { return; }   // relayed through the room from another process
    if (role === "presenter") {
      var pc = peers[msg.from];
      if (!pc) { return; }
      var work = msg.description ? pc.setRemoteDescription(msg.description)
        : (msg.candidate ? pc.addIceCandidate(msg.candidate) : Promise.resolve());
      work.catch(function (e) { console.warn("signalling", e); });
    } else {
      fromPresenter(msg);
    }
  }

  // -- questions, interest, meeting request -----------------------------------------
  function addQuestion(line) {
    if (shown[line.id]) { return; }
    shown[line.id] = true;
    var li = el("li", "");
    var when = new Date(line.at);
    li.appendChild(el("span", "who", line.author));
    li.appendChild(el("time", "muted", pad(when.getHours()) + ":" + pad(when.getMinutes())));
    li.appendChild(el("p", "", line.text));
    var list = $("questions");
    list.appendChild(li);
    list.scrollTop = list.scrollHeight;
  }
  function setCount(product, count) {
    var out = $("count-" + product);
    if (out) { out.textContent = String(count); }
  }
  Array.prototype.forEach.call(document.querySelectorAll(".interest-form"), function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var button = form.querySelector("button");
      var quantity = form.querySelector("input[name=quantity]").value.trim();
      button.disabled = true;
      socket.emit("interest", { product: Number(form.dataset.product), quantity: quantity || null }, function (ack) {
        if (!ack.ok) { stageError(ack.error.message); button.disabled = false; return; }
        stageError("");
        button.textContent = L.lRegistered;
        button.classList.add("done");
        form.dataset.registered = "yes";
      });
    });
  });
  // -- orders ------------------------------------------------------------------------
  function money(value, currency) {
    var n = Number(value);
    try {
      return n.toLocaleString(lang, { style: "currency", currency: currency });
    } catch (e) {
      return n.toLocaleString(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 }) + " " + currency;
    }
  }
  function showOrderTotals(t) {
    // Pushes from several server processes may cross: keep the newest figures.
    if (!t || t.as_of < ordersAsOf) { return; }
    ordersAsOf = t.as_of;
    var out = $("orders-hour");
    out.dataset.value = t.last_hour.value;
    out.textContent = Number(t.last_hour.value).toLocaleString(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    $("orders-hour-count").textContent = String(t.last_hour.orders);
  }
  function decide(o, confirm, button) {
    button.disabled = true;
    socket.emit(confirm ? "order:confirm" : "order:decline", { order: o.id }, function (ack) {
      if (!ack.ok) { stageError(ack.error.message); button.disabled = false; return; }
      stageError("");
      renderOrder(ack.order);
    });
  }
  function renderOrder(o) {
    var list = $("orders");
    if (!list) { return; }
    var seller = list.dataset.seller === "yes";
    var li = $("order-" + o.id) || el("li", "deal stage-order");
    li.id = "order-" + o.id;
    li.textContent = "";
    li.dataset.status = o.status;
    li.dataset.confirmed = o.status === "confirmed" ? "yes" : "no";
    var head = el("div", "deal-head");
    head.appendChild(el("strong", "", o.product_name + " × " + o.quantity));
    head.appendChild(el("span", "order-amount", money(o.amount, o.currency)));
    li.appendChild(head);
    if (o.currency !== o.reporting_currency && o.value) {
      li.appendChild(el("span", "muted small", "≈ " + money(o.value, o.reporting_currency)));
    }
    if (seller) { li.appendChild(el("span", "muted small", o.buyer + " · " + o.buyer_company)); }
    var words = { pending: L.lPending, confirmed: L.lOrderConfirmed, declined: L.lOrderDeclined };
    li.appendChild(el("span", "tag order-status status-" + o.status, words[o.status] || o.status));
    if (seller && o.status === "pending") {
      var row = el("div", "controls");
      var yes = el("button", "button primary small order-confirm", L.lConfirm);
      var no = el("button", "button small order-decline", L.lDecline);
      yes.type = no.type = "button";
      yes.addEventListener("click", function () { decide(o, true, yes); });
      no.addEventListener("click", function () { decide(o, false, no); });
      row.appendChild(yes);
      row.appendChild(no);
      li.appendChild(row);
    }
    if (!li.parentNode) { list.insertBefore(li, list.firstChild); }
    $("orders-empty").hidden = true;
  }
  function newKey() {
    return (window.crypto && window.crypto.randomUUID) ? window.crypto.randomUUID()
      : String(Date.now()) + "-" + Math.random().toString(16).slice(2);
  }
  function sendOrder(form) {
    var product = Number(form.dataset.product);
    var button = form.querySelector("button");
    var data = {
      product: product, quantity: form.elements.quantity.value.trim(), client_key: orderKeys[product]
    };
    button.disabled = true;
    socket.timeout(10000).emit("order", data, function (err, ack) {
      if (err) { return; }   // no answer: sent again with the same key on reconnect
      delete orderKeys[product];
      button.disabled = root.dataset.status !== "live";
      if (!ack.ok) { stageError(ack.error.message); return; }
      stageError("");
      renderOrder(ack.order);
      notice(L.lOrdered);
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll(".order-form"), function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (root.dataset.status !== "live") { stageError(L.lOrderClosed); return; }
      var product = Number(form.dataset.product);
      if (!orderKeys[product]) { orderKeys[product] = newKey(); }
      sendOrder(form);
    });
  });

  var meet = $("btn-meet");
  if (meet) {
    meet.addEventListener("click", function () {
      meet.disabled = true;
      socket.emit("meet", { priority: 4 }, function (ack) {
        if (!ack.ok) { stageError(ack.error.message); meet.disabled = false; return; }
        stageError("");
        notice(L.lSent);
        meet.dataset.sent = "yes";
      });
    });
  }
  // Attending posts the form in the background, so the video keeps playing.
  var attendForm = $("attend-form");
  if (attendForm && window.fetch && window.FormData) {
    attendForm.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var attending = attendForm.dataset.attending === "yes";
      var body = new FormData(attendForm);
      body.set("attend", attending ? "0" : "1");
      fetch(attendForm.action, { method: "POST", body: body, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          attending = !attending;
          attendForm.dataset.attending = attending ? "yes" : "no";
          $("attend-yes").hidden = !attending;
          $("btn-unattend").hidden = !attending;
          $("btn-attend").hidden = attending;
          notice(attending ? L.lAttending : L.lNotAttending);
        })
        .catch(function () { attendForm.submit(); });   // fall back to the plain form
    });
  }
  $("question-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var input = $("question-text");
    var text = input.value.trim();
    if (!text) { return; }
    socket.emit("question", { text: text }, function (ack) {
      if (!ack.ok) { stageError(ack.error.message); return; }
      stageError("");
      input.value = "";
      addQuestion(ack.line);
    });
  });
  if ($("btn-venue-go")) { $("btn-venue-go").addEventListener("click", venueGo); }
  if ($("btn-sound")) { $("btn-sound").addEventListener("click", soundOn); }
  if (role === "presenter" && $("btn-start")) {
    $("btn-start").addEventListener("click", goLive);
    $("btn-stop").addEventListener("click", endShow);
  }

  // -- the socket -------------------------------------------------------------------
  var socket = window.io("/stage", { withCredentials: true });
  socket.on("connect", function () {
    me = socket.id;
    socket.emit("join", { roadshow: roadshow }, function (ack) {
      if (!ack.ok) {
        stageError(ack.error.code === "full" ? L.lFull : ack.error.message);
        root.dataset.joined = ack.error.code;
        return;
      }
      stageError("");
      root.dataset.joined = "yes";
      me = ack.you.sid;
      iceServers = ack.ice_servers || [];
      $("audience").textContent = String(ack.audience);
      setStatus(ack.roadshow.status);
      ack.questions.forEach(addQuestion);
      ack.products.forEach(function (p) { setCount(p.id, p.interests); });
      janus = ack.media === "janus";
      role = ack.you.role;
      root.dataset.role = role;
      showVenues(ack.venues || []);
      if (janus && role === "venue" && $("venue-controls")) {
        $("venue-controls").hidden = false;
        $("stage-caption").textContent = L.lWaiting;
      }
      ack.orders.forEach(renderOrder);
      showOrderTotals(ack.order_totals);
      // Orders whose answer was lost with the connection: sent again, counted once.
      Array.prototype.forEach.call(document.querySelectorAll(".order-form"), function (form) {
        if (orderKeys[Number(form.dataset.product)]) { sendOrder(form); }
      });
      var publishes = role === "presenter" || role === "venue";
      if (janus && !publishes && ack.roadshow.status === "live") { watch(); }
      if (janus && publishes && localStream && ack.roadshow.status === "live") { publish(); }
      // Peer-to-peer: joining told the presenter (`viewer:joined`); they offer once live.
    });
  });
  // The session ended (signed out elsewhere, link revoked or replaced): the page
  // reloads to the sign-in or link page, which says so.
  socket.on("signed_out", function () { window.location.reload(); });
  socket.on("disconnect", function () {
    Object.keys(peers).forEach(drop);
    closeUpstream();
    notice(L.lReconnecting);
  });
  socket.on("connect_error", function (err) { stageError(err.message); });
  socket.on("audience", function (d) { $("audience").textContent = String(d.count); });
  socket.on("viewer:joined", function (d) { if (role === "presenter" && !janus) { drop(d.sid); offerTo(d.sid); } });
  socket.on("viewer:left", function (d) { if (!janus) { drop(d.sid); } });
  socket.on("live", function () {
    setStatus("live");
    if (role !== "presenter" && !janus) { socket.emit("ready", {}); }
    if (janus && role === "venue" && localStream) { publish(); }
  });
  // Janus: what is published or shown changed (someone went on air or left, a venue
  // was brought on or off screen): watch again.
  socket.on("media:feeds", function () {
    if (janus && role !== "presenter" && role !== "venue") { watch(); }
  });
  socket.on("venues", function (d) { showVenues(d.venues); });
  socket.on("media:hangup", function () {
    if (role === "presenter" || role === "venue") {
      drop("janus");
      window.setTimeout(publishAgain, 3000);
      return;
    }
    closeUpstream();
    $("stage-caption").textContent = L.lWaiting;
  });
  socket.on("ended", function () {
    setStatus("ended"); closeUpstream();
    if (janus && role !== "presenter" && role !== "venue") { layout([]); }
    $("stage-caption").textContent = L.lEnded;
  });
  // Janus: `media:feeds` follows, and the venues may still be on air.
  socket.on("presenter:left", function () {
    if (janus) { return; }
    closeUpstream(); $("stage-caption").textContent = L.lWaiting;
  });
  socket.on("signal", onSignal);
  socket.on("question", addQuestion);
  socket.on("interest", function (d) { setCount(d.product, d.count); });
  socket.on("order", renderOrder);
  socket.on("orders", showOrderTotals);
  // "Ordered in the last hour" also falls when no order comes: ask again each minute.
  window.setInterval(function () {
    if (socket.connected && root.dataset.joined === "yes") {
      socket.emit("orders", null, function (ack) { if (ack.ok) { showOrderTotals(ack.totals); } });
    }
  }, 60000);
})();
