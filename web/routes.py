"""The route table: every URL, named so handlers and templates reverse them."""

from __future__ import annotations

from aiohttp import web

from web import (
    agenda,
    api,
    api_grid,
    assets,
    calendar_routes,
    console,
    control,
    floor,
    outbox,
    portal,
    register,
    replays,
    report_routes,
    roadshows,
    rooms,
    views,
    whatif,
)


def setup_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/", views.index, name="index")
    r.add_get("/healthz", views.healthz, name="healthz")
    r.add_get("/metrics", views.metrics, name="metrics")
    r.add_get("/login", views.login_form, name="login")
    r.add_post("/login", views.login, name="login_post")
    r.add_post("/logout", views.logout, name="logout")
    r.add_get("/p/{token}", views.magic_link, name="magic_link")
    r.add_post("/p/{token}", views.magic_link, name="magic_link_confirm")
    r.add_get("/me", agenda.agenda, name="agenda")
    r.add_get("/me/agenda.ics", agenda.agenda_ics, name="agenda_ics")
    r.add_post("/me/feed", agenda.new_feed_link, name="new_feed_link")
    r.add_get("/feed/{token}.ics", agenda.feed, name="feed")
    r.add_get("/organiser", console.organiser_home, name="organiser")
    r.add_get("/organiser/grid", console.grid, name="grid")
    r.add_get("/organiser/reports/{report:deals|companies|orders}", console.report, name="report")
    r.add_post("/organiser/versions/{number:\\d+}/publish", console.publish_version, name="publish")
    r.add_get("/organiser/import", console.import_form, name="import_form")
    r.add_post("/organiser/import", console.import_upload, name="import_post")
    r.add_post("/organiser/import/confirm", console.import_confirm, name="import_confirm")
    r.add_get(
        "/organiser/import/templates/{lang}/{name}",
        console.import_template,
        name="import_template",
    )
    r.add_get("/organiser/participants", console.participants, name="participants")
    r.add_get("/organiser/participants/{key}", console.participant, name="participant")
    r.add_post("/organiser/participants/{key}/link", console.issue_link, name="issue_link")
    r.add_post("/organiser/participants/{key}/revoke", console.revoke_link, name="revoke_link")
    r.add_post("/organiser/schedule", console.run_solver, name="run_solver")
    r.add_post("/organiser/schedule/stop", console.stop_solver, name="stop_solver")
    r.add_get("/organiser/schedule/status", console.solver_status, name="solver_status")
    r.add_get("/organiser/versions/{number:\\d+}", console.version_detail, name="version")
    assets.setup(app)
    portal.setup(app)
    register.setup(app)
    report_routes.setup(app)
    floor.setup(app)
    calendar_routes.setup(app)
    outbox.setup(app)
    api.setup(app)
    api_grid.setup(app)
    rooms.setup(app)
    roadshows.setup(app)
    replays.setup(app)
    whatif.setup(app)
    control.setup(app)
