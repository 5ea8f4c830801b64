"""How each scale of generated fair looks: days and hours, halls, who comes, how much demand.

One `Spec` per scale, modelled on the seed article's fairs: "video" (the 2020
Qingdao–Busan video negotiation fair), "expo" (the Japan–Korea (Qingdao) import expo),
"small" (for fast tests), "tight" (the expo with half as many requests again) and "mega"
(ten times the expo: 5,000 companies, 40,000 requests over five days, seven pavilions,
people in ten time zones). Data, read by the builders in `fair.sample`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Final, Literal


@dataclass(frozen=True)
class Spec:
    """One scale of fair: the grid and halls, who comes and how they meet."""

    title: str
    timezone: str
    currency: str
    days: int
    day_start: str
    day_end: str
    slot_minutes: int
    breaks: tuple[tuple[str, str, str], ...]
    pavilions: tuple[tuple[str, str, str], ...]  # id, name, country ("" = mixed hall)
    pavilion_of: Mapping[str, str]  # exhibitor country -> pavilion id
    tables: Mapping[str, int]  # pavilion id -> shared tables
    exhibitors: Mapping[str, int]  # country -> companies
    buyers: Mapping[str, int]
    services: int
    interpreter_firms: tuple[int, ...]  # interpreters per firm, firms from names.INTERPRETER_FIRMS
    interpreter_pairs: tuple[str, ...]
    exhibitor_staff: tuple[float, float, float]  # share of companies with 1, 2, 3 people
    buyer_staff: tuple[float, float, float]
    products: tuple[int, int]  # per exhibitor, inclusive
    requests: int
    venue: Literal["cloud", "hall"]  # cloud: most join online; hall: exhibitors on site
    modes: tuple[float, float, float]  # in_person, online, either, when both can be on site
    two_slot: float  # share of multi-slot negotiations
    interpreter_seat: float  # chance of an interpreter when the sides share no language
    service_seat: float  # chance of a service provider at a negotiation
    max_per_day: float  # share of people with a daily cap
    zipf: float  # exponent of exhibitor popularity
    colleague_weight: float  # how often a company's second or third person is the one asked
    qualified_names: bool = False  # qualify company names ("Global") when plain ones run out


SCO = ("RU", "KZ", "UZ", "PK")

SPECS: Final[dict[str, Spec]] = {
    "video": Spec(
        title="Qingdao–Busan Import & Export Video Negotiation Fair {year}",
        timezone="Asia/Shanghai",
        currency="USD",
        days=2,
        day_start="09:00",
        day_end="17:00",
        slot_minutes=20,
        breaks=(("12:00", "13:00", "Lunch"),),
        pavilions=(
            ("KR", "中韩国际客厅 · China–Korea Living Room", "KR"),
            ("CN", "山东城市会客厅 · Shandong City Hall", "CN"),
            ("INT", "International Hall (Japan · Germany · Israel)", ""),
            ("SVC", "Professional Services Centre", ""),
        ),
        pavilion_of={"KR": "KR", "CN": "CN", "JP": "INT", "DE": "INT", "IL": "INT"},
        tables={"KR": 4, "CN": 3, "INT": 2, "SVC": 3},
        exhibitors={"KR": 26, "CN": 18, "JP": 3, "DE": 3, "IL": 2},
        buyers={"CN": 54, "KR": 24, "JP": 3, "DE": 1},
        services=6,
        interpreter_firms=(4, 2),
        interpreter_pairs=("zh-ko", "zh-ja", "zh-en"),
        exhibitor_staff=(0.6, 0.3, 0.1),
        buyer_staff=(0.7, 0.25, 0.05),
        products=(3, 9),
        requests=1500,
        venue="cloud",
        modes=(0.3, 0.3, 0.4),
        two_slot=0.03,
        interpreter_seat=0.12,
        service_seat=0.15,
        max_per_day=0.08,
        zipf=1.1,
        colleague_weight=0.15,  # one negotiator per video booth
    ),
    "expo": Spec(
        title="Japan–Korea (Qingdao) Import Expo {year}",
        timezone="Asia/Shanghai",
        currency="CNY",
        days=3,
        day_start="09:00",
        day_end="18:00",
        slot_minutes=30,
        breaks=(("12:00", "13:00", "Lunch"),),
        pavilions=(
            ("KR", "中韩国际客厅 · Korea Pavilion", "KR"),
            ("JP", "中日国际客厅 · Japan Pavilion", "JP"),
            ("DE", "中德国际客厅 · Germany Pavilion", "DE"),
            ("IL", "中以国际客厅 · Israel Pavilion", "IL"),
            ("SCO", "上合国际客厅 · SCO Countries Pavilion", ""),
            ("SVC", "专业服务中心 · Service Centre", ""),
        ),
        pavilion_of={"KR": "KR", "JP": "JP", "DE": "DE", "IL": "IL"} | dict.fromkeys(SCO, "SCO"),
        tables={"KR": 50, "JP": 35, "DE": 20, "IL": 15, "SCO": 15, "SVC": 15},
        exhibitors={
            "KR": 250,
            "JP": 160,
            "DE": 70,
            "IL": 45,
            "RU": 20,
            "KZ": 15,
            "UZ": 15,
            "PK": 15,
        },
        buyers={"CN": 355, "KR": 20, "JP": 10},
        services=26,
        interpreter_firms=(14, 12, 10),
        interpreter_pairs=("zh-ko", "zh-ja", "ko-en", "zh-en", "de-zh", "zh-ru"),
        exhibitor_staff=(0.5, 0.38, 0.12),
        buyer_staff=(0.7, 0.25, 0.05),
        products=(6, 30),
        requests=8000,
        venue="hall",
        modes=(0.5, 0.1, 0.4),
        two_slot=0.08,
        interpreter_seat=0.08,
        service_seat=0.25,
        max_per_day=0.1,
        zipf=1.1,
        colleague_weight=0.45,
    ),
    "small": Spec(
        title="Qingdao International Living Room Matchmaking Day {year}",
        timezone="Asia/Shanghai",
        currency="USD",
        days=2,
        day_start="09:00",
        day_end="17:00",
        slot_minutes=30,
        breaks=(("12:00", "13:00", "Lunch"),),
        pavilions=(
            ("KR", "中韩国际客厅 · Korea Pavilion", "KR"),
            ("JP", "中日国际客厅 · Japan Pavilion", "JP"),
            ("EU", "中德 · 中以国际客厅 · Germany & Israel Pavilion", ""),
            ("SVC", "专业服务中心 · Service Centre", ""),
        ),
        pavilion_of={"KR": "KR", "JP": "JP", "DE": "EU", "IL": "EU"},
        tables={"KR": 3, "JP": 2, "EU": 2, "SVC": 1},
        exhibitors={"KR": 9, "JP": 4, "DE": 2, "IL": 2},
        buyers={"CN": 12, "KR": 2},
        services=3,
        interpreter_firms=(3,),
        interpreter_pairs=("zh-ko", "zh-ja", "zh-en"),
        exhibitor_staff=(0.5, 0.4, 0.1),
        buyer_staff=(0.7, 0.25, 0.05),
        products=(3, 8),
        requests=300,
        venue="hall",
        modes=(0.5, 0.1, 0.4),
        two_slot=0.08,
        interpreter_seat=0.2,
        service_seat=0.25,
        max_per_day=0.1,
        zipf=1.1,
        colleague_weight=0.45,
    ),
}

# The expo's grid and people with half as many requests again: a fair where demand far
# outstrips the slots, which is where the solver's margin over greedy shows most.
SPECS["tight"] = replace(
    SPECS["expo"], requests=12000, title=SPECS["expo"].title + " (high demand)"
)

# Ten times the expo (issue 16): 5,000 companies and 40,000 requests over five days, a
# Chinese exporters' pavilion next to the expo's six halls, buyers from five countries,
# three times the shared tables (demand per slot is three times the expo's).
SPECS["mega"] = replace(
    SPECS["expo"],
    title="Qingdao International Import & Export Mega Fair {year}",
    days=5,
    pavilions=(
        ("KR", "中韩国际客厅 · Korea Pavilion", "KR"),
        ("JP", "中日国际客厅 · Japan Pavilion", "JP"),
        ("DE", "中德国际客厅 · Germany Pavilion", "DE"),
        ("IL", "中以国际客厅 · Israel Pavilion", "IL"),
        ("SCO", "上合国际客厅 · SCO Countries Pavilion", ""),
        ("CN", "山东出口馆 · Shandong Exporters Pavilion", "CN"),
        ("SVC", "专业服务中心 · Service Centre", ""),
    ),
    pavilion_of={"KR": "KR", "JP": "JP", "DE": "DE", "IL": "IL", "CN": "CN"}
    | dict.fromkeys(SCO, "SCO"),
    tables={"KR": 150, "JP": 100, "DE": 55, "IL": 40, "SCO": 45, "CN": 40, "SVC": 40},
    exhibitors={
        "KR": 1250,
        "JP": 800,
        "DE": 350,
        "IL": 225,
        "RU": 100,
        "KZ": 75,
        "UZ": 75,
        "PK": 75,
        "CN": 300,
    },
    buyers={"CN": 1500, "KR": 110, "JP": 50, "DE": 30, "RU": 20},
    services=60,
    interpreter_firms=(40, 35, 30, 25),
    requests=40000,
    qualified_names=True,
)
