"""Run by tests/web/test_import_memory.py in a process of its own: serve the app, upload
the import files of a folder as the organiser and print the serving process's peak
memory (VmHWM, MB) before and after the preview, as JSON. `FORCE_THREAD=1` reads the
upload in the server process whatever its size (the old way), for comparison."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from aiohttp import FormData
from aiohttp.test_utils import TestClient, TestServer

from fair.accounts import create_organiser
from fair.db import open_database, session_scope
from fair.importer import read_directory
from fair.settings import Settings
from web import console
from web.app import create_app


def peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def main(folder: Path, db: Path) -> None:
    if os.environ.get("FORCE_THREAD"):
        console.WORKER_BYTES = 1 << 40
    url = f"sqlite:///{db}"
    engine = open_database(url)
    with session_scope(engine) as session:
        create_organiser(session, "probe@fair.example", "probe-password-123")
    engine.dispose()
    settings = Settings(database_url=url, secret_key="probe", smtp_outbox=str(db.parent / "out"))
    client = TestClient(TestServer(create_app(settings)))
    await client.start_server()
    try:
        r = await client.post(
            "/login",
            data={"email": "probe@fair.example", "password": "probe-password-123"},
            allow_redirects=False,
        )
        assert r.status == 302, r.status
        csrf = (await (await client.get("/api/session")).json())["csrf"]
        form = FormData()
        form.add_field("csrf", csrf)
        for name, raw in read_directory(folder).items():
            form.add_field(name, raw, filename=name)
        before = peak_mb()
        response = await client.post("/organiser/import", data=form)
        text = await response.text()
        assert response.status == 200, text[-2000:]
        assert 'id="import-preview"' in text
        print(json.dumps({"before": before, "after": peak_mb()}))
    finally:
        await client.close()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), Path(sys.argv[2])))
