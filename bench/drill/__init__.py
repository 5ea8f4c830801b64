"""The fair-day drill: `fair drill` (= `python -m bench.drill`; docs/benchmarks.md).

On loopback only and bounded in time, it

1. generates a fair (`fair.sample.generate`), imports, schedules (greedy, seconds) and publishes
   it into a fresh PostgreSQL schema, and gives every participant of the replayed slots a
   live sign-in token;
2. starts its own `redis-server` on a free port and TWO room server processes on that
   PostgreSQL schema and Redis (the `fair bench rooms` server of `bench.rooms.server`: the
   real `/meeting` and `/dashboard` namespaces, clients identified by bench headers);
3. replays the published schedule slot by slot in compressed time (each slot a few
   seconds): for every meeting of a slot each person opens a connection (as the room page
   does), the two sides on different processes so everything crosses Redis, joins the
   meeting room, relays WebRTC signalling, chats, and one side records a deal (with a
   client key) that the other confirms; some people drop and reconnect mid-slot. Clients
   are python-socketio `AsyncClient`s with socket.io's reconnection, re-`join` on every
   (re)connect and re-sending of unacknowledged deals with the same client key; they run
   in `--workers` child processes;
4. with `--faults` (default for `--size expo`; the CI test turns it on for small):
   SIGKILLs one server process mid-slot and restarts it on the same port, then restarts
   Redis, while the clients keep going;
5. checks that every acknowledged deal is in the database exactly once, every
   acknowledged confirmation is stored, and that each process's dashboard (watched as
   organiser) shows the totals a recount from the database gives.

Prints a table (or `--json`); exit status 1 when anything was lost or did not add up.

Modules, in the order a drill uses them: `prepare` (sizes, the fair, the visits), `run`
(one drill end to end), `replay` (the workers, timed), `faults`, `worker` (a client
process), `visit` and `client` (one person's meeting and connection), `dashboard` (the
organiser's view and the recount), `checks` (figures and verdict), `report`, `cli`.
"""
