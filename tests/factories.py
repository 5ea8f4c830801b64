"""Plain functions that build small hand-made fairs in the import format."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence

FAIR_TOML = """\
[fair]
name = "Qingdao–Busan Test Fair"
timezone = "Asia/Shanghai"
start = "2026-11-27"
days = 2
day_start = "09:00"
day_end = "12:00"
slot_minutes = 30
currency = "USD"

[[breaks]]
start = "10:30"
end = "11:00"
label = "Coffee"

[[pavilions]]
id = "KR"
name = "Korea Pavilion"
country = "KR"

[[pavilions]]
id = "CN"
name = "Shandong Hall"
country = "CN"

[[booths]]
id = "KR-B01"
pavilion = "KR"
tables = 1

[[tables]]
id = "KR-T01"
pavilion = "KR"

[[tables]]
id = "KR-T02"
pavilion = "KR"
capacity = 2
"""

PARTICIPANT_HEADER = (
    "id",
    "company",
    "name",
    "email",
    "role",
    "country",
    "timezone",
    "pavilion",
    "booth",
    "sectors",
    "offers",
    "needs",
    "languages",
    "language",
    "onsite",
    "available",
    "interprets",
    "service",
)

PARTICIPANTS: list[dict[str, str]] = [
    {
        "id": "kr1",
        "company": "부산해양식품 주식회사",
        "name": "김민준",
        "email": "minjun@busan-marine.example",
        "role": "exhibitor",
        "country": "KR",
        "timezone": "Asia/Seoul",
        "pavilion": "KR",
        "booth": "KR-B01",
        "sectors": "seafood;food",
        "offers": "frozen seafood;laver",
        "languages": "ko;en",
        "onsite": "all",
    },
    {
        "id": "kr2",
        "company": "부산해양식품 주식회사",
        "name": "이서연",
        "email": "seoyeon@busan-marine.example",
        "role": "exhibitor",
        "country": "KR",
        "timezone": "Asia/Seoul",
        "languages": "ko",
    },
    {
        "id": "cn1",
        "company": "青岛海润食品有限公司",
        "name": "王伟",
        "email": "wangwei@hairun.example",
        "role": "buyer",
        "country": "CN",
        "timezone": "Asia/Shanghai",
        "needs": "frozen seafood",
        "languages": "zh",
        "onsite": "1",
    },
    {
        "id": "de1",
        "company": "Hanse Feinkost GmbH",
        "name": "Anna Becker",
        "email": "anna@hanse-feinkost.example",
        "role": "buyer",
        "country": "DE",
        "timezone": "Europe/Berlin",
        "needs": "laver",
        "languages": "de;en",
        "available": "08:00-18:00",
    },
    {
        "id": "int1",
        "company": "Fair Language Services",
        "name": "朴智慧",
        "email": "jihye@lang.example",
        "role": "interpreter",
        "country": "CN",
        "timezone": "Asia/Shanghai",
        "languages": "zh;ko",
        "interprets": "zh-ko",
        "onsite": "all",
    },
]

REQUEST_HEADER = ("id", "from", "to", "priority", "mode", "status", "length", "third_seat")

REQUESTS: list[dict[str, str]] = [
    {
        "id": "r1",
        "from": "cn1",
        "to": "kr1",
        "priority": "5",
        "mode": "in_person",
        "status": "accepted",
        "third_seat": "interpreter:ko-zh",
    },
    {
        "id": "r2",
        "from": "de1",
        "to": "kr1",
        "priority": "3",
        "mode": "online",
        "status": "accepted",
    },
    {
        "id": "r3",
        "from": "de1",
        "to": "kr2",
        "priority": "2",
        "mode": "either",
        "status": "pending",
    },
]


def csv_bytes(header: Sequence[str], rows: Iterable[Mapping[str, str]], bom: bool = False) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(header), lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: row.get(k, "") for k in header})
    data = buffer.getvalue().encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if bom else data


def fair_files(
    participants: list[dict[str, str]] | None = None,
    requests: list[dict[str, str]] | None = None,
    toml: str = FAIR_TOML,
    bom: bool = False,
) -> dict[str, bytes]:
    """A small valid fair (with any rows replaced) as import files."""
    return {
        "fair.toml": toml.encode("utf-8"),
        "participants.csv": csv_bytes(
            PARTICIPANT_HEADER, PARTICIPANTS if participants is None else participants, bom
        ),
        "requests.csv": csv_bytes(REQUEST_HEADER, REQUESTS if requests is None else requests, bom),
    }
