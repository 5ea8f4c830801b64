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
NODE_MODULES = Path(__file__).parent.parent / "node_modules"
VENDOR = NODE_MODULES / "socket.io-client" / "dist"
# Apache ECharts: only its minified build (its dist folder also holds megabytes of
# source maps and other builds that no page asks for).
ECHARTS = NODE_MODULES / "echarts" / "dist"
ECHARTS_FILES = ("echarts.min.js",)
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

    def __init__(self, prefix: str, directory: Path, only: tuple[str, ...] = ()) -> None:
        """`only`: just these files of `directory` (default: every file under it)."""
        self.prefix = prefix.rstrip("/") + "/"
        paths = [directory / name for name in only] if only else sorted(directory.rglob("*"))
        self.files = {
            path.relative_to(directory).as_posix(): load(path) for path in paths if path.is_file()
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
def vendor() -> tuple[Assets, ...]:
    """The browser libraries npm installed: the socket.io client under /vendor/ and
    ECharts under /vendor/echarts/ (pages work without them, with no live updates and
    tables instead of charts)."""
    found = []
    if VENDOR.is_dir():
        found.append(Assets("/vendor/", VENDOR))
    if all((ECHARTS / name).is_file() for name in ECHARTS_FILES):
        found.append(Assets("/vendor/echarts/", ECHARTS, ECHARTS_FILES))
    return tuple(found)


def vendor_url(filename: str) -> str:
    """A vendor file's versioned address (`socket.io.min.js`, `echarts.min.js`), or ""
    when the library is not installed."""
    for assets in vendor():
        if filename in assets.files:
            return assets.url(filename)
    return ""


def setup(app: web.Application) -> None:
    static().route(app, "static")
    # /vendor/echarts/ before /vendor/, which would take its files for its own.
    for assets in sorted(vendor(), key=lambda a: -len(a.prefix)):
        name = "vendor" + assets.prefix.removeprefix("/vendor").strip("/").replace("/", "_")
        assets.route(app, name)  # vendor, vendorecharts
