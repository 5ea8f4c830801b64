"""Generated demand: who asks whom, how, with whom, and what became of each request.

Buyers ask for exhibitors that offer what they need (sometimes just a famous one),
exhibitors for buyers that need what they offer, and anyone for a service provider;
then the crowded decline more and the latest requests are still pending.
"""

from __future__ import annotations

from typing import Final

from fair.sample.draft import Company, Draft, Person, Request, cumulative, pick

_SERVICE_DEMAND: Final[tuple[tuple[str, float], ...]] = (
    ("legal", 3.0),
    ("ip", 2.0),
    ("logistics", 2.0),
    ("visa", 1.5),
    ("finance", 1.0),
    ("audit", 1.0),
    ("accounting", 1.0),
)
_SEAT_SERVICES: Final[tuple[tuple[str, float], ...]] = (
    ("legal", 4.0),
    ("ip", 2.0),
    ("finance", 1.0),
    ("logistics", 1.0),
    ("audit", 0.5),
)


def demand(draft: Draft) -> None:
    """The scale's number of requests: 70% from buyers, 25% from exhibitors, the rest to
    service providers."""
    rng = draft.rng
    total = draft.spec.requests
    exhibitors = [c for c in draft.companies if c.role == "exhibitor"]
    buyers = [c for c in draft.companies if c.role == "buyer"]
    services = [c for c in draft.companies if c.role == "service"]

    by_offer: dict[str, list[Company]] = {}
    for c in exhibitors:
        for key in c.offers:
            by_offer.setdefault(key, []).append(c)
    by_need: dict[str, list[Company]] = {}
    for c in buyers:
        for key in c.needs:
            by_need.setdefault(key, []).append(c)
    offer_cum = {k: cumulative([c.popularity for c in v]) for k, v in by_offer.items()}
    need_cum = {k: cumulative([c.activity for c in v]) for k, v in by_need.items()}
    all_cum = cumulative([c.popularity for c in exhibitors])

    buyer_people = [p for c in buyers for p in c.people]
    buyer_cum = cumulative(
        [
            draft.companies[draft.people[i].company].activity * draft.people[i].weight
            for i in buyer_people
        ]
    )
    seller_people = [p for c in exhibitors for p in c.people]
    seller_cum = cumulative([draft.people[i].weight for i in seller_people])
    asking_people = buyer_people + seller_people

    targets = (round(total * 0.7), round(total * 0.25))
    target_service = total - sum(targets)

    # Buyers ask for exhibitors that offer what they need (sometimes for a famous one).
    attempts = 0
    while len(draft.requests) < targets[0] and attempts < total * 60:
        attempts += 1
        src = draft.people[rng.choices(buyer_people, cum_weights=buyer_cum)[0]]
        company = draft.companies[src.company]
        if rng.random() < 0.2:
            seller = rng.choices(exhibitors, cum_weights=all_cum)[0]
        else:
            key = rng.choice(company.needs)
            seller = rng.choices(by_offer[key], cum_weights=offer_cum[key])[0]
        if seller.country == company.country and rng.random() < 0.8:
            continue
        _ask(draft, src, seller, popular=seller.popularity)

    # Exhibitors look for buyers that need what they offer.
    goal = targets[0] + targets[1]
    attempts = 0
    while len(draft.requests) < goal and attempts < total * 60:
        attempts += 1
        src = draft.people[rng.choices(seller_people, cum_weights=seller_cum)[0]]
        company = draft.companies[src.company]
        keys = [k for k in company.offers if k in by_need]
        if not keys:
            continue
        key = rng.choice(keys)
        buyer = rng.choices(by_need[key], cum_weights=need_cum[key])[0]
        if buyer.country == company.country and rng.random() < 0.8:
            continue
        _ask(draft, src, buyer, popular=0.0)

    # Everyone may book a lawyer, an IP agent, a forwarder...
    goal += target_service
    attempts = 0
    while services and len(draft.requests) < goal and attempts < total * 60:
        attempts += 1
        src = draft.people[rng.choice(asking_people)]
        kind = pick(rng, _SERVICE_DEMAND)
        providers = [c for c in services if c.service == kind] or services
        _ask(draft, src, rng.choice(providers), popular=0.0)


def _ask(draft: Draft, src: Person, company: Company, popular: float) -> bool:
    """`src` asks someone of `company`, unless already asked; True when a request was made."""
    rng = draft.rng
    if company.index == src.company:
        return False
    weights = [draft.people[i].weight for i in company.people]
    dst = draft.people[rng.choices(company.people, weights=weights)[0]]
    key = (min(src.index, dst.index), max(src.index, dst.index))
    if key in draft.pairs or (src.index, company.index) in draft.asked:
        return False
    company_key = (min(src.company, dst.company), max(src.company, dst.company))
    if company_key in draft.company_pairs and rng.random() < 0.85:
        return False  # one meeting between two companies is usually enough
    draft.pairs.add(key)
    draft.asked.add((src.index, company.index))
    draft.company_pairs.add(company_key)

    priority = pick(rng, ((1, 0.2), (2, 0.3), (3, 0.26), (4, 0.16), (5, 0.08)))
    if popular > 0.1 and priority < 5 and rng.random() < 0.5:
        priority += 1  # everybody wants to see the famous stands
    common_days = set(src.onsite) & set(dst.onsite)
    if common_days:
        mode = pick(
            rng, list(zip(("in_person", "online", "either"), draft.spec.modes, strict=True))
        )
    else:
        mode = "online"
    length = 1
    if rng.random() < draft.spec.two_slot * (2.0 if priority >= 4 else 0.7):
        length = 2
    request = Request(src.index, dst.index, priority, mode, length)
    src_company = draft.companies[src.company]
    if len(src_company.people) > 1 and rng.random() < 0.05:
        request.with_from = (rng.choice([i for i in src_company.people if i != src.index]),)
    if len(company.people) > 1 and rng.random() < 0.04:
        request.with_to = (rng.choice([i for i in company.people if i != dst.index]),)
    request.third_seat = _third_seat(draft, src, dst, length, company.role)
    draft.requests.append(request)
    return True


def _third_seat(draft: Draft, src: Person, dst: Person, length: int, role: str) -> str:
    rng = draft.rng
    if role in ("service", "interpreter"):
        return ""
    spoken = set(src.languages)
    if not spoken & set(dst.languages):
        if rng.random() < draft.spec.interpreter_seat:
            for pair in draft.spec.interpreter_pairs:
                a, b = pair.split("-")
                if (a in spoken and b in dst.languages) or (b in spoken and a in dst.languages):
                    return f"interpreter:{pair}"
        return ""
    if length > 1 and rng.random() < draft.spec.service_seat:
        offered = [c.service for c in draft.companies if c.role == "service"]
        options = [(s, w) for s, w in _SEAT_SERVICES if s in offered]
        if options:
            return f"service:{pick(rng, options)}"
    return ""


def answers(draft: Draft) -> None:
    """Statuses and ratings: the overbooked decline more, the latest are still pending."""
    rng = draft.rng
    spec = draft.spec
    rng.shuffle(draft.requests)  # arrival order
    load: dict[int, int] = {}
    for r in draft.requests:
        load[r.dst] = load.get(r.dst, 0) + 1
    day_minutes = _minutes(spec.day_end) - _minutes(spec.day_start)
    day_minutes -= sum(_minutes(e) - _minutes(s) for s, e, _ in spec.breaks)
    capacity = spec.days * day_minutes // spec.slot_minutes
    late = int(len(draft.requests) * 0.85)
    for i, r in enumerate(draft.requests):
        crowded = min(1.0, load[r.dst] / capacity)
        pending = 0.45 if i >= late else 0.05
        x = rng.random()
        if x < pending:
            r.status = "pending"
        elif x < pending + 0.04 + 0.16 * crowded:
            r.status = "declined"
        if r.status == "accepted" and rng.random() < 0.4:
            r.to_priority = pick(rng, ((1, 0.1), (2, 0.25), (3, 0.35), (4, 0.2), (5, 0.1)))
        elif r.status == "declined" and rng.random() < 0.5:
            r.to_priority = 1


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)
