// Load generator for `fair bench rooms` (bench/rooms/): many socket.io-client
// connections in rooms of two, each relaying ~200-byte messages to its partner. Prints one
// JSON line {"phase": "joined"} once every client is in its room, then the results as JSON.
// Config: a JSON file named by argv[2]; socket.io-client from the project's node_modules.
"use strict";
const { io } = require("socket.io-client");
const { performance } = require("perf_hooks");

const cfg = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8"));
// cfg: {kind: "fair"|"bare", urls: [..], pairs: [{a: {headers}, b: {...}, room}],
//       rate, duration, size, drain}
const clients = [];
let disconnects = 0, connectErrors = 0, refused = 0;
const latencies = [];
let sent = 0, delivered = 0, duplicated = 0, misrouted = 0;

function connect(url, who) {
  const opts = { transports: ["websocket"], reconnection: false, forceNew: true };
  if (cfg.kind === "fair") {
    // The person's session cookie and address, as their browser behind the proxy sends them.
    opts.extraHeaders = who.headers;
  }
  const ns = cfg.kind === "fair" ? "/meeting" : "/";
  return io(url + ns, opts);
}

function joinOne(c) {
  return new Promise((resolve) => {
    const s = c.socket;
    s.on("connect_error", () => { connectErrors++; resolve(false); });
    s.on("connect", () => {
      const data = cfg.kind === "fair" ? { meeting: c.room } : { room: c.room };
      s.emit("join", data, (ack) => {
        if (!ack || !ack.ok) { refused++; resolve(false); return; }
        c.sid = cfg.kind === "fair" ? ack.you.sid : ack.sid;
        resolve(true);
      });
    });
    s.on("disconnect", () => { if (c.running) { disconnects++; } });
    const onMessage = (msg) => {
      const body = cfg.kind === "fair" ? msg.candidate : msg.data;
      if (!body || body.from !== c.partner.index) { misrouted++; return; }
      const key = body.seq;
      if (c.seen.has(key)) { duplicated++; return; }
      c.seen.add(key);
      delivered++;
      latencies.push(performance.now() - body.ts);
    };
    s.on(cfg.kind === "fair" ? "signal" : "relay", onMessage);
  });
}

async function main() {
  cfg.pairs.forEach((pair, i) => {
    const a = { index: 2 * i, room: pair.room, seen: new Set(), who: pair.a };
    const b = { index: 2 * i + 1, room: pair.room, seen: new Set(), who: pair.b };
    a.partner = b; b.partner = a;
    a.url = cfg.urls[0]; b.url = cfg.urls[cfg.urls.length > 1 ? 1 : 0];
    clients.push(a, b);
  });
  const batch = 100;
  for (let i = 0; i < clients.length; i += batch) {
    await Promise.all(clients.slice(i, i + batch).map((c) => {
      c.socket = connect(c.url, c.who);
      return joinOne(c);
    }));
  }
  process.stdout.write(JSON.stringify({ phase: "joined", clients: clients.length,
    connect_errors: connectErrors, refused: refused }) + "\n");
  await new Promise((r) => setTimeout(r, 1000));  // the bench reads memory now
  const pad = "x".repeat(Math.max(0, cfg.size - 90));
  const interval = 1000 / cfg.rate;
  const started = performance.now();
  const timers = [];
  for (const c of clients) {
    c.running = true;
    let seq = 0;
    const send = () => {
      if (performance.now() - started >= cfg.duration * 1000) { return; }
      const body = { from: c.index, seq: seq++, ts: performance.now(), pad: pad };
      if (cfg.kind === "fair") {
        c.socket.emit("signal", { to: c.partner.sid, candidate: body });
      } else {
        c.socket.emit("relay", { room: c.room, data: body });
      }
      sent++;
    };
    timers.push(setTimeout(() => {
      send();
      timers.push(setInterval(send, interval));
    }, Math.random() * interval));
  }
  await new Promise((r) => setTimeout(r, cfg.duration * 1000));
  timers.forEach((t) => { clearTimeout(t); clearInterval(t); });
  // Drain: late messages still count as delivered (with their latency); a message is
  // lost only if nothing more arrives for `drain` seconds (at most a minute).
  let last = -1, quiet = 0;
  for (let waited = 0; waited < 60000 && quiet < cfg.drain * 1000; waited += 250) {
    await new Promise((r) => setTimeout(r, 250));
    quiet = (delivered === last && delivered < sent) || delivered >= sent ? quiet + 250 : 0;
    if (delivered >= sent) { break; }
    last = delivered;
  }
  const elapsed = (performance.now() - started) / 1000;
  for (const c of clients) { c.running = false; c.socket.close(); }
  latencies.sort((x, y) => x - y);
  const q = (p) => latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : null;
  process.stdout.write(JSON.stringify({
    phase: "done", clients: clients.length, sent, delivered, lost: sent - delivered,
    duplicated, misrouted, disconnects, connect_errors: connectErrors, refused,
    seconds: cfg.duration, msgs_per_s: delivered / cfg.duration,
    p50_ms: q(0.5), p95_ms: q(0.95), p99_ms: q(0.99), max_ms: latencies.length ? latencies[latencies.length - 1] : null,
    elapsed_s: elapsed
  }) + "\n");
  process.exit(0);
}
main().catch((e) => { console.error(e); process.exit(1); });
