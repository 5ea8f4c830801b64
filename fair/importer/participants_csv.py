"""Checking `participants.csv`: people, and the companies their rows describe together.

A company is every row with the same `company` name; its fields (role, country, place,
sectors, offers, needs) may be repeated on each row and must then agree. Places are
checked against `fair.toml` when that file was readable.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from fair.columns import PARTICIPANTS
from fair.errors import N_
from fair.importer.cells import (
    COUNTRY,
    EMAIL,
    LANGUAGE,
    CellError,
    check_timezone,
    normalise_pair,
    parse_choice,
    parse_int,
    parse_local_datetime,
    parse_window,
    split_list,
)
from fair.importer.rows import Collector, Sheet, cell, required, table_rows
from fair.importer.specs import CompanySpec, FairSpec, ParticipantSpec
from fair.languages import LANGUAGES, default_language
from fair.models import Role

COMPANY_FIELDS = ("country", "role", "pavilion", "booth", "sectors", "offers", "needs")


def parse_participants(
    sheet: Sheet, fair: FairSpec | None, out: Collector
) -> tuple[list[CompanySpec], list[ParticipantSpec]]:
    """The companies (in order of first row) and the people of `participants.csv`."""
    reader = _Reader(sheet.label, fair, out)
    people = [reader.person(row, cells) for row, cells in table_rows(sheet, PARTICIPANTS, out)]
    return list(reader.companies.values()), people


class _Reader:
    """Reads rows in order, remembering what earlier rows claimed (ids, e-mails, booths,
    companies) so a clash names the row that came first."""

    def __init__(self, file: str, fair: FairSpec | None, out: Collector) -> None:
        self.file = file
        self.fair = fair
        self.out = out
        self.companies: dict[str, CompanySpec] = {}
        self.company_rows: dict[str, int] = {}
        self.seen_ids: dict[str, int] = {}
        self.seen_emails: dict[str, int] = {}
        self.booth_owner: dict[str, str] = {}
        self.pavilion_keys = {p.key for p in fair.pavilions} if fair else None
        self.booth_keys = {b.key: b.pavilion for b in fair.booths} if fair else None

    def person(self, row: int, c: Mapping[str, str]) -> ParticipantSpec:
        out = self.out
        key = required(out, self.file, row, c, "id")
        if key in self.seen_ids:
            out.add(
                self.file,
                row,
                "id",
                N_("duplicate id %(id)s (first on row %(first)s)"),
                id=repr(key),
                first=self.seen_ids[key],
            )
        self.seen_ids.setdefault(key, row)
        company = required(out, self.file, row, c, "company")
        name = required(out, self.file, row, c, "name")
        email = self._email(row, c)
        role = cell(
            out, self.file, row, "role", c["role"], lambda v: parse_choice(v, [r for r in Role])
        )
        country = c["country"].upper()
        if not COUNTRY.fullmatch(country):
            out.add(
                self.file,
                row,
                "country",
                N_("%(value)s is not an ISO code like KR"),
                value=repr(c["country"]),
            )
        tz = cell(out, self.file, row, "timezone", c["timezone"], check_timezone)
        pavilion, booth = self._place(row, c, company)
        languages = self._languages(row, c)
        language = self._language(row, c, country)
        onsite = self._onsite(row, c)
        windows = self._windows(row, c)
        pairs = self._pairs(row, c)
        caps: dict[str, int | None] = {}
        for column in ("max_per_day", "max_total"):
            caps[column] = (
                cell(out, self.file, row, column, c[column], lambda v: parse_int(v, 0))
                if c[column]
                else None
            )
        arrives, departs = self._stay(row, c, tz)
        person = ParticipantSpec(
            key=key,
            company=company,
            name=name,
            email=email,
            timezone=tz or "",
            languages=languages,
            onsite_days=onsite,
            windows=windows,
            interprets=pairs,
            service=c["service"].lower(),
            max_per_day=caps["max_per_day"],
            max_total=caps["max_total"],
            arrives=arrives,
            departs=departs,
            language=language,
        )
        if company:
            spec = CompanySpec(
                name=company,
                country=country,
                role=role or "",
                pavilion=pavilion,
                booth=booth,
                sectors=split_list(c["sectors"]),
                offers=split_list(c["offers"]),
                needs=split_list(c["needs"]),
            )
            self._company(row, spec)
        return person

    def _email(self, row: int, c: Mapping[str, str]) -> str:
        email = required(self.out, self.file, row, c, "email").lower()
        if email and not EMAIL.fullmatch(email):
            self.out.add(
                self.file,
                row,
                "email",
                N_("%(value)s is not an e-mail address"),
                value=repr(c["email"]),
            )
        elif email in self.seen_emails:
            first = self.seen_emails[email]
            self.out.add(
                self.file,
                row,
                "email",
                N_("duplicate e-mail (first on row %(first)s)"),
                first=first,
            )
        self.seen_emails.setdefault(email, row)
        return email

    def _place(self, row: int, c: Mapping[str, str], company: str) -> tuple[str, str]:
        """(pavilion, booth); a booth alone implies its pavilion, and belongs to one
        company."""
        out = self.out
        pavilion, booth = c["pavilion"], c["booth"]
        if pavilion and self.pavilion_keys is not None and pavilion not in self.pavilion_keys:
            out.add(
                self.file,
                row,
                "pavilion",
                N_("unknown pavilion %(id)s (not in fair.toml)"),
                id=repr(pavilion),
            )
        if booth and self.booth_keys is not None:
            if booth not in self.booth_keys:
                out.add(
                    self.file,
                    row,
                    "booth",
                    N_("unknown booth %(id)s (not in fair.toml)"),
                    id=repr(booth),
                )
            else:
                if not pavilion:
                    pavilion = self.booth_keys[booth]
                elif self.booth_keys[booth] != pavilion:
                    out.add(
                        self.file,
                        row,
                        "booth",
                        N_("booth %(id)s is not in pavilion %(pavilion)s"),
                        id=repr(booth),
                        pavilion=pavilion,
                    )
                owner = self.booth_owner.setdefault(booth, company)
                if owner != company:
                    out.add(
                        self.file,
                        row,
                        "booth",
                        N_("booth %(id)s already belongs to %(owner)s"),
                        id=repr(booth),
                        owner=repr(owner),
                    )
        return pavilion, booth

    def _languages(self, row: int, c: Mapping[str, str]) -> tuple[str, ...]:
        languages = split_list(c["languages"].lower())
        for lang in languages:
            if not LANGUAGE.fullmatch(lang):
                self.out.add(
                    self.file,
                    row,
                    "languages",
                    N_("%(value)s is not a language code like ko"),
                    value=repr(lang),
                )
        return languages

    def _language(self, row: int, c: Mapping[str, str], country: str) -> str:
        """The language of the person's e-mails and pages; empty: from the country (a
        company's country given on an earlier row counts)."""
        value = c["language"].strip().lower()
        if not value:
            known = self.companies.get(c["company"])
            return default_language(country or (known.country if known else ""))
        if value not in LANGUAGES:
            self.out.add(
                self.file,
                row,
                "language",
                N_("%(value)s is not one of %(choices)s"),
                value=repr(c["language"]),
                choices=", ".join(LANGUAGES),
            )
            return ""
        return value

    def _onsite(self, row: int, c: Mapping[str, str]) -> tuple[int, ...]:
        fair = self.fair
        if c["onsite"].lower() == "all":
            return tuple(range(1, (fair.days if fair else 1) + 1))
        if not c["onsite"]:
            return ()
        try:
            return tuple(
                sorted(
                    {parse_int(d, 1, fair.days if fair else None) for d in split_list(c["onsite"])}
                )
            )
        except CellError as exc:
            self.out.add(
                self.file,
                row,
                "onsite",
                N_("%(value)s is not a day of the fair (day numbers 1..%(days)s)"),
                value=exc.params.get("value", repr(c["onsite"])),
                days=fair.days if fair else "?",
            )
            return ()

    def _windows(self, row: int, c: Mapping[str, str]) -> tuple[str, ...]:
        """Each window as `HH:MM-HH:MM`, the end of the day written `24:00`."""
        windows: list[str] = []
        for w in split_list(c["available"]):
            try:
                s, e = parse_window(w)
                windows.append(f"{s:%H:%M}-{'24:00' if e == time.max else f'{e:%H:%M}'}")
            except ValueError as exc:
                self.out.error(self.file, row, "available", exc)
        return tuple(windows)

    def _stay(
        self, row: int, c: Mapping[str, str], zone: str | None
    ) -> tuple[datetime | None, datetime | None]:
        """Arrival and departure (local date-times in the person's zone) in UTC."""
        found: dict[str, datetime | None] = {}
        for column in ("arrives", "departs"):
            local = (
                cell(self.out, self.file, row, column, c[column], parse_local_datetime)
                if c[column]
                else None
            )
            found[column] = (
                local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC) if local and zone else None
            )
        arrives, departs = found["arrives"], found["departs"]
        if arrives is not None and departs is not None and departs <= arrives:
            self.out.add(
                self.file,
                row,
                "departs",
                N_("departs %(departs)s is not after arrives %(arrives)s"),
                departs=c["departs"],
                arrives=c["arrives"],
            )
        return arrives, departs

    def _pairs(self, row: int, c: Mapping[str, str]) -> tuple[str, ...]:
        pairs: list[str] = []
        for p in split_list(c["interprets"]):
            try:
                pairs.append(normalise_pair(p))
            except ValueError as exc:
                self.out.error(self.file, row, "interprets", exc)
        return tuple(pairs)

    def _company(self, row: int, spec: CompanySpec) -> None:
        """Record the company of this row, or merge it into the one of an earlier row:
        each field keeps the first value given, and a different one is a problem."""
        company = spec.name
        if company not in self.companies:
            self.companies[company] = spec
            self.company_rows[company] = row
            return
        first = self.companies[company]
        first_row = self.company_rows[company]
        merged = {}
        for attr in COMPANY_FIELDS:
            mine, theirs = getattr(spec, attr), getattr(first, attr)
            if attr in ("country", "role"):
                if mine and theirs and mine != theirs:
                    self.out.add(
                        self.file,
                        row,
                        attr,
                        N_(
                            "company %(company)s has %(column)s %(first)s on row %(row)s "
                            "but %(value)s here"
                        ),
                        company=repr(company),
                        column=attr,
                        first=repr(theirs),
                        row=first_row,
                        value=repr(mine),
                    )
            elif mine and theirs and mine != theirs:
                self.out.add(
                    self.file,
                    row,
                    attr,
                    N_("company %(company)s has a different %(column)s on row %(row)s"),
                    company=repr(company),
                    column=attr,
                    row=first_row,
                )
            merged[attr] = theirs or mine
        self.companies[company] = CompanySpec(name=company, **merged)
