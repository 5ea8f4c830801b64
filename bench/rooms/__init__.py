"""Benchmark of the live rooms: `fair bench rooms` (= `python -m bench.rooms`).

Many socket.io clients (the official `socket.io-client` under Node, from the project's
node_modules: `bench/bench_client.js`) in rooms of two relay ~200-byte messages to
their partner. The same load runs against:

- **fair**: this project's `/meeting` namespace (`signal` events, sessions, room checks)
  on a synthetic fair with one online meeting per pair, on a SQLite file or `--db`;
- **bare**: a minimal python-socketio relay (join a room, emit to it) on the same machine.

Each server runs in its own process (as `fair serve` would: `gc.freeze()` after start-up)
so its memory is measured alone. Reported: sent, delivered, lost, duplicated, misrouted,
msgs/s, p50/p95/p99 latency, disconnects and server memory per connected client; `--json`
prints the same as JSON. With `--processes 2 --redis URL`, the two clients of every pair
connect to different processes, so every message crosses Redis; `--deals N` then submits N
deals at once across the processes and checks each is acknowledged and counted once.

The bench server authenticates clients by the `x-bench-participant` / `x-bench-token`
headers (participant id and live token hash it created itself) instead of the session
cookie, so this package needs nothing from `web/`.

Modules: `synthetic` (the fair of pairs), `server` (the two servers under test),
`deals` (the deal burst), `cli` (one measured run, the command line).
"""
