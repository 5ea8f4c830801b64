"""The components of the OpenAPI document (`web.openapi`): the JSON shapes the API sends
and accepts (`SCHEMAS`) and its error responses (`RESPONSES`), written by hand as data."""

from __future__ import annotations

from typing import Any

from fair.rules import DEFAULT_PRIORITY, HIGHEST_PRIORITY, LOWEST_PRIORITY

Json = dict[str, Any]


def ref(name: str) -> Json:
    """A reference to the schema `name`."""
    return {"$ref": f"#/components/schemas/{name}"}


MONEY = {"type": "string", "description": "Decimal, in the fair's currency."}
DATES = (
    "Own hours per date of the participant's own calendar (YYYY-MM-DD): HH:MM-HH:MM "
    "windows in `timezone` replacing `windows` that day (a window may run past midnight); "
    "an empty list is away all day; a date left out is as usual."
)
PRIORITY = {"type": "integer", "minimum": LOWEST_PRIORITY, "maximum": HIGHEST_PRIORITY}

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
        "properties": {"request": ref("MeetingRequest"), "withdrawn": {"type": "boolean"}},
    },
    "MyRequests": {
        "type": "object",
        "properties": {
            "sent": {"type": "array", "items": ref("MeetingRequest")},
            "received": {"type": "array", "items": ref("MeetingRequest")},
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
            "dates": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
                "description": DATES,
            },
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
            "dates": {
                "type": "object",
                "additionalProperties": {
                    "type": "array",
                    "items": {
                        "type": "string",
                        "pattern": "^\\d{1,2}:\\d{2}-\\d{1,2}:\\d{2}$",
                    },
                },
                "description": DATES + " Left out: the stored dates stay.",
            },
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
    "LeverChange": {
        "type": "object",
        "required": ["kind"],
        "additionalProperties": False,
        "description": "A lever to apply, as `apply` in a Lever: tables for a pavilion, "
        "one more slot at the end of every day, or an hour more of a person's time.",
        "properties": {
            "kind": {"type": "string", "enum": ["tables", "slot", "hours"]},
            "pool": {"type": "string", "description": "tables: the pavilion's id."},
            "tables": {"type": "integer", "minimum": 1, "maximum": 20},
            "person": {"type": "string", "description": "hours: the participant's id."},
            "direction": {"type": "string", "enum": ["earlier", "later"], "default": "later"},
        },
    },
    "Lever": {
        "type": "object",
        "properties": {
            "kind": {"type": "string", "enum": ["tables", "slot", "hours"]},
            "text": {"type": "string", "description": "In English, times in the fair's zone."},
            "meetings": {"type": "integer", "description": "At least this many more."},
            "requests": {"type": "array", "items": {"type": "string"}},
            "day": {"type": ["integer", "null"], "description": "1-based; null for hours."},
            "start": {"type": ["string", "null"], "format": "date-time"},
            "end": {"type": ["string", "null"], "format": "date-time"},
            "apply": ref("LeverChange"),
        },
    },
    "WhatIf": {
        "type": "object",
        "properties": {
            "version": {"type": "integer"},
            "left_out": {"type": "integer"},
            "seconds": {"type": "number", "description": "Time the levers took to find."},
            "cached": {"type": "boolean"},
            "levers": {"type": "array", "items": ref("Lever")},
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
    "OrderReportRow": {
        "type": "object",
        "description": "One order placed on a roadshow's stage, as in the orders report.",
        "required": ["id", "status", "seller", "buyer", "quantity", "amount", "value"],
        "properties": {
            "id": {"type": "integer"},
            "ordered_at": {"type": "string", "format": "date-time"},
            "ordered_fair_time": {"type": "string", "description": "YYYY-MM-DD HH:MM"},
            "status": {"type": "string", "enum": ["pending", "confirmed", "declined"]},
            "roadshow": {"type": "string"},
            "seller": {"type": "string"},
            "seller_country": {"type": "string"},
            "buyer": {"type": "string"},
            "buyer_country": {"type": "string"},
            "product": {"type": "string"},
            "quantity": {"type": "integer"},
            "unit_price": {"type": "string", "description": "From the catalogue."},
            "amount": {"type": "string", "description": "Quantity × unit price."},
            "currency": {"type": "string"},
            "value": {
                "type": ["string", "null"],
                "description": "In the fair's currency; null without a rate.",
            },
            "value_currency": {"type": "string"},
            "ordered_by": {"type": ["string", "null"]},
            "decided_by": {"type": ["string", "null"]},
            "decided_at": {"type": ["string", "null"], "format": "date-time"},
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
    "Charts": {
        "type": "object",
        "description": "The live dashboard's chart figures (docs/api.md, `fair/charts.py`).",
        "required": [
            "fair",
            "currency",
            "as_of",
            "value",
            "deals",
            "timeline",
            "flows",
            "by_pavilion",
            "slots",
        ],
        "properties": {
            "fair": {"type": "integer"},
            "currency": {"type": "string"},
            "timezone": {"type": "string", "description": "The fair's IANA time zone."},
            "as_of": {"type": "string", "format": "date-time"},
            "bucket_minutes": {"type": "integer"},
            "value": MONEY,
            "deals": {"type": "integer"},
            "orders": {
                "type": "object",
                "description": "Orders placed on the stages (pending or confirmed), as the"
                " dashboard's and the orders report's.",
                "properties": {
                    "orders": {"type": "integer"},
                    "value": MONEY,
                    "confirmed": {"type": "integer"},
                    "confirmed_value": MONEY,
                    "pending": {"type": "integer"},
                    "unconverted": {"type": "integer"},
                    "declined": {"type": "integer"},
                    "last_hour_orders": {"type": "integer"},
                    "last_hour_value": MONEY,
                    "currency": {"type": "string"},
                    "as_of": {"type": "string", "format": "date-time"},
                },
            },
            "timeline": {
                "type": "array",
                "description": "Deal value per 15 minutes of recording, oldest first.",
                "items": {
                    "type": "object",
                    "properties": {
                        "start": {"type": "string", "format": "date-time"},
                        "deals": {"type": "integer"},
                        "by_type": {"type": "object", "additionalProperties": MONEY},
                    },
                },
            },
            "flows": {
                "type": "array",
                "description": "Seller's country to buyer's country, largest value first.",
                "items": {
                    "type": "object",
                    "properties": {
                        "from": {"type": "string"},
                        "to": {"type": "string"},
                        "deals": {"type": "integer"},
                        "value": MONEY,
                    },
                },
            },
            "by_pavilion": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "deals": {"type": "integer"},
                        "companies": {"type": "integer"},
                        "value": MONEY,
                    },
                },
            },
            "slots": {
                "type": "array",
                "description": "Meetings of the published schedule per slot start.",
                "items": {
                    "type": "object",
                    "properties": {
                        "start": {"type": "string", "format": "date-time"},
                        "meetings": {"type": "integer"},
                        "held": {"type": "integer"},
                        "no_shows": {"type": "integer"},
                    },
                },
            },
        },
    },
}

RESPONSES: Json = {
    code: {"description": text, "content": {"application/json": {"schema": ref("Error")}}}
    for code, text in {
        "400": "The body is not a JSON object (malformed JSON).",
        "401": "Not signed in.",
        "403": "Signed in with the wrong role, not a party of the request, or no CSRF token.",
        "404": "No such request, version or fair.",
        "409": "The request is no longer pending, the version cannot be published, or a "
        "solver run is going.",
        "413": "The body is over the API's size limit (`limits.api_body_kib`, 64 KiB).",
        "422": "A field is missing, unknown or invalid; `error.field` names it.",
    }.items()
}
