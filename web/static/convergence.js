// How the solver closed in on its bound: value and bound over elapsed seconds, per
// objective level (Apache ECharts). Points are [level, elapsed, value, bound] — stored
// with a version (figures.convergence, the version page) or arriving live as
// solver:progress (solver.js on the console). Texts come translated from data-l-*.
(function () {
  "use strict";
  var lang = document.documentElement.lang || undefined;

  function say(text, values) {
    return String(text).replace(/%\((\w+)\)s/g, function (all, name) {
      return values[name] === undefined ? all : String(values[name]);
    });
  }
  function num(x) { return x === null || x === undefined ? "–" : Number(x).toLocaleString(lang, { maximumFractionDigits: 2 }); }
  function gap(value, bound) {
    if (value === null || bound === null || bound === 0) { return null; }
    return Math.abs(bound - value) / Math.abs(bound);
  }

  // The table beside the chart, for screen readers: one row per level, its last point.
  function table(body, points, L) {
    if (!body) { return; }
    var last = {};
    points.forEach(function (p) { last[p[0]] = p; });
    body.textContent = "";
    Object.keys(last).sort().forEach(function (level) {
      var p = last[level], g = gap(p[2], p[3]);
      var tr = document.createElement("tr");
      [say(L.lLevelN, { n: Number(level) }), num(p[1]), num(p[2]), num(p[3]),
        g === null ? "–" : (100 * g).toFixed(2) + " %"].forEach(function (text, i) {
        var td = document.createElement("td");
        if (i) { td.className = "num"; }
        td.textContent = text;
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }

  function draw(el, points) {
    var L = el.dataset;
    el.dataset.points = String(points.length);
    table(document.getElementById(el.id + "-table"), points, L);
    if (!window.echarts || !points.length) { return; }
    var chart = window.echarts.getInstanceByDom(el) || window.echarts.init(el, null, { renderer: "canvas" });
    var levels = [];
    points.forEach(function (p) { if (levels.indexOf(p[0]) < 0) { levels.push(p[0]); } });
    var series = [], selected = {};
    // Levels measure different things: the one with most progress is shown, the
    // others on a click in the legend.
    var count = function (level) { return points.filter(function (p) { return p[0] === level; }).length; };
    var shown = levels.reduce(function (best, level) { return count(level) > count(best) ? level : best; }, levels[0]);
    levels.forEach(function (level) {
      var mine = points.filter(function (p) { return p[0] === level; });
      var value = say(L.lValueN, { n: level }), bound = say(L.lBoundN, { n: level });
      selected[value] = selected[bound] = level === shown;
      var dots = mine.length <= 3;
      series.push({ name: value, type: "line", step: "end", showSymbol: dots,
        data: mine.filter(function (p) { return p[2] !== null; }).map(function (p) { return [p[1], p[2]]; }) });
      series.push({ name: bound, type: "line", step: "end", showSymbol: dots, lineStyle: { type: "dashed" },
        data: mine.filter(function (p) { return p[3] !== null; }).map(function (p) { return [p[1], p[3]]; }) });
    });
    chart.setOption({
      animation: false,  // redrawn on every progress event
      color: ["#2563eb", "#2563eb", "#059669", "#059669", "#d97706", "#d97706"],
      tooltip: { trigger: "axis", valueFormatter: num },
      legend: { top: 0, selected: selected },
      grid: { left: 8, right: 16, top: 64, bottom: 28, containLabel: true },
      xAxis: { type: "value", name: L.lSeconds, nameLocation: "middle", nameGap: 24, min: 0 },
      yAxis: { type: "value", scale: true },
      series: series
    }, { notMerge: true });
  }

  window.fairConvergence = { draw: draw };
  window.addEventListener("resize", function () {
    document.querySelectorAll("[data-convergence]").forEach(function (el) {
      var chart = window.echarts && window.echarts.getInstanceByDom(el);
      if (chart) { chart.resize(); }
    });
  });
  // Stored with a version: draw it now.
  document.querySelectorAll("[data-convergence]").forEach(function (el) {
    if (el.dataset.convergence) { draw(el, JSON.parse(el.dataset.convergence)); }
  });
})();
