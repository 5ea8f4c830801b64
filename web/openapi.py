"""The OpenAPI 3.1 description of the JSON API (web/api.py), written by hand as data: the
paths and their operations here, the schemas and error responses they refer to in
`web.openapi_schemas`.

A test walks the app's router and fails when a route under /api/ is missing here, so the
document cannot fall behind the code.
"""

from __future__ import annotations

from fair.rules import MAX_ID
from web.openapi_grid import GRID_PATHS, GRID_SCHEMAS
from web.openapi_schemas import RESPONSES, SCHEMAS, Json, ref


def _json(schema: Json, description: str) -> Json:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> Json:
    return {"$ref": f"#/components/responses/{description}"}


def _op(
    summary: str,
    tag: str,
    ok: Json,
    *,
    status: str = "200",
    errors: tuple[str, ...] = (),
    body: Json | None = None,
    body_required: bool = True,
    parameters: list[Json] | None = None,
    write: bool = False,
    public: bool = False,
) -> Json:
    op: Json = {"summary": summary, "tags": [tag], "responses": {status: ok}}
    for e in errors:
        op["responses"][e] = _error(e)
    if body is not None or write:
        op["responses"]["413"] = _error("413")
    if body is not None:
        op["requestBody"] = {
            "required": body_required,
            "content": {"application/json": {"schema": body}},
        }
    params = list(parameters or [])
    if write:
        params.append({"$ref": "#/components/parameters/csrf"})
    if params:
        op["parameters"] = params
    op["security"] = [] if public else [{"session": []}]
    return op


REQUEST_ID = {
    "name": "id",
    "in": "path",
    "required": True,
    "description": "The request's numeric id (`id` in the request objects).",
    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
}
VERSION_NUMBER = {
    "name": "number",
    "in": "path",
    "required": True,
    "description": "Schedule version number.",
    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
}
PARTICIPANT_ONLY = ("401", "403")
CHANGE_KINDS = ("kept", "moved", "new", "cancelled")
WRITE_ERRORS = ("400", "401", "403", "404", "409", "422")


def _array(key: str, item: str) -> Json:
    return {"type": "object", "properties": {key: {"type": "array", "items": ref(item)}}}


PATHS: Json = {
    "/api/openapi.json": {
        "get": _op("This document", "meta", _json({"type": "object"}, "OpenAPI 3.1"), public=True)
    },
    "/api/session": {
        "get": _op(
            "Who is signed in and the CSRF token for writes",
            "meta",
            _json(ref("Session"), "The session"),
            public=True,
        )
    },
    "/api/fair": {
        "get": _op(
            "Public summary of the fair",
            "public",
            _json(ref("FairSummary"), "The fair"),
            errors=("404",),
            public=True,
        )
    },
    "/api/me": {
        "get": _op(
            "The signed-in participant and their published meetings",
            "participant",
            _json(ref("Me"), "Profile and agenda"),
            errors=PARTICIPANT_ONLY,
        )
    },
    "/api/me/requests": {
        "get": _op(
            "My meeting requests, sent and received",
            "participant",
            _json(ref("MyRequests"), "Newest first"),
            errors=PARTICIPANT_ONLY,
        ),
        "post": _op(
            "Ask another participant for a meeting",
            "participant",
            _json(ref("RequestResult"), "The new pending request"),
            status="201",
            errors=("400", "401", "403", "422"),
            body=ref("NewRequest"),
            write=True,
        ),
    },
    "/api/me/requests/{id}/accept": {
        "post": _op(
            "Accept a request I received, optionally with my own priority",
            "participant",
            _json(ref("RequestResult"), "The accepted request"),
            errors=WRITE_ERRORS,
            body=ref("Accept"),
            body_required=False,
            parameters=[REQUEST_ID],
            write=True,
        )
    },
    "/api/me/requests/{id}/decline": {
        "post": _op(
            "Decline a request I received",
            "participant",
            _json(ref("RequestResult"), "The declined request"),
            errors=WRITE_ERRORS,
            body=ref("Empty"),
            body_required=False,
            parameters=[REQUEST_ID],
            write=True,
        )
    },
    "/api/me/requests/{id}/withdraw": {
        "post": _op(
            "Withdraw a pending request I sent (it is deleted)",
            "participant",
            _json(ref("RequestResult"), "The request as it was"),
            errors=WRITE_ERRORS,
            body=ref("Empty"),
            body_required=False,
            parameters=[REQUEST_ID],
            write=True,
        )
    },
    "/api/me/availability": {
        "get": _op(
            "My on-site days, working windows, hours per date and time zone",
            "participant",
            _json(ref("Availability"), "Availability"),
            errors=PARTICIPANT_ONLY,
        ),
        "put": _op(
            "Replace my on-site days, working windows, hours per date and time zone",
            "participant",
            _json(ref("Availability"), "As stored"),
            errors=("400", "401", "403", "422"),
            body=ref("AvailabilityUpdate"),
            write=True,
        ),
    },
    "/api/participants": {
        "get": _op(
            "All participants with their load (organiser)",
            "organiser",
            _json(_array("participants", "Participant"), "Participants by id"),
            errors=("401", "403", "404"),
            parameters=[
                {
                    "name": "q",
                    "in": "query",
                    "schema": {"type": "string"},
                    "description": "Search id, name, company, e-mail.",
                },
                {
                    "name": "country",
                    "in": "query",
                    "schema": {"type": "string"},
                    "description": "ISO country code.",
                },
            ],
        )
    },
    "/api/requests": {
        "get": _op(
            "All meeting requests of the fair (organiser)",
            "organiser",
            _json(_array("requests", "FairRequest"), "Oldest first"),
            errors=("401", "403", "404", "422"),
            parameters=[
                {
                    "name": "status",
                    "in": "query",
                    "schema": {"type": "string", "enum": ["pending", "accepted", "declined"]},
                }
            ],
        )
    },
    "/api/schedule": {
        "get": _op(
            "Schedule versions with solver figures (organiser)",
            "organiser",
            _json(_array("versions", "Version"), "Newest first"),
            errors=("401", "403", "404"),
        )
    },
    "/api/schedule/{number}/meetings": {
        "get": _op(
            "The meetings of one schedule version (organiser)",
            "organiser",
            _json(
                {
                    "type": "object",
                    "properties": {
                        "version": ref("Version"),
                        "meetings": {"type": "array", "items": ref("GridRow")},
                    },
                },
                "In time then place order",
            ),
            errors=("401", "403", "404"),
            parameters=[VERSION_NUMBER],
        )
    },
    "/api/schedule/{number}/publish": {
        "post": _op(
            "Publish a draft version: participants see it (organiser)",
            "organiser",
            _json(
                {
                    "type": "object",
                    "properties": {
                        "version": ref("Version"),
                        "changes": {
                            "type": "object",
                            "description": "Meetings against the version published before.",
                            "properties": {k: {"type": "integer"} for k in CHANGE_KINDS},
                        },
                    },
                },
                "Published",
            ),
            errors=("401", "403", "404", "409"),
            parameters=[VERSION_NUMBER],
            write=True,
        )
    },
    "/api/schedule/{number}/whatif": {
        "get": _op(
            "What-if levers of a version: extra capacity ranked by meetings gained (organiser)",
            "organiser",
            _json(ref("WhatIf"), "Most meetings gained first"),
            errors=("401", "403", "404"),
            parameters=[VERSION_NUMBER],
        )
    },
    "/api/schedule/{number}/whatif/apply": {
        "post": _op(
            "Apply a lever to the fair and start a re-solve into a new draft (organiser)",
            "organiser",
            _json(
                {
                    "type": "object",
                    "properties": {
                        "applied": {"type": "string", "description": "What was changed."},
                        "solver": {
                            "type": "object",
                            "description": "The re-solve's state, as GET "
                            "/organiser/schedule/status returns it.",
                        },
                    },
                },
                "Applied; the re-solve is running",
            ),
            status="202",
            errors=("400", "401", "403", "404", "409", "422"),
            body=ref("LeverChange"),
            parameters=[VERSION_NUMBER],
            write=True,
        )
    },
    "/api/deals": {
        "get": _op(
            "Deals recorded at the fair (organiser)",
            "organiser",
            _json(_array("deals", "Deal"), "Oldest first"),
            errors=("401", "403", "404"),
        )
    },
    "/api/reports/{report}": {
        "get": _op(
            "A report: every deal, every company's meetings and deals, or every stage order"
            " (organiser)",
            "organiser",
            _json(
                {
                    "type": "object",
                    "properties": {
                        "report": {"type": "string", "enum": ["deals", "companies", "orders"]},
                        "rows": {
                            "type": "array",
                            "items": {
                                "anyOf": [
                                    ref("DealReportRow"),
                                    ref("CompanyReportRow"),
                                    ref("OrderReportRow"),
                                ]
                            },
                        },
                    },
                },
                "Deals and orders oldest first; companies by deal value, then meetings",
            ),
            errors=("401", "403", "404"),
            parameters=[
                {
                    "name": "report",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "enum": ["deals", "companies", "orders"]},
                }
            ],
        )
    },
    "/api/charts": {
        "get": _op(
            "The live dashboard's chart figures (organiser)",
            "organiser",
            _json(
                ref("Charts"),
                "Value over time by type, between countries, by pavilion; "
                "meetings held and no-shows per slot",
            ),
            errors=("401", "403", "404"),
        )
    },
}


def document() -> Json:
    """The OpenAPI 3.1 document for /api/openapi.json."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "fair · B2B meetings API",
            "version": "1",
            "description": (
                "The JSON API of the virtual trade fair: the public fair summary, a "
                "participant's own requests and availability, and the organiser's "
                "participants, requests, schedule versions and deals. Sign in as on the "
                "pages (participant link or organiser login); send the CSRF token from "
                "GET /api/session as X-CSRF-Token with every POST/PUT. See docs/api.md."
            ),
        },
        "servers": [{"url": "/"}],
        "tags": [
            {"name": "meta"},
            {"name": "public"},
            {"name": "participant", "description": "Only the signed-in participant's data."},
            {"name": "organiser", "description": "Organiser only: participants get 403."},
        ],
        "paths": {**PATHS, **GRID_PATHS},
        "components": {
            "schemas": {**SCHEMAS, **GRID_SCHEMAS},
            "responses": RESPONSES,
            "parameters": {
                "csrf": {
                    "name": "X-CSRF-Token",
                    "in": "header",
                    "required": True,
                    "description": "The session's CSRF token (GET /api/session).",
                    "schema": {"type": "string"},
                }
            },
            "securitySchemes": {
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "fair_session",
                    "description": "Set by /p/{token} (participant) or POST /login (organiser).",
                }
            },
        },
    }
