"""Places in the halls: booths for the exhibitors who come, shared meeting tables."""

from __future__ import annotations

from fair.columns import BOOTH_KEYS, TABLE_KEYS, ordered
from fair.sample.draft import Draft, TomlTable


def booths(draft: Draft) -> None:
    """On-site exhibitors get a booth in their pavilion; big ones two tables."""
    counters: dict[str, int] = {}
    for company in draft.companies:
        if company.role != "exhibitor":
            continue
        if not any(draft.people[i].onsite for i in company.people):
            continue
        pav = company.pavilion
        counters[pav] = counters.get(pav, 0) + 1
        company.booth = f"{pav}-B{counters[pav]:03d}"
        tables = 1
        if len(company.people) >= 2 and draft.rng.random() < 0.15:
            tables = 2
        if company.popularity > 0.25:
            tables = 3
        booth: TomlTable = {
            "id": company.booth,
            "pavilion": pav,
            "name": company.name,
            "tables": tables,
        }
        draft.booths.append(ordered(BOOTH_KEYS, booth))


def shared_tables(draft: Draft) -> list[TomlTable]:
    """Each pavilion's shared meeting tables; one in ten seats two meetings at once."""
    spec = draft.spec
    tables: list[TomlTable] = []
    for pav, count in spec.tables.items():
        for k in range(count):
            capacity = 2 if draft.rng.random() < 0.1 else 1
            table: TomlTable = {
                "id": f"{pav}-T{k + 1:02d}",
                "pavilion": pav,
                "capacity": capacity,
            }
            tables.append(ordered(TABLE_KEYS, table))
    return tables
