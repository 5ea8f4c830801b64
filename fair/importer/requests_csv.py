"""Checking `requests.csv`: meeting requests between participants of two companies.

Every reference is checked against the participants already read: who asks and who is
asked, the colleagues who come along, and the interpreter pair or service a third seat
needs (someone in the file must give it).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from fair.columns import REQUESTS
from fair.errors import N_
from fair.importer.cells import normalise_pair, parse_choice, parse_int, split_list
from fair.importer.rows import Collector, Sheet, cell, required, table_rows
from fair.importer.specs import FairSpec, ParticipantSpec, RequestSpec
from fair.models import Mode, RequestStatus
from fair.rules import DEFAULT_PRIORITY, HIGHEST_PRIORITY, LOWEST_PRIORITY

MAX_LENGTH = 8


def parse_requests(
    sheet: Sheet,
    fair: FairSpec | None,
    people: Mapping[str, ParticipantSpec],
    out: Collector,
) -> list[RequestSpec]:
    """The requests of `requests.csv`, in file order; `people` by participant id."""
    reader = _Reader(sheet.label, fair, people, out)
    return [reader.request(row, cells) for row, cells in table_rows(sheet, REQUESTS, out)]


def _priority(v: str) -> int:
    return parse_int(v, LOWEST_PRIORITY, HIGHEST_PRIORITY)


class _Reader:
    """Reads rows in order, remembering ids and pairs so a repeat names its first row."""

    def __init__(
        self,
        file: str,
        fair: FairSpec | None,
        people: Mapping[str, ParticipantSpec],
        out: Collector,
    ) -> None:
        self.file = file
        self.people = people
        self.out = out
        self.interpreter_pairs = {pair for p in people.values() for pair in p.interprets}
        self.services = {p.service for p in people.values() if p.service}
        self.longest = fair.longest_run() if fair else MAX_LENGTH
        self.seen_keys: dict[str, int] = {}
        self.seen_pairs: dict[tuple[str, str], int] = {}

    def request(self, row: int, c: Mapping[str, str]) -> RequestSpec:
        out = self.out
        from_key = required(out, self.file, row, c, "from")
        to_key = required(out, self.file, row, c, "to")
        key = c["id"] or f"{from_key}>{to_key}"
        sender, receiver = self._sides(row, key, from_key, to_key)
        priority = cell(out, self.file, row, "priority", c["priority"], _priority)
        to_priority = (
            cell(out, self.file, row, "to_priority", c["to_priority"], _priority)
            if c["to_priority"]
            else None
        )
        mode = cell(
            out, self.file, row, "mode", c["mode"], lambda v: parse_choice(v, [m for m in Mode])
        )
        status = cell(
            out,
            self.file,
            row,
            "status",
            c["status"],
            lambda v: parse_choice(v, [s for s in RequestStatus]),
        )
        length = self._length(row, c)
        with_from = self._colleagues(row, c, "with_from", sender, from_key, to_key)
        with_to = self._colleagues(row, c, "with_to", receiver, from_key, to_key)
        third = self._third_seat(row, c["third_seat"])
        created = self._created(row, c["created"])
        return RequestSpec(
            key=key,
            from_key=from_key,
            to_key=to_key,
            priority=priority or DEFAULT_PRIORITY,
            to_priority=to_priority,
            mode=mode or Mode.EITHER,
            status=status or RequestStatus.PENDING,
            length=length or 1,
            with_from=with_from,
            with_to=with_to,
            third_seat=third,
            created=created,
        )

    def _sides(
        self, row: int, key: str, from_key: str, to_key: str
    ) -> tuple[ParticipantSpec | None, ParticipantSpec | None]:
        """The asking and the asked participant, each None when unknown; a repeated id or
        pair, or two people of one company, is a problem."""
        out = self.out
        if key in self.seen_keys:
            first = self.seen_keys[key]
            out.add(
                self.file,
                row,
                "id",
                N_("duplicate request id %(id)s (first on row %(first)s)"),
                id=repr(key),
                first=first,
            )
        self.seen_keys.setdefault(key, row)
        sender, receiver = self.people.get(from_key), self.people.get(to_key)
        if from_key and sender is None:
            out.add(self.file, row, "from", N_("unknown participant %(id)s"), id=repr(from_key))
        if to_key and receiver is None:
            out.add(self.file, row, "to", N_("unknown participant %(id)s"), id=repr(to_key))
        if sender and receiver and sender.company == receiver.company:
            out.add(
                self.file,
                row,
                "to",
                N_("%(to)s is in the same company as %(from)s"),
                to=repr(to_key),
                **{"from": repr(from_key)},
            )
        pair = (from_key, to_key)
        if pair in self.seen_pairs:
            out.add(
                self.file,
                row,
                "to",
                N_("a request %(from)s→%(to)s is already on row %(first)s"),
                to=to_key,
                first=self.seen_pairs[pair],
                **{"from": from_key},
            )
        self.seen_pairs.setdefault(pair, row)
        return sender, receiver

    def _length(self, row: int, c: Mapping[str, str]) -> int | None:
        length = (
            cell(
                self.out,
                self.file,
                row,
                "length",
                c["length"],
                lambda v: parse_int(v, 1, MAX_LENGTH),
            )
            if c["length"]
            else 1
        )
        if length and length > self.longest:
            self.out.add(
                self.file,
                row,
                "length",
                N_("%(length)s slots is longer than the longest run without a break (%(longest)s)"),
                length=length,
                longest=self.longest,
            )
        return length

    def _colleagues(
        self,
        row: int,
        c: Mapping[str, str],
        column: str,
        anchor: ParticipantSpec | None,
        from_key: str,
        to_key: str,
    ) -> tuple[str, ...]:
        """The colleagues in `column`, who must be of `anchor`'s company."""
        colleagues = split_list(c[column])
        for colleague in colleagues:
            person = self.people.get(colleague)
            if person is None:
                self.out.add(
                    self.file, row, column, N_("unknown participant %(id)s"), id=repr(colleague)
                )
            elif anchor and person.company != anchor.company:
                self.out.add(
                    self.file,
                    row,
                    column,
                    N_("%(id)s is not in %(company)s"),
                    id=repr(colleague),
                    company=repr(anchor.company),
                )
            elif colleague in (from_key, to_key):
                self.out.add(
                    self.file,
                    row,
                    column,
                    N_("%(id)s already attends as from/to"),
                    id=repr(colleague),
                )
        return colleagues

    def _third_seat(self, row: int, third: str) -> str:
        """`interpreter:xx-yy` (the pair normalised) or `service:name`, or ""."""
        if not third:
            return third
        out = self.out
        kind, _, value = third.partition(":")
        kind = kind.strip().lower()
        if kind == "interpreter":
            try:
                value = normalise_pair(value)
                if value not in self.interpreter_pairs:
                    out.add(
                        self.file,
                        row,
                        "third_seat",
                        N_("no interpreter covers %(pair)s"),
                        pair=value,
                    )
                third = f"interpreter:{value}"
            except ValueError as exc:
                out.error(self.file, row, "third_seat", exc)
        elif kind == "service":
            value = value.strip().lower()
            if value not in self.services:
                out.add(
                    self.file,
                    row,
                    "third_seat",
                    N_("no service provider gives %(service)s"),
                    service=repr(value),
                )
            third = f"service:{value}"
        else:
            out.add(
                self.file,
                row,
                "third_seat",
                N_("%(value)s is not interpreter:xx-yy or service:name"),
                value=repr(third),
            )
        return third

    def _created(self, row: int, text: str) -> datetime | None:
        if not text:
            return None
        try:
            created = datetime.fromisoformat(text)
        except ValueError:
            self.out.add(
                self.file, row, "created", N_("%(value)s is not an ISO date-time"), value=repr(text)
            )
            return None
        if created.tzinfo is None:
            self.out.add(
                self.file, row, "created", N_("needs a UTC offset, e.g. 2026-11-20T09:30+08:00")
            )
            return None
        return created
