"""Reading a JSON API request: the body checked against the fields an endpoint declares
(unknown names refused), numeric path parts, and field errors answered as 422 naming the
field (`{"error": {"status": 422, "message", "field"}}`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from fair import requests as rq
from fair.rules import MAX_ID
from web.middleware import error_response

Json = dict[str, Any]


class BadField(Exception):
    """A JSON body field that is missing or of the wrong type (→ 422)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class Field:
    name: str
    # "integer", "string", "integer|null", "array<integer>", "array<string>",
    # "object<array<string>>" (names to arrays of strings)
    kind: str
    required: bool = False


def _type_ok(value: Any, kind: str) -> bool:
    if kind.endswith("|null") and value is None:
        return True
    base = kind.removesuffix("|null")
    if base == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if base == "string":
        return isinstance(value, str)
    if base.startswith("array<"):
        item = base[6:-1]
        return isinstance(value, list) and all(_type_ok(v, item) for v in value)
    if base.startswith("object<"):
        item = base[7:-1]
        return isinstance(value, dict) and all(_type_ok(v, item) for v in value.values())
    raise AssertionError(kind)


def _describe(kind: str) -> str:
    words = {
        "integer": "a whole number",
        "string": "a string",
        "integer|null": "a whole number or null",
        "array<integer>": "an array of whole numbers",
        "array<string>": "an array of strings",
        "object<array<string>>": "an object whose values are arrays of strings",
    }
    return words[kind]


async def body(request: web.Request, fields: tuple[Field, ...]) -> Json:
    """The request's JSON object, checked against `fields` (unknown names refused)."""
    # At most `limits.api_body_kib` (the app's body limit for /api/); 413 above.
    data_bytes = await request.read()
    try:
        raw = data_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise web.HTTPBadRequest(text=f"the body is not UTF-8 (byte {exc.start})") from None
    if not raw.strip():
        data: Any = {}
    else:
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise web.HTTPBadRequest(text=f"malformed JSON: {exc.msg} at {exc.pos}") from None
        except RecursionError:
            raise web.HTTPBadRequest(text="malformed JSON: nested too deeply") from None
        except ValueError:  # an integer of more than 4,300 digits
            raise web.HTTPBadRequest(text="malformed JSON: a number is too long") from None
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text="the body must be a JSON object")
    known = {f.name: f for f in fields}
    for name in data:
        if name not in known:
            raise BadField(name, "unknown field")
    for f in fields:
        if f.name not in data:
            if f.required:
                raise BadField(f.name, "is required")
            continue
        if not _type_ok(data[f.name], f.kind):
            raise BadField(f.name, f"must be {_describe(f.kind)}")
        if _has_nul(data[f.name]):
            raise BadField(f.name, "NUL characters are not allowed")
    return data


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    return False


def _unprocessable(request: web.Request, field: str, message: str) -> web.Response:
    return error_response(request, 422, message, field=field)


async def guard(request: web.Request, action: Any) -> web.StreamResponse:
    """Run a handler body, turning field errors into 422 responses."""
    try:
        result: web.StreamResponse = await action()
        return result
    except BadField as exc:
        return _unprocessable(request, exc.field, str(exc))
    except rq.FieldError as exc:
        return _unprocessable(request, exc.field, str(exc))


def query_number(request: web.Request, name: str) -> int | None:
    """An optional numeric query parameter: absent is None; anything but a number is 400,
    one no row can have is 404 (never a 500)."""
    text = request.query.get(name)
    if text is None or text == "":
        return None
    if not (text.isascii() and text.isdigit()):
        raise web.HTTPBadRequest(text=f"{name}: expected a number")
    if len(text) > 9 or not 1 <= int(text) <= MAX_ID:
        raise web.HTTPNotFound(text=f"no such {name} {text[:12]}")
    return int(text)


def path_number(request: web.Request, name: str) -> int:
    """A numeric path parameter; one no row can have is 404 (a huge one would overflow
    the database driver)."""
    value = int(request.match_info[name])
    if not 1 <= value <= MAX_ID:
        raise web.HTTPNotFound(text=f"no such {name} {value}"[:80])
    return value
