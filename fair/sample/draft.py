"""The fair while it is being generated: companies, people and requests drawn so far.

`Draft` is the state every builder in `fair.sample` (companies, people, places,
catalogue, demand, rows) reads and extends, in the order `fair.sample.generate` calls
them; all randomness comes from its one `rng`, so that order is part of the output.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from fair.sample import names as n
from fair.sample.scales import Spec

TomlScalar = str | int | bool
TomlTable = dict[str, TomlScalar]
TomlDoc = dict[str, TomlTable | list[TomlTable]]
Row = dict[str, str]


@dataclass
class Company:
    """A company; `index` is its place in `Draft.companies`, `people` indexes `Draft.people`."""

    index: int
    role: str
    country: str
    name: str
    roman: str
    brand: str
    slug: str
    sectors: list[str] = field(default_factory=list)
    offers: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)
    service: str = ""
    pavilion: str = ""
    booth: str = ""
    currency: str = "USD"
    popularity: float = 0.0
    activity: float = 1.0
    people: list[int] = field(default_factory=list)


@dataclass
class Person:
    """A participant; `pid` is set once every company is staffed, in company order."""

    index: int
    pid: str
    company: int
    name: str
    email: str
    timezone: str
    languages: tuple[str, ...]
    onsite: tuple[int, ...]
    available: str = ""
    interprets: tuple[str, ...] = ()
    max_per_day: str = ""
    max_total: str = ""
    weight: float = 1.0


@dataclass
class Request:
    """A meeting request between two people (`src` asks `dst`), by `Draft.people` index."""

    src: int
    dst: int
    priority: int
    mode: str
    length: int
    with_from: tuple[int, ...] = ()
    with_to: tuple[int, ...] = ()
    third_seat: str = ""
    status: str = "accepted"
    to_priority: int = 0


@dataclass
class Draft:
    """The fair so far, and what has been used once (names, e-mails, asked pairs)."""

    spec: Spec
    rng: random.Random
    start: date
    companies: list[Company] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    products: list[Row] = field(default_factory=list)
    booths: list[TomlTable] = field(default_factory=list)
    roman_names: set[str] = field(default_factory=set)
    company_names: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    pairs: set[tuple[int, int]] = field(default_factory=set)
    company_pairs: set[tuple[int, int]] = field(default_factory=set)
    asked: set[tuple[int, int]] = field(default_factory=set)  # (person, company) asked once at most


T = TypeVar("T")


def pick(rng: random.Random, options: Sequence[tuple[T, float]]) -> T:
    """One option drawn by weight."""
    values = [o for o, _ in options]
    weights = [w for _, w in options]
    return rng.choices(values, weights=weights)[0]


def cumulative(weights: Sequence[float]) -> list[float]:
    total = 0.0
    out: list[float] = []
    for w in weights:
        total += w
        out.append(total)
    return out


def ascii_fold(text: str) -> str:
    return "".join(n.ASCII_FOLD.get(ch, ch) for ch in text).encode("ascii", "ignore").decode()
