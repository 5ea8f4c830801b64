"""Seed-modelled fair instances in the import format (docs/import.md).

This module owns the generated test and demo data: `generate` builds a fair like those in
the seed article (the 2020 Qingdao–Busan video negotiation fair, the Japan–Korea (Qingdao)
import expo, or a small one for fast tests) and `write` puts it on disk as `fair.toml`,
`participants.csv`, `requests.csv` and `products.csv`. Everything is drawn from one
`random.Random(seed)`, so a seed always gives byte-identical files.

Demand is shaped like a real fair: exhibitor popularity follows a Zipf law, buyers ask
for exhibitors whose offers match their needs, popular exhibitors decline more, and late
requests are still pending. Names come from `fair.sample.names`, goods from `fair.sample.sectors`.

The parts: `scales` (how each scale looks), `draft` (the state being built), `companies`,
`people`, `places`, `catalogue`, `demand` and `rows` (the files' rows); this module calls
them in their fixed order and writes the files.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final, Literal

from fair.columns import (
    AVAILABILITY_COLUMNS,
    LOCK_COLUMNS,
    PARTICIPANT_COLUMNS,
    PRODUCT_COLUMNS,
    REQUEST_COLUMNS,
)
from fair.sample import catalogue, companies, demand, people, places, rows
from fair.sample.draft import Draft, Row, TomlDoc, TomlScalar, TomlTable
from fair.sample.scales import SPECS
from fair.sample.sectors import SERVICES

Scale = Literal["video", "expo", "small", "tight", "mega"]
SCALES: Final[tuple[Scale, ...]] = ("video", "expo", "small", "tight", "mega")


@dataclass(frozen=True)
class GeneratedFair:
    """One generated fair: the `fair.toml` document and the rows of the three CSV files.

    Row dicts map every column of `fair.columns` (`PARTICIPANT_COLUMNS`, `REQUEST_COLUMNS`,
    `PRODUCT_COLUMNS`) to its cell text ("" when empty); requests are in `created` order.
    """

    scale: Scale
    seed: int
    toml: TomlDoc
    participants: tuple[Row, ...]
    requests: tuple[Row, ...]
    products: tuple[Row, ...]


def generate(scale: Scale, seed: int, start: date) -> GeneratedFair:
    """Build a fair of the given scale, starting on `start`, from `seed` alone.

    `scale` is "video" (Qingdao–Busan video negotiation fair: ~200 people, 2 days),
    "expo" (Japan–Korea import expo: ~1,000 companies, 3 days) or "small" (~60 people,
    for fast tests). The same arguments always give the same fair.
    """
    if scale not in SPECS:
        raise ValueError(f"unknown scale {scale!r}; expected one of {', '.join(SCALES)}")
    draft = Draft(SPECS[scale], random.Random(seed), start)
    _build(draft)
    return GeneratedFair(
        scale=scale,
        seed=seed,
        toml=rows.toml_doc(draft),
        participants=tuple(rows.participant_rows(draft)),
        requests=tuple(rows.request_rows(draft)),
        products=tuple(draft.products),
    )


def _build(draft: Draft) -> None:
    """Companies, then their people, places, products and requests. Every step draws from
    the one random stream, so this order is what makes a seed give the same files."""
    spec = draft.spec
    for country, count in spec.exhibitors.items():
        for _ in range(count):
            companies.exhibitor(draft, country)
    companies.popularity(draft)
    for country, count in spec.buyers.items():
        for _ in range(count):
            companies.buyer(draft, country)
    for i in range(spec.services):
        companies.service(draft, SERVICES[i] if i < len(SERVICES) else draft.rng.choice(SERVICES))
    firms = [companies.interpreter_firm(draft, i) for i in range(len(spec.interpreter_firms))]
    draft.rng.shuffle(draft.companies)
    for i, company in enumerate(draft.companies):
        company.index = i
    for company in draft.companies:
        people.staff(draft, company)
    people.interpreters(draft, firms)
    order = [i for company in draft.companies for i in company.people]
    for k, i in enumerate(order):
        draft.people[i].pid = f"P{k + 1:04d}"
    places.booths(draft)
    catalogue.catalogue(draft)
    demand.demand(draft)
    demand.answers(draft)


# --- Writing files ---------------------------------------------------------------------


def toml_text(doc: Mapping[str, TomlTable | Sequence[TomlTable]], comment: str = "") -> str:
    """Render a document of tables and arrays of tables as TOML.

    Strings use TOML basic-string escapes (JSON's, plus DEL), so any text round-trips
    through `tomllib`. Only the shapes `fair.toml` needs are supported.
    """
    lines: list[str] = []
    if comment:
        lines.extend(f"# {line}" for line in comment.splitlines())
        lines.append("")
    for key, value in doc.items():
        if isinstance(value, Mapping):
            lines.append(f"[{_toml_key(key)}]")
            lines.extend(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
            lines.append("")
        else:
            for table in value:
                lines.append(f"[[{_toml_key(key)}]]")
                lines.extend(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in table.items())
                lines.append("")
    return "\n".join(lines)


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_string(key)


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007F")


def _toml_value(value: TomlScalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return _toml_string(value)


def csv_text(columns: Sequence[str], rows: Sequence[Mapping[str, str]]) -> str:
    """Rows as comma-separated text with a header row, every cell quoted as needed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    return buffer.getvalue()


def write(generated: GeneratedFair, out_dir: Path) -> list[Path]:
    """Write the import directory (`fair.toml` and the CSV files, UTF-8) and list it."""
    out_dir.mkdir(parents=True, exist_ok=True)
    comment = f"Generated by fair.sample.generate: scale {generated.scale}, seed {generated.seed}."
    files = {
        "fair.toml": toml_text(generated.toml, comment),
        "participants.csv": csv_text(PARTICIPANT_COLUMNS, generated.participants),
        "requests.csv": csv_text(REQUEST_COLUMNS, generated.requests),
        "products.csv": csv_text(PRODUCT_COLUMNS, generated.products),
        # the generator gives nobody hours per date and locks no meeting: headers only
        "availability.csv": csv_text(AVAILABILITY_COLUMNS, []),
        "locks.csv": csv_text(LOCK_COLUMNS, []),
    }
    paths: list[Path] = []
    for filename, text in files.items():
        path = out_dir / filename
        path.write_text(text, encoding="utf-8", newline="")
        paths.append(path)
    return paths
