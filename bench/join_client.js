// Load generator for `fair bench joins` (bench/joins.py): the slot change. Every client
// opens its socket.io connection and joins its meeting room at its own moment, spread
// evenly over `window` seconds (open loop: a slow answer does not delay later clients).
// A join's time runs from that moment to the join's acknowledgement (connection, sign-in
// check, room load, presence, chat and deals for the answer). Prints the results as JSON.
// Config: a JSON file named by argv[2]; socket.io-client from the project's node_modules.
"use strict";
const { io } = require("socket.io-client");
const { performance } = require("perf_hooks");

const cfg = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8"));
// cfg: {kind: "fair"|"bare", urls: [..], people: [{headers, room, server}], window, timeout}
const times = [];
const failures = {};
const sockets = [];
let lastDone = 0;

function fail(code) {
  failures[code] = (failures[code] || 0) + 1;
}

function joinOne(person, due) {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (ok, code) => {
      if (settled) { return; }
      settled = true;
      if (ok) { times.push(performance.now() - due); } else { fail(code); }
      lastDone = performance.now();
      resolve();
    };
    const opts = { transports: ["websocket"], reconnection: false, forceNew: true,
      timeout: cfg.timeout * 1000 };
    if (cfg.kind === "fair") { opts.extraHeaders = person.headers; }
    const ns = cfg.kind === "fair" ? "/meeting" : "/";
    const s = io(cfg.urls[person.server] + ns, opts);
    sockets.push(s);
    s.on("connect_error", (e) => finish(false, "connect: " + (e && e.message || "error")));
    s.on("connect", () => {
      const data = cfg.kind === "fair" ? { meeting: person.room } : { room: person.room };
      s.timeout(cfg.timeout * 1000).emit("join", data, (err, ack) => {
        if (err) { finish(false, "timeout"); return; }
        if (!ack || !ack.ok) { finish(false, (ack && ack.error && ack.error.code) || "refused"); return; }
        finish(true);
      });
    });
  });
}

async function main() {
  const n = cfg.people.length;
  const t0 = performance.now() + 500;
  const spacing = n > 1 ? (cfg.window * 1000) / n : 0;
  const all = cfg.people.map((person, i) => new Promise((resolve) => {
    const due = t0 + i * spacing;
    setTimeout(() => joinOne(person, due).then(resolve), Math.max(0, due - performance.now()));
  }));
  await Promise.all(all);
  const span = (lastDone - t0) / 1000;
  times.sort((x, y) => x - y);
  const q = (p) => times.length ? times[Math.min(times.length - 1, Math.floor(p * times.length))] : null;
  process.stdout.write(JSON.stringify({
    clients: n, joined: times.length, failures,
    p50_ms: q(0.5), p95_ms: q(0.95), p99_ms: q(0.99), max_ms: times.length ? times[times.length - 1] : null,
    span_s: span,
  }) + "\n");
  for (const s of sockets) { s.close(); }
  process.exit(0);
}
main().catch((e) => { console.error(e); process.exit(1); });
