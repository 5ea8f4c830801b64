"""The pages' own files (`web/static`) and the browser libraries from npm (`/vendor/`),
held in memory and served from there.

They are a few hundred KiB read once when the app is made: a request never touches the
disk or a thread (aiohttp's file responses open the file in the default executor, and a
request cancelled during that open, as at shutdown, left the file open), each file is
gzipped once rather than per request, and its address carries a hash of its content so
browsers may keep it for a year."""

from __future__ import annotations

import functools
import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

STATIC = Path(__file__).parent / "static"
# Browser libraries from the npm registry (package.json), installed by ./dev.
VENDOR = Path(__file__).parent.parent / "node_modules" / "socket.io-client" / "dist"
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes | None  # when it is text and gzip makes it smaller
    content_type: str
    charset: str | None
    version: str  # a hash of the body

    @property
    def etag(self) -> str:
        return f'"{self.version}"'


def load(path: Path) -> Asset:
    body = path.read_bytes()
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    text = content_type.startswith(COMPRESSIBLE)
    packed = gzip.compress(body, 9, mtime=0) if text else None
    return Asset(
        body=body,
        gzipped=packed if packed is not None and len(packed) < len(body) else None,
        content_type=content_type,
        charset="utf-8" if text else None,
        version=hashlib.sha256(body).hexdigest()[:16],
    )


class Assets:
    """Every file under `directory` (read now), served under `prefix`."""

    def __init__(self, prefix: str, directory: Path) -> None:
        self.prefix = prefix.rstrip("/") + "/"
        self.files = {
            path.relative_to(directory).as_posix(): load(path)
            for path in sorted(directory.rglob("*"))
            if path.is_file()
        }

    def url(self, filename: str) -> str:
        """The file's address with its version (a KeyError names a file that is not
        there: a template asking for it is a bug)."""
        return f"{self.prefix}{filename}?v={self.files[filename].version}"

    async def handle(self, request: web.Request) -> web.StreamResponse:
        asset = self.files.get(request.match_info["filename"])
        if asset is None:
            raise web.HTTPNotFound()
        headers = {"ETag": asset.etag, "Vary": "Accept-Encoding"}
        if asset.etag in request.headers.get("If-None-Match", ""):
            return web.Response(status=304, headers=headers)
        body = asset.body
        if asset.gzipped is not None and "gzip" in request.headers.get("Accept-Encoding", ""):
            body = asset.gzipped
            headers["Content-Encoding"] = "gzip"
        return web.Response(
            body=body, content_type=asset.content_type, charset=asset.charset, headers=headers
        )

    def route(self, app: web.Application, name: str) -> None:
        app.router.add_get(self.prefix + "{filename:.+}", self.handle, name=name)


@functools.cache
def static() -> Assets:
    """The pages' own scripts, style sheet and icon (read once per process: a changed
    file is served after a restart)."""
    return Assets("/static/", STATIC)


@functools.cache
def vendor() -> Assets | None:
    """The socket.io browser client, when npm installed it (pages work without it, with
    no live updates)."""
    return Assets("/vendor/", VENDOR) if VENDOR.is_dir() else None


def vendor_url(filename: str) -> str:
    """A vendor file's versioned address, or "" when the libraries are not installed."""
    found = vendor()
    return found.url(filename) if found is not None else ""


def setup(app: web.Application) -> None:
    static().route(app, "static")
    found = vendor()
    if found is not None:
        found.route(app, "vendor")
