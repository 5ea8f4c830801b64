"""The JSON API through the aiohttp client: every endpoint for the role that may use it
and refused for the others, validation errors naming the field, CSRF, and the OpenAPI
document covering every route.

The fair of tests/factories.py: de1 has a pending request to kr2 (r3) and an accepted one
to kr1 (r2); cn1's request to kr1 (r1) is accepted; kr1 and kr2 are colleagues.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import select

import scheduler.problem as sp
from fair.db import open_database, session_scope
from fair.models import Company, Deal, DealType, MeetingRequest, Participant
from fair.scheduling import schedule_fair
from fair.settings import Settings
from tests.web.conftest import Site

pytestmark = pytest.mark.integration

# (method, path, who may use it): "public", "participant" or "organiser".
ENDPOINTS = [
    ("GET", "/api/openapi.json", "public"),
    ("GET", "/api/session", "public"),
    ("GET", "/api/fair", "public"),
    ("GET", "/api/me", "participant"),
    ("GET", "/api/me/requests", "participant"),
    ("POST", "/api/me/requests", "participant"),
    ("POST", "/api/me/requests/{r3}/accept", "participant"),
    ("POST", "/api/me/requests/{r3}/decline", "participant"),
    ("POST", "/api/me/requests/{r3}/withdraw", "participant"),
    ("GET", "/api/me/availability", "participant"),
    ("PUT", "/api/me/availability", "participant"),
    ("GET", "/api/participants", "organiser"),
    ("GET", "/api/requests", "organiser"),
    ("GET", "/api/schedule", "organiser"),
    ("GET", "/api/schedule/1/meetings", "organiser"),
    ("POST", "/api/schedule/1/publish", "organiser"),
    ("GET", "/api/schedule/1/whatif", "organiser"),
    ("POST", "/api/schedule/1/whatif/apply", "organiser"),
    ("GET", "/api/deals", "organiser"),
    ("GET", "/api/reports/deals", "organiser"),
    ("GET", "/api/charts", "organiser"),
    ("GET", "/api/organiser/grid", "organiser"),
    ("GET", "/api/organiser/grid/targets", "organiser"),
    *(
        ("POST", f"/api/organiser/grid/{kind}", "organiser")
        for kind in ("move", "add", "swap", "unschedule", "lock", "unlock", "undo")
    ),
]
PRIVATE = [e for e in ENDPOINTS if e[2] != "public"]


def request_id(settings: Settings, key: str) -> int:
    engine = open_database(settings.database_url)
    with session_scope(engine) as session:
        found = session.exec(select(MeetingRequest).where(MeetingRequest.key == key)).one()
    engine.dispose()
    assert found.id is not None
    return found.id


def stored_request(settings: Settings, key: str) -> MeetingRequest | None:
    engine = open_database(settings.database_url)
    with session_scope(engine) as session:
        found = session.exec(select(MeetingRequest).where(MeetingRequest.key == key)).first()
    engine.dispose()
    return found


async def headers(site: Site) -> dict[str, str]:
    session = await (await site.client.get("/api/session")).json()
    assert session["csrf"], "not signed in"
    return {"X-CSRF-Token": session["csrf"]}


async def call(
    site: Site, method: str, path: str, json: Any = None, csrf: bool = True
) -> tuple[int, Any]:
    extra = await headers(site) if csrf and method != "GET" else {}
    response = await site.client.request(method, path, json=json, headers=extra)
    return response.status, await response.json()


async def sign_in(site: Site, role: str) -> None:
    site.client.session.cookie_jar.clear()
    if role == "organiser":
        await site.sign_in_organiser()
    elif role == "participant":
        await site.sign_in_participant("cn1")


def fill(path: str, settings: Settings) -> str:
    return path.replace("{r3}", str(request_id(settings, "r3")))


# ------------------------------------------------------------------------------ access


@pytest.mark.parametrize(("method", "path", "role"), PRIVATE)
async def test_api_anonymous_is_refused_401(
    site: Site, settings: Settings, method: str, path: str, role: str
) -> None:
    status, data = await call(site, method, fill(path, settings), json={}, csrf=False)
    assert status == 401
    assert data["error"]["status"] == 401


@pytest.mark.parametrize(("method", "path", "role"), PRIVATE)
async def test_api_wrong_role_is_refused_403(
    site: Site, settings: Settings, method: str, path: str, role: str
) -> None:
    await sign_in(site, "participant" if role == "organiser" else "organiser")
    status, data = await call(site, method, fill(path, settings), json={})
    assert status == 403
    assert data["error"]["status"] == 403


@pytest.mark.parametrize("path", ["/api/openapi.json", "/api/session", "/api/fair"])
@pytest.mark.parametrize("role", ["anonymous", "participant", "organiser"])
async def test_api_public_endpoints_answer_everyone(site: Site, path: str, role: str) -> None:
    await sign_in(site, role)
    status, _ = await call(site, "GET", path)
    assert status == 200


async def test_api_fair_summary(site: Site) -> None:
    status, data = await call(site, "GET", "/api/fair")
    assert status == 200
    assert data["name"] == "Qingdao–Busan Test Fair"
    assert data["timezone"] == "Asia/Shanghai" and data["days"] == 2
    assert data["counts"]["participants"] == 5 and data["counts"]["accepted"] == 2
    assert data["published"]["number"] == 1


async def test_api_session_reports_role_and_csrf(site: Site) -> None:
    assert (await call(site, "GET", "/api/session"))[1] == {"role": None, "csrf": None}
    await sign_in(site, "participant")
    data = (await call(site, "GET", "/api/session"))[1]
    assert data["role"] == "participant" and len(data["csrf"]) > 20


# ------------------------------------------------------------------------- participant


async def test_api_me_shows_own_profile_and_meetings(site: Site) -> None:
    await site.sign_in_participant("kr1")
    status, data = await call(site, "GET", "/api/me")
    assert status == 200
    assert data["participant"]["id"] == "kr1"
    assert data["participant"]["timezone"] == "Asia/Seoul"
    assert {m["company"] for m in data["meetings"]} <= {
        "青岛海润食品有限公司",
        "Hanse Feinkost GmbH",
    }
    assert data["meetings"]


async def test_api_my_requests_lists_only_own(site: Site) -> None:
    await site.sign_in_participant("kr2")
    status, data = await call(site, "GET", "/api/me/requests")
    assert status == 200
    assert data["sent"] == []
    [received] = data["received"]
    assert received["key"] == "r3" and received["status"] == "pending"
    assert received["counterpart"] == {
        "id": "de1",
        "name": "Anna Becker",
        "company": "Hanse Feinkost GmbH",
        "country": "DE",
        "role": "buyer",
    }
    await sign_in(site, "participant")  # cn1: not a party of r3
    data = (await call(site, "GET", "/api/me/requests"))[1]
    assert "r3" not in {r["key"] for r in data["sent"] + data["received"]}


async def test_api_send_then_other_side_accepts(site: Site, settings: Settings) -> None:
    await site.sign_in_participant("cn1")
    status, data = await call(
        site,
        "POST",
        "/api/me/requests",
        json={"to": "de1", "priority": 4, "mode": "online", "length": 2},
    )
    assert status == 201, data
    sent = data["request"]
    assert (sent["direction"], sent["status"], sent["priority"]) == ("sent", "pending", 4)
    assert sent["counterpart"]["id"] == "de1"
    site.client.session.cookie_jar.clear()
    await site.sign_in_participant("de1")
    received = (await call(site, "GET", "/api/me/requests"))[1]["received"]
    assert [r["id"] for r in received] == [sent["id"]]
    status, data = await call(
        site, "POST", f"/api/me/requests/{sent['id']}/accept", json={"to_priority": 2}
    )
    assert status == 200
    assert (data["request"]["status"], data["request"]["to_priority"]) == ("accepted", 2)
    status, data = await call(site, "POST", f"/api/me/requests/{sent['id']}/accept")
    assert status == 409


async def test_api_send_uses_defaults(site: Site) -> None:
    await site.sign_in_participant("cn1")
    status, data = await call(site, "POST", "/api/me/requests", json={"to": "de1"})
    assert status == 201
    assert (data["request"]["priority"], data["request"]["mode"], data["request"]["length"]) == (
        3,
        "either",
        1,
    )


async def test_api_decline_by_receiver(site: Site, settings: Settings) -> None:
    await site.sign_in_participant("kr2")
    status, data = await call(site, "POST", fill("/api/me/requests/{r3}/decline", settings))
    assert status == 200 and data["request"]["status"] == "declined"


async def test_api_withdraw_by_sender(site: Site, settings: Settings) -> None:
    await site.sign_in_participant("de1")
    status, data = await call(site, "POST", fill("/api/me/requests/{r3}/withdraw", settings))
    assert status == 200 and data["withdrawn"] is True
    assert stored_request(settings, "r3") is None


@pytest.mark.parametrize(
    ("who", "action"),
    [
        ("cn1", "accept"),  # outsider
        ("cn1", "decline"),
        ("cn1", "withdraw"),
        ("kr1", "accept"),  # the receiver's colleague
        ("de1", "accept"),  # the sender cannot answer
        ("kr2", "withdraw"),  # the receiver cannot withdraw
    ],
)
async def test_api_others_cannot_act_on_request(
    site: Site, settings: Settings, who: str, action: str
) -> None:
    await site.sign_in_participant(who)
    status, _ = await call(site, "POST", fill(f"/api/me/requests/{{r3}}/{action}", settings))
    assert status == 403
    stored = stored_request(settings, "r3")
    assert stored is not None and stored.status == "pending"


async def test_api_unknown_request_is_404(site: Site) -> None:
    await site.sign_in_participant("kr2")
    status, data = await call(site, "POST", "/api/me/requests/999999/decline")
    assert status == 404 and data["error"]["status"] == 404


async def test_api_availability_get_and_put(site: Site) -> None:
    await site.sign_in_participant("de1")
    status, data = await call(site, "GET", "/api/me/availability")
    assert status == 200
    assert data["windows"] == ["08:00-18:00"] and data["timezone"] == "Europe/Berlin"
    assert data["fair"] == {
        "timezone": "Asia/Shanghai",
        "days": ["2026-11-27", "2026-11-28"],
        "hours": "09:00-12:00",
    }
    update = {"onsite_days": [2, 1], "windows": ["02:00-06:00"], "timezone": "Europe/Paris"}
    status, data = await call(site, "PUT", "/api/me/availability", json=update)
    assert status == 200
    assert (data["onsite_days"], data["windows"], data["timezone"]) == (
        [1, 2],
        ["02:00-06:00"],
        "Europe/Paris",
    )
    assert (await call(site, "GET", "/api/me/availability"))[1]["timezone"] == "Europe/Paris"


# -------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"priority": 3}, "to"),
        ({"to": "de1", "priority": 9}, "priority"),
        ({"to": "de1", "priority": "3"}, "priority"),
        ({"to": "de1", "priority": True}, "priority"),
        ({"to": "de1", "mode": "hologram"}, "mode"),
        ({"to": "de1", "length": 4}, "length"),
        ({"to": "de1", "length": 1.5}, "length"),
        ({"to": "cn1"}, "to"),
        ({"to": 7}, "to"),
        ({"to": "nobody"}, "to"),
        ({"to": "de1", "message": "hi"}, "message"),
    ],
)
async def test_api_send_invalid_field_is_422_naming_it(
    site: Site, payload: dict[str, Any], field: str
) -> None:
    await site.sign_in_participant("cn1")
    status, data = await call(site, "POST", "/api/me/requests", json=payload)
    assert status == 422
    assert data["error"]["status"] == 422
    assert data["error"]["field"] == field
    assert data["error"]["message"].startswith(f"{field}: ")


async def test_api_send_duplicate_pair_is_422_on_to(site: Site) -> None:
    await site.sign_in_participant("de1")
    status, data = await call(site, "POST", "/api/me/requests", json={"to": "kr2"})
    assert status == 422 and data["error"]["field"] == "to"
    assert data["error"]["message"] == "to: already requested: you sent 이서연 a request (pending)"


async def test_api_send_reverse_of_a_request_is_422_with_the_reason(site: Site) -> None:
    await site.sign_in_participant("kr2")  # de1 asked kr2 (r3, pending)
    status, data = await call(site, "POST", "/api/me/requests", json={"to": "de1"})
    assert status == 422 and data["error"]["field"] == "to"
    assert data["error"]["message"] == (
        "to: already requested: Anna Becker has asked you; answer their request in My requests"
    )


async def test_api_accept_bad_priority_is_422(site: Site, settings: Settings) -> None:
    await site.sign_in_participant("kr2")
    path = fill("/api/me/requests/{r3}/accept", settings)
    for bad in (7, "5"):
        status, data = await call(site, "POST", path, json={"to_priority": bad})
        assert status == 422 and data["error"]["field"] == "to_priority"
    stored = stored_request(settings, "r3")
    assert stored is not None and stored.status == "pending"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"onsite_days": [1], "windows": []}, "timezone"),
        ({"windows": [], "timezone": "UTC"}, "onsite_days"),
        ({"onsite_days": [3], "windows": [], "timezone": "UTC"}, "onsite_days"),
        ({"onsite_days": ["1"], "windows": [], "timezone": "UTC"}, "onsite_days"),
        ({"onsite_days": [], "windows": ["9-5"], "timezone": "UTC"}, "windows"),
        ({"onsite_days": [], "windows": "09:00-17:00", "timezone": "UTC"}, "windows"),
        ({"onsite_days": [], "windows": [], "timezone": "Mars/Base"}, "timezone"),
    ],
)
async def test_api_availability_invalid_field_is_422(
    site: Site, payload: dict[str, Any], field: str
) -> None:
    await site.sign_in_participant("kr1")
    status, data = await call(site, "PUT", "/api/me/availability", json=payload)
    assert status == 422
    assert data["error"]["field"] == field


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", '"text"'])
async def test_api_malformed_body_is_400(site: Site, raw: str) -> None:
    await site.sign_in_participant("cn1")
    response = await site.client.post(
        "/api/me/requests",
        data=raw,
        headers={**await headers(site), "Content-Type": "application/json"},
    )
    assert response.status == 400
    data = await response.json()
    assert data["error"]["status"] == 400


async def test_api_requests_unknown_status_is_422(site: Site) -> None:
    await site.sign_in_organiser()
    status, data = await call(site, "GET", "/api/requests?status=maybe")
    assert status == 422 and data["error"]["field"] == "status"


# --------------------------------------------------------------------------------- CSRF


@pytest.mark.parametrize(
    ("role", "method", "path", "payload"),
    [
        ("participant", "POST", "/api/me/requests", {"to": "de1"}),
        ("participant", "PUT", "/api/me/availability", {"onsite_days": [], "windows": []}),
        ("participant", "POST", "/api/me/requests/{r3}/decline", None),
        ("organiser", "POST", "/api/schedule/1/publish", None),
    ],
)
async def test_api_write_without_csrf_header_is_refused(
    site: Site, settings: Settings, role: str, method: str, path: str, payload: Any
) -> None:
    if role == "organiser":
        await site.sign_in_organiser()
    else:
        await site.sign_in_participant("kr2" if "decline" in path else "cn1")
    status, data = await call(site, method, fill(path, settings), json=payload, csrf=False)
    assert status == 403
    assert "form expired" in data["error"]["message"]
    assert stored_request(settings, "cn1>de1") is None
    stored = stored_request(settings, "r3")
    assert stored is not None and stored.status == "pending"


async def test_api_write_with_wrong_csrf_header_is_refused(site: Site) -> None:
    await site.sign_in_participant("cn1")
    response = await site.client.post(
        "/api/me/requests", json={"to": "de1"}, headers={"X-CSRF-Token": "guess"}
    )
    assert response.status == 403


# --------------------------------------------------------------------------- organiser


async def test_api_participants_for_organiser(site: Site) -> None:
    await site.sign_in_organiser()
    status, data = await call(site, "GET", "/api/participants")
    assert status == 200
    assert [p["id"] for p in data["participants"]] == ["cn1", "de1", "int1", "kr1", "kr2"]
    de1 = data["participants"][1]
    assert de1["company"] == "Hanse Feinkost GmbH" and de1["has_link"] is True
    only = (await call(site, "GET", "/api/participants?country=kr"))[1]["participants"]
    assert {p["id"] for p in only} == {"kr1", "kr2"}


async def test_api_requests_for_organiser(site: Site) -> None:
    await site.sign_in_organiser()
    status, data = await call(site, "GET", "/api/requests")
    assert status == 200
    assert [(r["key"], r["from"]["id"], r["to"]["id"]) for r in data["requests"]] == [
        ("r1", "cn1", "kr1"),
        ("r2", "de1", "kr1"),
        ("r3", "de1", "kr2"),
    ]
    pending = (await call(site, "GET", "/api/requests?status=pending"))[1]["requests"]
    assert [r["key"] for r in pending] == ["r3"]


async def test_api_schedule_and_meetings_for_organiser(site: Site) -> None:
    await site.sign_in_organiser()
    status, data = await call(site, "GET", "/api/schedule")
    assert status == 200
    [version] = data["versions"]
    assert version["number"] == 1 and version["status"] == "published"
    assert "scheduled" in version["figures"]
    status, data = await call(site, "GET", "/api/schedule/1/meetings")
    assert status == 200
    assert data["version"]["number"] == 1
    assert len(data["meetings"]) == version["figures"]["scheduled"]
    assert {"day", "start", "end", "start_utc"} <= set(data["meetings"][0])
    assert (await call(site, "GET", "/api/schedule/9/meetings"))[0] == 404


async def test_api_publish_draft_then_conflict(site: Site, settings: Settings) -> None:
    engine = open_database(settings.database_url)
    number, _ = schedule_fair(
        engine, site.fair_id, sp.Options(time_limit=5, workers=1, seed=0, levels=1), "greedy"
    )
    engine.dispose()
    await site.sign_in_organiser()
    status, data = await call(site, "POST", f"/api/schedule/{number}/publish")
    assert status == 200, data
    assert data["version"]["status"] == "published"
    assert set(data["changes"]) == {"kept", "moved", "new", "cancelled"}
    status, data = await call(site, "POST", "/api/schedule/1/publish")
    assert status == 409 and data["error"]["status"] == 409


async def test_api_deals_for_organiser(site: Site, settings: Settings) -> None:
    await site.sign_in_organiser()
    assert (await call(site, "GET", "/api/deals"))[1] == {"deals": []}
    engine = open_database(settings.database_url)
    with session_scope(engine) as session:
        companies = {c.name: c.id for c in session.exec(select(Company))}
        recorder = session.exec(select(Participant).where(Participant.key == "kr1")).one()
        session.add(
            Deal(
                fair_id=site.fair_id,
                seller_id=companies["부산해양식품 주식회사"],
                buyer_id=companies["青岛海润食品有限公司"],
                type=DealType.PURCHASE,
                amount=Decimal("125000.50"),
                currency="USD",
                client_key="test-deal-1",
                recorded_by_id=recorder.id,
            )
        )
    engine.dispose()
    [deal] = (await call(site, "GET", "/api/deals"))[1]["deals"]
    assert (deal["seller"], deal["buyer"], deal["amount"]) == (
        "부산해양식품 주식회사",
        "青岛海润食品有限公司",
        "125000.50",
    )
    assert deal["recorded_by"] == "kr1" and deal["confirmed_at"] is None
    # The reports: the same deal, and both companies with it.
    _, body = await call(site, "GET", "/api/reports/deals")
    [row] = body["rows"]
    assert body["report"] == "deals" and row["value"] == "125000.50" and not row["confirmed"]
    _, body = await call(site, "GET", "/api/reports/companies")
    with_deals = {r["company"]: r["deals"] for r in body["rows"] if r["deals"]}
    assert with_deals == {"부산해양식품 주식회사": 1, "青岛海润食品有限公司": 1}
    assert (await call(site, "GET", "/api/reports/salaries"))[0] == 404

    # The page's download: CSV for a spreadsheet, with the byte-order mark.
    response = await site.client.get("/organiser/reports/deals")
    data = await response.read()
    assert response.status == 200 and response.content_type == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="deals.csv"'
    assert data.startswith(b"\xef\xbb\xbfid,recorded_at,") and "부산해양식품".encode() in data
    response = await site.client.get("/organiser/reports/companies?format=json")
    assert response.content_type == "application/json" and len(await response.json()) >= 2
    assert (await site.client.get("/organiser/reports/deals?format=xlsx")).status == 400


# ----------------------------------------------------------------------------- OpenAPI


def _openapi_path(canonical: str) -> str:
    return re.sub(r"\{(\w+)(:[^}]*)?\}", r"{\1}", canonical)


async def test_openapi_documents_every_api_route(site: Site) -> None:
    doc = (await call(site, "GET", "/api/openapi.json"))[1]
    assert doc["openapi"].startswith("3.1")
    missing = []
    routes = 0
    for route in site.client.app.router.routes():  # type: ignore[union-attr]
        resource = route.resource
        if resource is None or route.method == "HEAD":
            continue
        path = _openapi_path(resource.canonical)
        if not path.startswith("/api/"):
            continue
        routes += 1
        operation = doc["paths"].get(path, {}).get(route.method.lower())
        if operation is None:
            missing.append(f"{route.method} {path}")
            continue
        declared = {p["name"] for p in operation.get("parameters", []) if "name" in p}
        for name in re.findall(r"\{(\w+)\}", path):
            if name not in declared:
                missing.append(f"{route.method} {path}: path parameter {name}")
    assert missing == []
    assert routes >= len(ENDPOINTS)


async def test_openapi_lists_only_real_routes_and_refs_resolve(site: Site) -> None:
    doc = (await call(site, "GET", "/api/openapi.json"))[1]
    served = {
        (_openapi_path(r.resource.canonical), r.method.lower())
        for r in site.client.app.router.routes()  # type: ignore[union-attr]
        if r.resource is not None
    }
    documented = {(p, m) for p, ops in doc["paths"].items() for m in ops}
    assert documented <= served
    assert {(m, p) for m, p, _ in ENDPOINTS} == {
        (m.upper(), p.replace("{id}", "{r3}").replace("{number}", "1").replace("{report}", "deals"))
        for p, m in documented
    }

    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            found = [node["$ref"]] if "$ref" in node else []
            return found + [r for v in node.values() for r in refs(v)]
        if isinstance(node, list):
            return [r for v in node for r in refs(v)]
        return []

    for ref in refs(doc):
        target: Any = doc
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        assert target, ref
