"""Middlewares: domain errors → status pages or JSON, sessions, CSRF, security headers.

Errors are rendered in one place: `FairError`s map to 400/403/404/409, aiohttp's HTTP
errors keep their status, anything else is logged with its traceback and shown as a
plain 500 page. A user never sees a stack trace.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable, MutableMapping

from aiohttp import web

from fair.errors import Conflict, FairError, Forbidden, ImportRejected, InvalidInput, NotFound
from web import sessions
from web.accesslog import redact
from web.keys import SESSION, SETTINGS
from web.render import page

log = logging.getLogger("fair.web")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

STATUS = {NotFound: 404, Forbidden: 403, Conflict: 409, InvalidInput: 400}
TITLES = {
    400: "That did not work",
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed",
    409: "Conflict",
    413: "Too large",
    429: "Slow down",
    500: "Something went wrong",
}
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self' ws: wss:; media-src 'self' blob:; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'"
)


def wants_json(request: web.Request) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get(
        "Accept", ""
    )


def error_response(
    request: web.Request, status: int, message: str, **extra: object
) -> web.Response:
    if wants_json(request):
        return web.json_response(
            {"error": {"status": status, "message": message, **extra}}, status=status
        )
    response = page(
        "error.html",
        request,
        {"status": status, "title": TITLES.get(status, "Error"), "message": message, **extra},
        status=status,
    )
    return response


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ImportRejected as exc:
        problems = [
            {"file": p.file, "row": p.row, "column": p.column, "message": p.message}
            for p in exc.problems
        ]
        return error_response(
            request, 400, "The import was rejected; nothing was changed.", problems=problems
        )
    except FairError as exc:
        status = next((s for kind, s in STATUS.items() if isinstance(exc, kind)), 400)
        return error_response(request, status, str(exc))
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        message = exc.text if exc.text and not exc.text.startswith(f"{exc.status}:") else exc.reason
        response = error_response(request, exc.status, message)
        for header in ("Retry-After", "Allow", "WWW-Authenticate"):
            if header in exc.headers:
                response.headers[header] = exc.headers[header]
        return response
    except Exception:
        log.exception("unhandled error on %s %s", request.method, redact(request.path))
        return error_response(request, 500, "The error was logged. Please try again.")


@web.middleware
async def session(request: web.Request, handler: Handler) -> web.StreamResponse:
    secret = request.app[SETTINGS].secret_key
    request[SESSION] = sessions.decode(secret, request.cookies.get(sessions.COOKIE, ""))
    return await handler(request)


@web.middleware
async def csrf(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every state-changing request made with the session cookie must carry the session's
    CSRF token (form field `csrf` or header `X-CSRF-Token`)."""
    # socket.io's long-polling POSTs are checked by the socket.io server itself (same
    # origin only) and authenticated in each namespace's connect handler.
    if (
        request.method in {"POST", "PUT", "PATCH", "DELETE"}
        and request.get(SESSION)
        and not request.path.startswith("/socket.io/")
    ):
        expected = request[SESSION].get("csrf", "")
        sent = request.headers.get("X-CSRF-Token", "")
        if not sent and request.content_type in {
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        }:
            form = await request.post()
            sent = str(form.get("csrf", ""))
        if not expected or not hmac.compare_digest(str(sent), str(expected)):
            raise web.HTTPForbidden(
                text="The form expired or came from another site; reload and try again."
            )
    return await handler(request)


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:  # redirects are raised, not returned
        _secure(exc.headers)
        raise
    _secure(response.headers)
    return response


def _secure(headers: MutableMapping[str, str]) -> None:
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(self), microphone=(self), geolocation=()")


COMPRESSIBLE = ("text/", "application/json", "application/javascript", "image/svg+xml")


@web.middleware
async def caching_and_compression(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Versioned static files are cached for a year; text responses are gzipped."""
    response = await handler(request)
    if request.path.startswith(("/static/", "/vendor/")):
        if "v" in request.query:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        else:
            response.headers.setdefault("Cache-Control", "public, max-age=3600")
    elif "Cache-Control" not in response.headers:
        # Pages carry personal data: never stored by shared caches.
        response.headers["Cache-Control"] = "private, no-cache"
    if (
        isinstance(response, web.Response)
        and not isinstance(response, web.FileResponse)
        and response.body is not None
        and len(response.body) > 1024  # type: ignore[arg-type]
        and response.content_type.startswith(COMPRESSIBLE)
        and "gzip" in request.headers.get("Accept-Encoding", "")
    ):
        response.enable_compression(web.ContentCoding.gzip)
    return response
