"""The OpenAPI description of the organiser's grid editing API (web/api_grid.py): its
paths and the schemas they use, merged into the document by `web.openapi`."""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]
WRITE_ERRORS = ("400", "401", "403", "404", "409", "422")


def _ref(name: str) -> Json:
    return {"$ref": f"#/components/schemas/{name}"}


def _post(summary: str, body: Json | None) -> Json:
    op: Json = {
        "summary": summary,
        "tags": ["organiser"],
        "responses": {
            "200": {
                "description": "Saved in the working draft",
                "content": {"application/json": {"schema": _ref("GridEdit")}},
            },
            **{e: {"$ref": f"#/components/responses/{e}"} for e in (*WRITE_ERRORS, "413")},
        },
        "parameters": [{"$ref": "#/components/parameters/csrf"}],
        "security": [{"session": []}],
    }
    op["responses"]["409"] = {
        "description": "Refused: `error.reasons` names who or what is in the way",
        "content": {"application/json": {"schema": _ref("GridRefusal")}},
    }
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return op


def _body(**fields: str) -> Json:
    return {
        "type": "object",
        "required": list(fields),
        "additionalProperties": False,
        "properties": {name: {"type": "string", "description": d} for name, d in fields.items()},
    }


REQUEST = "The request's key (`request` in the grid rows)."
START = "The slot's start, ISO 8601 in UTC (`start_utc` in the grid rows)."
PLACE = "A booth or table id, a video room (`online-3`), or `online` for any free video room."

CHANGES: Json = {
    "type": ["object", "null"],
    "description": "Meetings of the draft against the published version (null: none published).",
    "properties": {k: {"type": "integer"} for k in ("kept", "moved", "new", "cancelled")},
}

GRID_SCHEMAS: Json = {
    "Reason": {
        "type": "object",
        "required": ["code", "text", "shown"],
        "properties": {
            "code": {
                "type": "string",
                "description": "booked, hours, busy, days, onsite, cap, full, place, mode, "
                "no_third_seat, locked, break, off_grid, unknown_person or invalid.",
            },
            "text": {"type": "string", "description": "In English."},
            "shown": {"type": "string", "description": "In the viewer's language."},
            "template": {"type": "string"},
            "params": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    },
    "GridEdit": {
        "type": "object",
        "properties": {
            "version": {"type": "integer", "description": "The working draft's number."},
            "changed": {"type": "array", "items": {"type": "string"}},
            "changes": CHANGES,
        },
    },
    "GridRefusal": {
        "type": "object",
        "properties": {
            "error": {
                "type": "object",
                "properties": {
                    "status": {"type": "integer", "const": 409},
                    "message": {"type": "string"},
                    "reasons": {"type": "array", "items": _ref("Reason")},
                },
            }
        },
    },
    "Target": {
        "type": "object",
        "properties": {
            "slot": {"type": "integer"},
            "start": {"type": "string", "format": "date-time"},
            "kind": {"type": "string", "enum": ["booth", "table", "online"]},
            "place": {"type": "string"},
            "ok": {"type": "boolean"},
            "third_seat": {"type": ["string", "null"]},
            "reasons": {"type": "array", "items": _ref("Reason")},
        },
    },
}

_READ_ERRORS = {e: {"$ref": f"#/components/responses/{e}"} for e in ("401", "403", "404")}

GRID_PATHS: Json = {
    "/api/organiser/grid": {
        "get": {
            "summary": "Where grid editing stands: newest version, its edits, its changes",
            "tags": ["organiser"],
            "responses": {
                "200": {
                    "description": "The newest version",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "version": {"type": "integer"},
                                    "status": {"type": "string"},
                                    "edits": {"type": "array", "items": {"type": "object"}},
                                    "can_undo": {"type": "boolean"},
                                    "changes": {
                                        "type": ["object", "null"],
                                        "description": "Request keys moved, new, cancelled "
                                        "against the published version.",
                                    },
                                },
                            }
                        }
                    },
                },
                **_READ_ERRORS,
            },
            "security": [{"session": []}],
        }
    },
    "/api/organiser/grid/targets": {
        "get": {
            "summary": "Every slot and place a meeting could go to, valid or with reasons",
            "tags": ["organiser"],
            "parameters": [
                {
                    "name": "request",
                    "in": "query",
                    "required": True,
                    "description": REQUEST,
                    "schema": {"type": "string"},
                }
            ],
            "responses": {
                "200": {
                    "description": "In slot then place order",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "request": {"type": "string"},
                                    "targets": {"type": "array", "items": _ref("Target")},
                                },
                            }
                        }
                    },
                },
                **_READ_ERRORS,
                "409": {"$ref": "#/components/responses/409"},
                "422": {"$ref": "#/components/responses/422"},
            },
            "security": [{"session": []}],
        }
    },
    "/api/organiser/grid/move": {
        "post": _post(
            "Move a meeting to another slot or place",
            _body(request=REQUEST, start=START, place=PLACE),
        )
    },
    "/api/organiser/grid/add": {
        "post": _post(
            "Schedule an accepted request that is not in the draft",
            _body(request=REQUEST, start=START, place=PLACE),
        )
    },
    "/api/organiser/grid/swap": {
        "post": _post(
            "Exchange the times and places of two meetings",
            _body(request=REQUEST, **{"with": "The other meeting's request key."}),
        )
    },
    "/api/organiser/grid/unschedule": {
        "post": _post("Take a meeting off the draft", _body(request=REQUEST))
    },
    "/api/organiser/grid/lock": {
        "post": _post(
            "Lock a meeting where it is: every later solve keeps it", _body(request=REQUEST)
        )
    },
    "/api/organiser/grid/unlock": {"post": _post("Unlock a meeting", _body(request=REQUEST))},
    "/api/organiser/grid/undo": {"post": _post("Take back the draft's last edit", None)},
}
