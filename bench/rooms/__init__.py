"""Benchmark of the live rooms: `fair bench rooms` (= `python -m bench.rooms`).

Many socket.io clients (the official `socket.io-client` under Node, from the project's
node_modules: `bench/bench_client.js`) in rooms of two relay ~200-byte messages to
their partner. The same load runs, in every run, against:

- **fair**: `fair serve` itself, as deployed (`bench.deployed.Deployment`: its settings,
  middlewares, no-show sweep, heartbeats, rate limits and session checks), on the
  database of `--db` (a temporary SQLite file by default; PostgreSQL for the published
  figures) and, with two processes, Redis; a synthetic fair with one online meeting per
  pair, every participant signed in through their personal link (the clients send that
  session cookie, as the room page does), `signal` events in the `/meeting` namespace;
- **bare**: a minimal python-socketio relay (join a room, emit to it) on the same machine.

Each server runs in its own process so its memory is measured alone. Reported per run:
sent, delivered, lost, duplicated, misrouted, msgs/s, p50/p95/p99 latency, disconnects and
server memory per connected client, the load average before; `--json` prints the same as
JSON. With `--processes 2 --redis URL`, the two clients of every pair connect to different
processes, so every message crosses Redis; `--deals N` then submits N deals at once across
the processes (a quarter of them resent) and checks each is acknowledged, stored once and
counted once on every process's dashboard.

Modules: `synthetic` (the fair of pairs), `server` (the bare relay), `deals` (the deal
burst), `cli` (the runs, the command line).
"""
