"""Structured access log lines with secrets taken out of the path."""

from __future__ import annotations

import json
import logging
import re

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

# Personal links and calendar feeds carry bearer tokens in the path.
SECRET_PATH = re.compile(r"^/(p|feed)/[^/?]+")


def redact(path: str) -> str:
    return SECRET_PATH.sub(lambda m: f"/{m.group(1)}/[redacted]", path.split("?", 1)[0])


class AccessLogger(AbstractAccessLogger):
    """One JSON object per request: method, path (redacted), status, bytes, ms, remote."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            json.dumps(
                {
                    "method": request.method,
                    "path": redact(request.path),
                    "status": response.status,
                    "bytes": response.body_length,
                    "ms": round(time * 1000, 1),
                    "remote": request.remote,
                },
                separators=(",", ":"),
            )
        )


def access_logger() -> logging.Logger:
    return logging.getLogger("fair.access")
