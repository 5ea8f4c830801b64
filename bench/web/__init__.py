"""`fair bench web`: a load benchmark of the served pages, over HTTP on loopback.

The benchmark builds a generated fair in a temporary SQLite file (generate → import →
schedule → publish → organiser account → sign-in and feed links for a sample of
participants), starts `fair serve` on a free loopback port as a separate process, and
drives it from this process with an open-loop client: requests are launched on a fixed
schedule (`--rate` per second), not when the previous one returns, and each latency is
measured from the moment its request was due, so time spent queueing (in the client's
connection pool or in the server) counts. A scenario that cannot keep up shows it as
growing latency, not as a politely lower request rate.

Scenarios: the participant's agenda page (many participants, each with their own session
cookie), the calendar feed (full GET), the same feed with `If-None-Match` (a success only
when the server answers 304), and the organiser's grid page. `GET /healthz` at the same
rate is the baseline of the same run: the floor that the machine, the client and the
framework give before any page does work.

Run `python -m bench.web --help`; `bench.web.cli.main(argv)` is the entry point for
`fair bench web`. Modules: `site` (the fair and its links), `load` (the open-loop
driver and the target), `scenarios` (what is asked), `report`, `cli`.
"""
