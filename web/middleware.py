"""Every middleware of the app, in one home: domain errors → status pages or JSON, an
unreachable database → 503, sessions, CSRF, security headers, caching and compression,
request size and id limits, the page language, and rate limits (the rules and counters
are `web.ratelimit`'s). `web/app.py` lists them in the order they run.

Errors are rendered in one place: `FairError`s map to 400/403/404/409, aiohttp's HTTP
errors keep their status, anything else is logged with its traceback and shown as a
plain 500 page. A user never sees a stack trace.

Error pages are in the viewer's language; JSON error bodies stay English, for machines.
The web layer raises its fixed texts in English (marked with `N_` so that `./dev messages`
extracts them) and the page translates them when it shows them.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from http import HTTPStatus
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.typedefs import Middleware
from yarl import URL

from fair import busy
from fair.db import database_unavailable
from fair.errors import Conflict, FairError, Forbidden, ImportRejected, InvalidInput, NotFound
from fair.rules import MAX_ID
from fair.settings import Settings
from fair.tokens import LinkExpired
from web import i18n, ratelimit, sessions
from web.accesslog import redact
from web.forwarded import forwarded
from web.i18n import N_
from web.keys import SESSION, SETTINGS
from web.render import page

log = logging.getLogger("fair.web")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

STATUS = {NotFound: 404, Forbidden: 403, Conflict: 409, InvalidInput: 400}
TITLES = {
    400: N_("That did not work"),
    401: N_("Please sign in"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    405: N_("Not allowed"),
    409: N_("Conflict"),
    413: N_("Too large"),
    429: N_("Slow down"),
    500: N_("Something went wrong"),
    503: N_("Temporarily unavailable"),
}
# What a status means to the person who sees the page: shown in place of aiohttp's bare
# reason ("Not Found") and of a web-layer text the catalogue does not have.
EXPLANATIONS = {
    400: N_("The request could not be understood. Please check what you entered and try again."),
    401: N_("Please sign in to see this page."),
    403: N_("This page is not open to you with the account you are signed in with."),
    404: N_("This page does not exist, or the link you followed has expired."),
    405: N_("This address does not accept that kind of request."),
    409: N_("Someone else changed this in the meantime. Please reload and try again."),
    413: N_("What you sent is larger than this page accepts."),
    429: N_("Too many attempts; please wait a minute and try again."),
    500: N_("The error was logged. Please try again."),
    503: N_("The service is unavailable right now. Please try again in a minute."),
}
GENERIC = N_("Something went wrong. Please try again.")
# Fixed texts raised in other modules or passed to `error_response` (English there, for
# the JSON bodies): listed here so that they are extracted and the error page finds their
# translations. tests/web/test_error_pages.py checks that each is still raised as is.
RAISED = (
    N_("The import was rejected; nothing was changed."),  # ImportRejected, below
    N_("The database is unavailable right now. Please try again in a minute."),  # below
    N_("Database unavailable"),  # below, the 503 page's title
    N_("This page is for the organiser."),  # auth.py
    N_("This page is for participants (use their link)."),  # auth.py
    N_("Roadshows are scheduled by exhibitors."),  # roadshows.py
    # fair/tokens.py: a personal link that is unknown, replaced or revoked
    N_("this link is not valid"),
    N_("this link is not valid or has been replaced; ask the organiser for a new one"),
)
LINK_EXPIRED = N_("This link expired on %(date)s. Ask the organiser for a new one.")
CSRF_REFUSED = N_("The form expired or came from another site; reload and try again.")
# Statuses whose page offers "try again": the same address for a safe request, else the
# page the form was on (a 403 only then: the refused CSRF token of a stale form).
RETRY = {403, 409, 429, 500, 503}
SIGN_IN = {401, 403}
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
    request: web.Request,
    status: int,
    message: str,
    *,
    replaceable: bool = False,
    shown: str | None = None,
    **extra: object,
) -> web.Response:
    """An error as JSON (`{"error": {"status", "message", **extra}}`, English) or as a page
    in the request's language.

    On the page, `message` and an `extra` title are translated when the catalogue has
    them; domain texts (names in f-strings) are shown as they are. A `replaceable`
    message (a web-layer text, or aiohttp's default reason) that has no translation gives
    way to the status's explanation, so that no English sentence is left on a zh, ko or
    ja page. `shown` is the page's message when the caller has translated it already
    (a domain message with a date, say).
    """
    if wants_json(request):
        return web.json_response(
            {"error": {"status": status, "message": message, **extra}}, status=status
        )
    if SESSION not in request:  # a form's error: the session was read on a clone (body limits)
        secret = request.app[SETTINGS].secret_key
        request[SESSION] = sessions.decode(secret, request.cookies.get(sessions.COOKIE, ""))
    title = extra.pop("title", None)
    context = {
        "status": status,
        "title": i18n.gettext_(str(title) if title else TITLES.get(status, N_("Error"))),
        "message": shown if shown is not None else _shown(status, message, replaceable),
        "retry": _retry(request, status) if status in RETRY else None,
        "sign_in": status in SIGN_IN and not request.get(SESSION, {}).get("o"),
        **extra,
    }
    return page("error.html", request, context, status=status)


def _shown(status: int, message: str, replaceable: bool) -> str:
    explanation = i18n.gettext_(EXPLANATIONS.get(status, GENERIC))
    if not message or message == _reason(status):
        return explanation
    translated = i18n.gettext_(message)
    if replaceable and translated == message and i18n.current() != i18n.DEFAULT:
        return explanation
    return translated


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _retry(request: web.Request, status: int) -> str | None:
    """The address to try again: this one for GET, else the same-site page the form was on."""
    if request.method in {"GET", "HEAD"}:
        return None if status == 403 else local_path(request.raw_path)
    referer = request.headers.get("Referer", "")
    if not referer or not same_origin(request, referer):
        return None
    page = urlsplit(referer)
    return local_path(page.path + (f"?{page.query}" if page.query else ""))


def same_origin(request: web.Request, address: str) -> bool:
    """Whether `address` (a browser's Origin or Referer) names this site: its scheme, host
    and port, the scheme from `X-Forwarded-Proto` behind a trusted reverse proxy (which
    passes `Host` through). "null" (a sandboxed frame) and anything unparsable are not."""
    scheme = forwarded(request, "X-Forwarded-Proto") or request.scheme
    try:
        page, site = URL(address), URL(f"{scheme}://{request.host}")
    except ValueError:
        return False
    return page.host is not None and (page.scheme, page.host, page.port) == (
        site.scheme,
        site.host,
        site.port,
    )


def local_path(target: str) -> str | None:
    """`target` if every browser reads it as a path on this site, else None: it starts
    with one `/`, and holds no backslash or control character (browsers read `//host`,
    `/\\host` and `/<TAB>/host` as another site). For redirects and links built from
    what a request sent (a form's `next`, a Referer)."""
    if not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return None
    return target


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
    except LinkExpired as exc:
        on = i18n.local_date(exc.expired_at, exc.timezone)
        text = i18n.template_gettext(LINK_EXPIRED, date=on)
        return error_response(request, 403, str(exc), shown=text)
    except FairError as exc:
        status = next((s for kind, s in STATUS.items() if isinstance(exc, kind)), 400)
        return error_response(request, status, str(exc))
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        message = exc.text if exc.text and not exc.text.startswith(f"{exc.status}:") else exc.reason
        response = error_response(request, exc.status, message, replaceable=True)
        for header in ("Retry-After", "Allow", "WWW-Authenticate"):
            if header in exc.headers:
                response.headers[header] = exc.headers[header]
        return response
    except ConnectionResetError:
        # The client went away mid-request (a body cut off): not a server error, and
        # nobody is left to answer; one line, no traceback.
        log.info("client went away during %s %s", request.method, redact(request.path))
        return error_response(request, 400, "The request was cut off.")
    except Exception:
        log.exception("unhandled error on %s %s", request.method, redact(request.path))
        return error_response(request, 500, "The error was logged. Please try again.")


DB_UNAVAILABLE = "The database is unavailable right now. Please try again in a minute."


@web.middleware
async def database_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Inside `errors`: a database that cannot be reached is a 503 with Retry-After (page
    or JSON), logged as one line, not a 500 with a traceback."""
    try:
        return await handler(request)
    except Exception as exc:
        if not database_unavailable(exc):
            raise
        log.warning(
            "database unavailable on %s %s: %s",
            request.method,
            redact(request.path),  # personal links carry their token in the path
            type(exc).__name__,
        )
        page = error_response(request, 503, DB_UNAVAILABLE, title="Database unavailable")
        page.headers["Retry-After"] = "30"
        return page


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
            raise web.HTTPForbidden(text=CSRF_REFUSED)
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
        and "Content-Encoding" not in response.headers  # the assets come gzipped
        and response.body is not None
        and len(response.body) > 1024  # type: ignore[arg-type]
        and response.content_type.startswith(COMPRESSIBLE)
        and "gzip" in request.headers.get("Accept-Encoding", "")
    ):
        response.enable_compression(web.ContentCoding.gzip)
    return response


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MiB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KiB"


def body_limits(settings: Settings) -> Middleware:
    """Request bodies over their route's limit (docs/security.md) get 413 before they are
    read: at once when Content-Length says so, otherwise as soon as reading passes the
    limit (aiohttp's `client_max_size`, set for this request)."""
    api = settings.limits_api_body_kib * 1024
    form = settings.limits_form_kib * 1024
    upload = settings.limits_upload_mib * 1024 * 1024
    ics = busy.MAX_BYTES + 64 * 1024  # the .ics file and the form around it

    def cap(path: str) -> int | None:
        if path.startswith("/socket.io/"):
            return None  # engine.io enforces `limits.socket_kib` itself
        if path.startswith("/api/"):
            return api
        if path == "/organiser/import":
            return upload
        if path == "/me/busy":
            return ics
        return form

    @web.middleware
    async def limit(request: web.Request, handler: Handler) -> web.StreamResponse:
        most = cap(request.path)
        if most is None or request.method in {"GET", "HEAD", "OPTIONS"}:
            return await handler(request)
        length = request.content_length
        if length is not None and length > most:
            raise web.HTTPRequestEntityTooLarge(
                max_size=most,
                actual_size=length,
                text=f"The request is {_size(length)}; the limit here is {_size(most)}.",
            )
        limited = request.clone(client_max_size=most)
        try:
            return await handler(limited)
        finally:
            _close_uploads(limited)

    return limit


def _close_uploads(request: web.BaseRequest) -> None:
    """aiohttp spools uploaded files to temporary files and leaves them open; close them
    when the request is done instead of waiting for the garbage collector."""
    form = getattr(request, "_post", None)  # set only if a handler read the form
    for value in form.values() if form is not None else ():
        if isinstance(value, web.FileField):
            value.file.close()


@web.middleware
async def id_limits(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A number in a `{name:\\d+}` path part that no row can have names nothing: 404,
    before a database driver overflows on it (a 500 otherwise)."""
    info = request.match_info.route.resource.get_info() if request.match_info.route.resource else {}
    pattern = getattr(info.get("pattern"), "pattern", "")
    for name, value in request.match_info.items():
        if f"(?P<{name}>\\d+)" in pattern and len(value) > 9 and int(value) > MAX_ID:
            raise web.HTTPNotFound(text=f"no such {name}")
    return await handler(request)


@web.middleware
async def no_nul(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A NUL character in a query parameter or a form field is refused (400, naming it):
    no text of the product holds one, PostgreSQL refuses it in text (a 500 otherwise)
    and SQLite truncates at it."""
    for name, value in request.query.items():
        if "\x00" in name or "\x00" in value:
            raise web.HTTPBadRequest(text=f"{_field(name)}: NUL characters are not allowed")
    if request.method == "POST" and request.content_type in {
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    }:
        for name, field in (await request.post()).items():
            if "\x00" in name or (isinstance(field, str) and "\x00" in field):
                raise web.HTTPBadRequest(text=f"{_field(name)}: NUL characters are not allowed")
    return await handler(request)


def _field(name: str) -> str:
    """A parameter's name as an error message may quote it."""
    return name.replace("\x00", "\\0")[:40]


@web.middleware
async def language(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Pages in the language asked for (`?lang=`, then the cookie, then the browser's
    Accept-Language); a `?lang=` choice is kept in a cookie for a year."""
    lang = i18n.choose(
        request.query.get("lang", ""),
        request.cookies.get("lang", ""),
        request.headers.get("Accept-Language", ""),
    )
    with i18n.using(lang):
        response = await handler(request)
    if request.query.get("lang") == lang and request.cookies.get("lang") != lang:
        response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="Lax", path="/")
    return response


def rate_limits(counter: ratelimit.Counter) -> Middleware:
    """429 with Retry-After once a client passes a rule of `ratelimit.RULES`, counted
    in `counter` (per process, or over every process in Redis)."""

    @web.middleware
    async def limit(request: web.Request, handler: Handler) -> web.StreamResponse:
        for rule in ratelimit.RULES:
            if request.method in rule.methods and request.path.startswith(rule.prefixes):
                key = f"{rule.name}:{ratelimit.client_address(request)}"
                count, retry = await counter.hit(key, rule.window)
                if count > rule.limit:
                    raise web.HTTPTooManyRequests(
                        text="Too many attempts; please wait a minute and try again.",
                        headers={"Retry-After": str(retry)},
                    )
        return await handler(request)

    return limit
