// The live dashboard's charts (Apache ECharts, from npm): the figures of GET /api/charts,
// fetched when the page opens and again whenever the /dashboard namespace pushes fresh
// totals (dashboard.js fires "fair:totals"). Each chart has a table beside it with the
// same numbers for screen readers; labels come translated from the page (data-l-*).
(function () {
  "use strict";
  var root = document.getElementById("charts");
  if (!root) { return; }
  var L = root.dataset;
  var names = JSON.parse(L.names || "{}");
  var lang = document.documentElement.lang || undefined;
  var TYPES = ["intent", "purchase", "agency", "project"];
  var COLOURS = ["#2563eb", "#059669", "#d97706", "#7c3aed"];
  var asOf = "";
  var charts = {};

  function $(id) { return document.getElementById(id); }
  function label(key) { return L["l" + key.replace(/(^|_)(\w)/g, function (a, b, c) { return c.toUpperCase(); })] || key; }
  function country(code) { return names[code] || code || "—"; }
  function money(x) { return Number(x).toLocaleString(lang, { maximumFractionDigits: 2 }); }
  function short(x) {
    return Number(x).toLocaleString(lang, { notation: "compact", maximumFractionDigits: 1 });
  }
  function timeIn(zone) {
    var f = new Intl.DateTimeFormat(lang, { timeZone: zone, month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" });
    return function (iso) { return f.format(new Date(iso)); };
  }

  function table(id, rows) {
    var body = $(id);
    body.textContent = "";
    rows.forEach(function (cells) {
      var tr = document.createElement("tr");
      cells.forEach(function (value, i) {
        var td = document.createElement("td");
        if (typeof value === "number" || i >= cells.length - 1) { td.className = "num"; }
        td.textContent = value;
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }

  function chart(id) {
    if (!window.echarts) { return null; }
    if (!charts[id]) { charts[id] = window.echarts.init($(id), null, { renderer: "canvas" }); }
    return charts[id];
  }
  var narrow = function () { return window.innerWidth < 600; };
  var grid = function () { return { left: 8, right: 16, top: 40, bottom: 8, containLabel: true }; };

  function timeline(c) {
    var when = timeIn(c.timezone);
    var x = c.timeline.map(function (b) { return when(b.start); });
    var rows = [];
    c.timeline.forEach(function (b, i) {
      TYPES.forEach(function (t) {
        if (Number(b.by_type[t])) { rows.push([x[i], label(t), money(b.by_type[t])]); }
      });
    });
    table("table-timeline", rows);
    var ch = chart("chart-timeline");
    if (!ch) { return; }
    ch.setOption({
      color: COLOURS,
      tooltip: { trigger: "axis", valueFormatter: money },
      legend: { top: 0, type: "scroll" },
      grid: grid(),
      xAxis: { type: "category", data: x },
      yAxis: { type: "value", axisLabel: { formatter: short } },
      series: TYPES.map(function (t) {
        return { name: label(t), type: "bar", stack: "value", data: c.timeline.map(function (b) { return Number(b.by_type[t]); }) };
      })
    }, { notMerge: true });
  }

  function flows(c) {
    table("table-flows", c.flows.map(function (f) { return [country(f.from), country(f.to), f.deals, money(f.value)]; }));
    var ch = chart("chart-flows");
    if (!ch) { return; }
    var sellers = [], buyers = [];
    c.flows.forEach(function (f) {
      if (sellers.indexOf(f.from) < 0) { sellers.push(f.from); }
      if (buyers.indexOf(f.to) < 0) { buyers.push(f.to); }
    });
    var top = c.flows.reduce(function (m, f) { return Math.max(m, Number(f.value)); }, 0);
    ch.setOption({
      tooltip: {
        formatter: function (p) {
          return country(sellers[p.value[1]]) + " → " + country(buyers[p.value[0]]) + ": " + money(p.value[2]);
        }
      },
      grid: { left: 8, right: 16, top: 8, bottom: 48, containLabel: true },
      xAxis: { type: "category", name: L.lBuyer, nameLocation: "middle", nameGap: 28, data: buyers.map(country) },
      yAxis: { type: "category", name: L.lSeller, nameLocation: "start", data: sellers.map(country), inverse: true },
      visualMap: { min: 0, max: top || 1, show: false, inRange: { color: ["#dbeafe", "#1d4ed8"] } },
      series: [{
        name: L.lValue, type: "heatmap",
        label: { show: !narrow() || c.flows.length <= 9, formatter: function (p) { return short(p.value[2]); } },
        data: c.flows.map(function (f) { return [buyers.indexOf(f.to), sellers.indexOf(f.from), Number(f.value)]; })
      }]
    }, { notMerge: true });
  }

  function pavilions(c) {
    table("table-pavilions", c.by_pavilion.map(function (r) { return [r.name, r.deals, money(r.value)]; }));
    var ch = chart("chart-pavilions");
    if (!ch) { return; }
    ch.setOption({
      color: [COLOURS[1]],
      tooltip: { trigger: "axis", valueFormatter: money },
      grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", axisLabel: { formatter: short } },
      yAxis: { type: "category", inverse: true, data: c.by_pavilion.map(function (r) { return r.name; }) },
      series: [{ name: L.lValue, type: "bar", data: c.by_pavilion.map(function (r) { return Number(r.value); }) }]
    }, { notMerge: true });
  }

  function slots(c) {
    var when = timeIn(c.timezone);
    var x = c.slots.map(function (s) { return when(s.start); });
    var waiting = c.slots.map(function (s) { return s.meetings - s.held - s.no_shows; });
    table("table-slots", c.slots.map(function (s, i) { return [x[i], s.held, s.no_shows, waiting[i]]; }));
    var ch = chart("chart-slots");
    if (!ch) { return; }
    ch.setOption({
      color: ["#059669", "#dc2626", "#cbd5e1"],
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: grid(),
      xAxis: { type: "category", data: x },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: L.lHeld, type: "bar", stack: "m", data: c.slots.map(function (s) { return s.held; }) },
        { name: L.lNoShows, type: "bar", stack: "m", data: c.slots.map(function (s) { return s.no_shows; }) },
        { name: L.lWaiting, type: "bar", stack: "m", data: waiting }
      ]
    }, { notMerge: true });
  }

  function draw(c) {
    // Answers to fetches started by pushes from several processes may cross.
    if (c.as_of < asOf) { return; }
    asOf = c.as_of;
    root.dataset.asOf = asOf;
    root.dataset.value = c.value;
    timeline(c);
    flows(c);
    pavilions(c);
    slots(c);
  }

  var pending = null;
  function refresh() {
    if (pending) { return; }
    pending = window.setTimeout(function () {
      pending = null;
      fetch(L.src, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (c) { if (c) { draw(c); } })
        .catch(function () { /* the next push tries again */ });
    }, 100);
  }

  document.addEventListener("fair:totals", refresh);
  window.addEventListener("resize", function () {
    Object.keys(charts).forEach(function (k) { charts[k].resize(); });
  });
  refresh();
})();
