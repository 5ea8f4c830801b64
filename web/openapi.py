"""The OpenAPI 3.1 description of the JSON API (web/api.py), written by hand as data.

A test walks the app's router and fails when a route under /api/ is missing here, so the
document cannot fall behind the code.
"""

from __future__ import annotations

from typing import Any

from fair.rules import DEFAULT_PRIORITY, HIGHEST_PRIORITY, LOWEST_PRIORITY, MAX_ID

Json = dict[str, Any]


def _ref(name: str) -> Json:
    return {"$ref": f"#/components/schemas/{name}"}


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


PRIORITY = {"type": "integer", "minimum": LOWEST_PRIORITY, "maximum": HIGHEST_PRIORITY}
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

SCHEMAS: Json = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["status", "message"],
                "properties": {
                    "status": {"type": "integer"},
                    "message": {"type": "string"},
                    "field": {
                        "type": "string",
                        "description": "For 422: the body field (or query parameter) at fault.",
                    },
                },
            }
        },
    },
    "Session": {
        "type": "object",
        "properties": {
            "role": {"type": ["string", "null"], "enum": ["organiser", "participant", None]},
            "csrf": {
                "type": ["string", "null"],
                "description": "Send as X-CSRF-Token with every POST/PUT.",
            },
        },
    },
    "FairSummary": {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "timezone": {"type": "string", "examples": ["Asia/Shanghai"]},
            "start": {"type": "string", "format": "date"},
            "days": {"type": "integer"},
            "day_start": {"type": "string", "examples": ["09:00"]},
            "day_end": {"type": "string", "examples": ["17:00"]},
            "slot_minutes": {"type": "integer"},
            "currency": {"type": "string"},
            "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
            "countries": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "country": {"type": "string"},
                        "companies": {"type": "integer"},
                    },
                },
            },
            "published": {
                "type": ["object", "null"],
                "properties": {
                    "number": {"type": "integer"},
                    "published_at": {"type": ["string", "null"], "format": "date-time"},
                },
            },
        },
    },
    "Me": {
        "type": "object",
        "properties": {
            "participant": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "name": {"type": "string"},
                    "email": {"type": "string"},
                    "timezone": {"type": "string"},
                    "languages": {"type": "array", "items": {"type": "string"}},
                    "company": {"type": "string"},
                    "country": {"type": "string"},
                    "role": {"type": "string"},
                },
            },
            "meetings": {
                "type": "array",
                "description": "Meetings in the published schedule, in time order (UTC).",
                "items": {
                    "type": "object",
                    "properties": {
                        "uid": {"type": "string"},
                        "start": {"type": "string", "format": "date-time"},
                        "end": {"type": "string", "format": "date-time"},
                        "counterpart": {"type": "string"},
                        "company": {"type": "string"},
                        "place_kind": {"type": "string", "enum": ["booth", "table", "online"]},
                        "place": {"type": "string"},
                        "status": {"type": "string"},
                    },
                },
            },
        },
    },
    "MeetingRequest": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "key": {"type": "string"},
            "direction": {"type": "string", "enum": ["sent", "received"]},
            "counterpart": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "name": {"type": "string"},
                    "company": {"type": "string"},
                    "country": {"type": "string"},
                    "role": {"type": "string"},
                },
            },
            "priority": PRIORITY,
            "to_priority": {**PRIORITY, "type": ["integer", "null"]},
            "mode": {"$ref": "#/components/schemas/Mode"},
            "length": {"type": "integer", "minimum": 1},
            "status": {"type": "string", "enum": ["pending", "accepted", "declined"]},
            "created_at": {"type": "string", "format": "date-time"},
        },
    },
    "Mode": {"type": "string", "enum": ["in_person", "online", "either"]},
    "RequestResult": {
        "type": "object",
        "properties": {"request": _ref("MeetingRequest"), "withdrawn": {"type": "boolean"}},
    },
    "MyRequests": {
        "type": "object",
        "properties": {
            "sent": {"type": "array", "items": _ref("MeetingRequest")},
            "received": {"type": "array", "items": _ref("MeetingRequest")},
        },
    },
    "NewRequest": {
        "type": "object",
        "required": ["to"],
        "additionalProperties": False,
        "properties": {
            "to": {"type": "string", "description": "The participant's id at the fair."},
            "priority": {**PRIORITY, "default": DEFAULT_PRIORITY},
            "mode": {"$ref": "#/components/schemas/Mode", "default": "either"},
            "length": {
                "type": "integer",
                "minimum": 1,
                "default": 1,
                "description": "Slots; at most the longest run of slots without a break.",
            },
        },
    },
    "Accept": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "to_priority": {
                **PRIORITY,
                "type": ["integer", "null"],
                "description": "How much the receiver wants the meeting (optional).",
            }
        },
    },
    "Empty": {"type": "object", "additionalProperties": False},
    "Availability": {
        "type": "object",
        "properties": {
            "timezone": {"type": "string"},
            "onsite_days": {"type": "array", "items": {"type": "integer", "minimum": 1}},
            "windows": {"type": "array", "items": {"type": "string"}},
            "fair": {
                "type": "object",
                "properties": {
                    "timezone": {"type": "string"},
                    "days": {"type": "array", "items": {"type": "string", "format": "date"}},
                    "hours": {"type": "string", "examples": ["09:00-17:00"]},
                },
            },
        },
    },
    "AvailabilityUpdate": {
        "type": "object",
        "required": ["onsite_days", "windows", "timezone"],
        "additionalProperties": False,
        "properties": {
            "onsite_days": {
                "type": "array",
                "items": {"type": "integer", "minimum": 1},
                "description": "1-based fair days at the venue; others are online only.",
            },
            "windows": {
                "type": "array",
                "items": {"type": "string", "pattern": "^\\d{1,2}:\\d{2}-\\d{1,2}:\\d{2}$"},
                "description": "Working hours HH:MM-HH:MM in `timezone`; empty = all hours.",
            },
            "timezone": {"type": "string", "description": "IANA name, e.g. Asia/Seoul."},
        },
    },
    "Participant": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "email": {"type": "string"},
            "company": {"type": "string"},
            "role": {"type": "string"},
            "country": {"type": "string"},
            "timezone": {"type": "string"},
            "onsite_days": {"type": "array", "items": {"type": "integer"}},
            "meetings": {"type": "integer"},
            "requests": {"type": "integer"},
            "has_link": {"type": "boolean"},
        },
    },
    "FairRequest": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "key": {"type": "string"},
            "from": {
                "type": "object",
                "properties": {"id": {"type": "string"}, "company": {"type": "string"}},
            },
            "to": {
                "type": "object",
                "properties": {"id": {"type": "string"}, "company": {"type": "string"}},
            },
            "priority": {"type": "integer"},
            "to_priority": {"type": ["integer", "null"]},
            "mode": {"$ref": "#/components/schemas/Mode"},
            "length": {"type": "integer"},
            "status": {"type": "string"},
            "third_seat": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
        },
    },
    "Version": {
        "type": "object",
        "properties": {
            "number": {"type": "integer"},
            "status": {"type": "string", "enum": ["draft", "published", "superseded"]},
            "created_at": {"type": "string", "format": "date-time"},
            "published_at": {"type": ["string", "null"], "format": "date-time"},
            "method": {"type": "string"},
            "seed": {"type": "integer"},
            "workers": {"type": "integer"},
            "time_limit": {"type": "number"},
            "figures": {
                "type": "object",
                "description": "Solver figures: scheduled, requests, weight, status, seconds...",
            },
        },
    },
    "GridRow": {
        "type": "object",
        "description": "One meeting, the same columns as `fair export` grid CSV/JSON.",
        "additionalProperties": True,
    },
    "DealReportRow": {
        "type": "object",
        "description": "One deal, as in the deals report (docs/api.md).",
        "required": ["id", "type", "seller", "buyer", "amount", "currency", "value"],
        "properties": {
            "id": {"type": "integer"},
            "recorded_at": {"type": "string", "format": "date-time"},
            "recorded_fair_time": {"type": "string", "description": "YYYY-MM-DD HH:MM"},
            "type": {"type": "string", "enum": ["intent", "purchase", "agency", "project"]},
            "seller": {"type": "string"},
            "seller_country": {"type": "string"},
            "pavilion": {"type": "string", "description": "The seller's pavilion."},
            "buyer": {"type": "string"},
            "buyer_country": {"type": "string"},
            "amount": {"type": "string", "description": "Decimal as recorded."},
            "currency": {"type": "string"},
            "value": {
                "type": ["string", "null"],
                "description": "In the fair's currency; null without a rate.",
            },
            "value_currency": {"type": "string"},
            "confirmed": {"type": "boolean"},
            "confirmed_at": {"type": ["string", "null"], "format": "date-time"},
            "recorded_by": {"type": ["string", "null"]},
            "confirmed_by": {"type": ["string", "null"]},
            "meeting": {"type": ["string", "null"], "description": "The meeting's uid."},
            "note": {"type": "string"},
        },
    },
    "CompanyReportRow": {
        "type": "object",
        "description": "One company's meetings and deals (docs/api.md).",
        "required": ["company", "country", "meetings", "deals", "value"],
        "properties": {
            "company": {"type": "string"},
            "country": {"type": "string"},
            "role": {"type": "string"},
            "pavilion": {"type": "string"},
            "participants": {"type": "integer"},
            "meetings": {"type": "integer"},
            "online_meetings": {"type": "integer"},
            "online_joined": {"type": "integer"},
            "no_shows": {"type": "integer"},
            "deals": {"type": "integer"},
            "confirmed_deals": {"type": "integer"},
            "value": {"type": "string"},
            "value_currency": {"type": "string"},
            "unconverted_deals": {"type": "integer"},
        },
    },
    "Deal": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "meeting_id": {"type": ["integer", "null"]},
            "seller": {"type": "string"},
            "buyer": {"type": "string"},
            "type": {"type": "string", "enum": ["intent", "purchase", "agency", "project"]},
            "amount": {"type": "string", "description": "Decimal as a string."},
            "currency": {"type": "string"},
            "note": {"type": "string"},
            "recorded_by": {"type": ["string", "null"]},
            "recorded_at": {"type": "string", "format": "date-time"},
            "confirmed_by": {"type": ["string", "null"]},
            "confirmed_at": {"type": ["string", "null"], "format": "date-time"},
        },
    },
}

RESPONSES: Json = {
    code: {"description": text, "content": {"application/json": {"schema": _ref("Error")}}}
    for code, text in {
        "400": "The body is not a JSON object (malformed JSON).",
        "401": "Not signed in.",
        "403": "Signed in with the wrong role, not a party of the request, or no CSRF token.",
        "404": "No such request, version or fair.",
        "409": "The request is no longer pending, or the version cannot be published.",
        "413": "The body is over the API's size limit (`limits.api_body_kib`, 64 KiB).",
        "422": "A field is missing, unknown or invalid; `error.field` names it.",
    }.items()
}


def _array(key: str, item: str) -> Json:
    return {"type": "object", "properties": {key: {"type": "array", "items": _ref(item)}}}


PATHS: Json = {
    "/api/openapi.json": {
        "get": _op("This document", "meta", _json({"type": "object"}, "OpenAPI 3.1"), public=True)
    },
    "/api/session": {
        "get": _op(
            "Who is signed in and the CSRF token for writes",
            "meta",
            _json(_ref("Session"), "The session"),
            public=True,
        )
    },
    "/api/fair": {
        "get": _op(
            "Public summary of the fair",
            "public",
            _json(_ref("FairSummary"), "The fair"),
            errors=("404",),
            public=True,
        )
    },
    "/api/me": {
        "get": _op(
            "The signed-in participant and their published meetings",
            "participant",
            _json(_ref("Me"), "Profile and agenda"),
            errors=PARTICIPANT_ONLY,
        )
    },
    "/api/me/requests": {
        "get": _op(
            "My meeting requests, sent and received",
            "participant",
            _json(_ref("MyRequests"), "Newest first"),
            errors=PARTICIPANT_ONLY,
        ),
        "post": _op(
            "Ask another participant for a meeting",
            "participant",
            _json(_ref("RequestResult"), "The new pending request"),
            status="201",
            errors=("400", "401", "403", "422"),
            body=_ref("NewRequest"),
            write=True,
        ),
    },
    "/api/me/requests/{id}/accept": {
        "post": _op(
            "Accept a request I received, optionally with my own priority",
            "participant",
            _json(_ref("RequestResult"), "The accepted request"),
            errors=WRITE_ERRORS,
            body=_ref("Accept"),
            body_required=False,
            parameters=[REQUEST_ID],
            write=True,
        )
    },
    "/api/me/requests/{id}/decline": {
        "post": _op(
            "Decline a request I received",
            "participant",
            _json(_ref("RequestResult"), "The declined request"),
            errors=WRITE_ERRORS,
            body=_ref("Empty"),
            body_required=False,
            parameters=[REQUEST_ID],
            write=True,
        )
    },
    "/api/me/requests/{id}/withdraw": {
        "post": _op(
            "Withdraw a pending request I sent (it is deleted)",
            "participant",
            _json(_ref("RequestResult"), "The request as it was"),
            errors=WRITE_ERRORS,
            body=_ref("Empty"),
            body_required=False,
            parameters=[REQUEST_ID],
            write=True,
        )
    },
    "/api/me/availability": {
        "get": _op(
            "My on-site days, working windows and time zone",
            "participant",
            _json(_ref("Availability"), "Availability"),
            errors=PARTICIPANT_ONLY,
        ),
        "put": _op(
            "Replace my on-site days, working windows and time zone",
            "participant",
            _json(_ref("Availability"), "As stored"),
            errors=("400", "401", "403", "422"),
            body=_ref("AvailabilityUpdate"),
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
                        "version": _ref("Version"),
                        "meetings": {"type": "array", "items": _ref("GridRow")},
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
                        "version": _ref("Version"),
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
            "A report: every deal, or every company's meetings and deals (organiser)",
            "organiser",
            _json(
                {
                    "type": "object",
                    "properties": {
                        "report": {"type": "string", "enum": ["deals", "companies"]},
                        "rows": {
                            "type": "array",
                            "items": {"anyOf": [_ref("DealReportRow"), _ref("CompanyReportRow")]},
                        },
                    },
                },
                "Deals oldest first; companies by deal value, then meetings",
            ),
            errors=("401", "403", "404"),
            parameters=[
                {
                    "name": "report",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "enum": ["deals", "companies"]},
                }
            ],
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
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
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
