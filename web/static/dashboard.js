// The organiser's live dashboard: totals pushed over the /dashboard socket.io namespace.
(function () {
  "use strict";
  var root = document.getElementById("dashboard");
  if (!root || !window.io) { return; }
  var fair = Number(root.dataset.fair);
  var asOf = root.dataset.asOf || "";

  function $(id) { return document.getElementById(id); }
  var lang = document.documentElement.lang || undefined;
  function money(text) { return Number(text).toLocaleString(lang, { maximumFractionDigits: 2 }); }
  function set(id, value) { $(id).textContent = value; }
  function rows(id, list, cells) {
    var body = $(id);
    body.textContent = "";
    list.forEach(function (row) {
      var tr = document.createElement("tr");
      cells(row).forEach(function (value, i) {
        var td = document.createElement("td");
        if (i > 0) { td.className = "num"; }
        td.textContent = value;
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }

  function show(t) {
    // Events from several server processes may cross: keep the newest figures.
    if (t.as_of < asOf) { return; }
    asOf = t.as_of;
    root.dataset.asOf = asOf;
    set("total-value", money(t.value));
    $("total-value").dataset.value = t.value;
    set("confirmed-value", money(t.confirmed_value));
    set("deal-count", t.deals);
    set("companies", t.companies_with_intent);
    set("running", t.meetings_running);
    set("rooms-live", t.rooms_live);
    set("no-shows", t.no_shows);
    var labels = $("by-type").dataset;
    rows("by-type", Object.keys(t.by_type), function (k) {
      var label = labels["l" + k.charAt(0).toUpperCase() + k.slice(1)] || k;
      return [label, t.by_type[k].deals, money(t.by_type[k].value)];
    });
    if (t.by_pavilion.length) {
      rows("by-pavilion", t.by_pavilion, function (r) { return [r.name, r.deals, r.companies, money(r.value)]; });
    }
    if (t.by_country.length) {
      // Country codes arrive as stored; the page names them in the viewer's language.
      var countries = JSON.parse($("by-country").dataset.names || "{}");
      rows("by-country", t.by_country, function (r) {
        return [countries[r.name] || r.name, r.deals, r.companies, money(r.value)];
      });
    }
    if (t.livestream) {   // roadshow purchase interest (fair.stage.livestream_totals)
      set("ls-interests", t.livestream.interests);
      set("ls-live", t.livestream.live);
      set("ls-viewers", t.livestream.viewers_now);
      if (t.livestream.rows.length) {
        rows("ls-rows", t.livestream.rows, function (r) {
          return [r.title + " · " + r.company, r.product_name, r.interests, r.quantity];
        });
      }
    }
    if (t.orders) {   // orders on the stages (fair.orders.order_totals)
      set("orders-value", money(t.orders.value));
      $("orders-value").dataset.value = t.orders.value;
      set("orders-confirmed-value", money(t.orders.confirmed_value));
      $("orders-confirmed-value").dataset.value = t.orders.confirmed_value;
      set("orders-hour-value", money(t.orders.last_hour_value));
      set("orders-count", t.orders.orders);
      set("orders-pending", t.orders.pending);
      if (t.orders.rows.length) {
        rows("orders-rows", t.orders.rows, function (r) {
          return [r.title + " · " + r.company, r.product_name, r.orders, r.quantity, money(r.confirmed_value), money(r.value)];
        });
      }
    }
    root.classList.remove("flash"); void root.offsetWidth; root.classList.add("flash");
    // The charts (charts.js) fetch their figures again.
    document.dispatchEvent(new CustomEvent("fair:totals", { detail: { as_of: t.as_of } }));
  }

  var socket = window.io("/dashboard", { withCredentials: true });
  socket.on("connect", function () {
    socket.emit("watch", { fair: fair }, function (ack) {
      if (ack.ok) { root.dataset.live = "yes"; show(ack.totals); }
    });
  });
  // The session ended (signed out elsewhere, link revoked or replaced): the page
  // reloads to the sign-in or link page, which says so.
  socket.on("signed_out", function () { window.location.reload(); });
  socket.on("disconnect", function () { root.dataset.live = "no"; });
  socket.on("totals", show);
})();
