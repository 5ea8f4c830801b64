"""A large import upload is read in a worker process (issue 18, item 7: a 50 MiB upload
took the server process to 2.5 GB, kept): the serving process's peak memory grows by
the upload itself, not by reading it. Measured in processes of their own, beside the
old way (read in the server process) in the same test."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from fair.sample.generate import generate, write

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
PROBE = "import_memory_probe.py"


def big_upload(folder: Path) -> Path:
    """The expo fair's files with products.csv repeated eight times (~17 MB in all)."""
    write(generate("expo", 1, date(2026, 11, 27)), folder)
    source = (folder / "products.csv").read_text(encoding="utf-8").splitlines()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(next(csv.reader([source[0]])))
    for copy in range(8):
        for record in csv.reader(source[1:]):
            record[0] = f"{record[0]}-{copy}"
            writer.writerow(record)
    (folder / "products.csv").write_text(out.getvalue(), encoding="utf-8")
    return folder


def probe(folder: Path, db: Path, force_thread: bool) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if force_thread:
        env["FORCE_THREAD"] = "1"
    done = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "web" / PROBE), str(folder), str(db)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    found: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def test_a_large_upload_is_read_outside_the_server_process(tmp_path: Path) -> None:
    folder = big_upload(tmp_path / "upload")
    size = sum(p.stat().st_size for p in folder.iterdir()) / 1024 / 1024
    old = probe(folder, tmp_path / "old.sqlite", force_thread=True)
    new = probe(folder, tmp_path / "new.sqlite", force_thread=False)
    old_growth = old["after"] - old["before"]
    new_growth = new["after"] - new["before"]
    assert old_growth > 6 * size  # reading in the server: many times the upload
    assert new_growth < old_growth / 3, (size, old, new)
