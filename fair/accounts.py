"""Organiser accounts: passwords hashed with scrypt (memory-hard, in the standard library)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from fair.errors import Conflict, Forbidden, InvalidInput
from fair.models import AccessToken, Organiser, SessionCutoff, TokenKind
from fair.tokens import live_tokens

# scrypt cost: n=2**15, r=8 takes ~60 ms and 32 MiB here, which slows guessing without
# making sign-in feel slow.
N, R, P = 2**15, 8, 1
MAXMEM = 64 * 1024 * 1024


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=N, r=R, p=P, maxmem=MAXMEM)
    return (
        f"scrypt${N}${R}${P}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"
    )


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    expected = base64.b64decode(digest)
    actual = hashlib.scrypt(
        password.encode(),
        salt=base64.b64decode(salt),
        n=int(n),
        r=int(r),
        p=int(p),
        maxmem=MAXMEM,
        dklen=len(expected),
    )
    return hmac.compare_digest(actual, expected)


def create_organiser(session: Session, email: str, password: str, name: str = "") -> Organiser:
    email = email.strip().lower()
    if "@" not in email:
        raise InvalidInput("email: not an e-mail address")
    if len(password) < 10:
        raise InvalidInput("password: use at least 10 characters")
    if session.exec(select(Organiser).where(Organiser.email == email)).first():
        raise Conflict(f"an organiser {email} already exists")
    organiser = Organiser(email=email, name=name, password_hash=hash_password(password))
    session.add(organiser)
    session.flush()
    return organiser


def authenticate(session: Session, email: str, password: str) -> Organiser:
    organiser = session.exec(
        select(Organiser).where(Organiser.email == email.strip().lower())
    ).first()
    if organiser is None:
        hash_password(password)  # same time whether or not the account exists
        raise Forbidden("wrong e-mail or password")
    if not verify_password(password, organiser.password_hash):
        raise Forbidden("wrong e-mail or password")
    return organiser


def end_sessions(session: Session, holder: str, now: datetime) -> None:
    """End every session of `holder` ("o:<id>" or "p:<id>") issued before `now`."""
    row = session.get(SessionCutoff, holder)
    if row is None:
        row = SessionCutoff(holder=holder, after=now)
    row.after = max(row.after, now)
    session.add(row)


def session_live(session: Session, holder: str, issued: float) -> bool:
    """Whether a session of `holder` issued at `issued` (seconds since the epoch) is
    still on: not signed out since."""
    row = session.get(SessionCutoff, holder)
    return row is None or datetime.fromtimestamp(issued, UTC) >= row.after


def signed_in(session: Session, who: dict[str, object]) -> bool:
    """Whether a live connection's identity (`{"organiser": id}` or `{"participant": id,
    "token_hash": ...}`, with `iat`, from its session cookie) still holds: the organiser
    exists, the participant's link is live, and neither has signed out since."""
    return signed_in_many(session, [who])[0]


def signed_in_many(session: Session, whos: Sequence[Mapping[str, object]]) -> list[bool]:
    """`signed_in` of each identity, in three statements at most however many (the
    connections of a slot change are checked together)."""
    organisers: set[int] = set()
    links: set[tuple[int, str]] = set()
    holders: set[str] = set()
    for who in whos:
        if who.get("organiser") is not None:
            organisers.add(int(str(who["organiser"])))
            holders.add(f"o:{who['organiser']}")
        elif who.get("participant") is not None:
            links.add((int(str(who["participant"])), str(who.get("token_hash", ""))))
            holders.add(f"p:{who['participant']}")
    known = (
        set(session.exec(select(Organiser.id).where(col(Organiser.id).in_(sorted(organisers)))))
        if organisers
        else set()
    )
    live = live_tokens(session, links)
    cutoffs = (
        {
            row.holder: row.after
            for row in session.exec(
                select(SessionCutoff).where(col(SessionCutoff.holder).in_(sorted(holders)))
            )
        }
        if holders
        else {}
    )

    def holds(who: Mapping[str, object]) -> bool:
        issued = datetime.fromtimestamp(float(str(who.get("iat", 0) or 0)), UTC)
        if who.get("organiser") is not None:
            oid = int(str(who["organiser"]))
            holder, ok = f"o:{oid}", oid in known
        elif who.get("participant") is not None:
            pid = int(str(who["participant"]))
            holder, ok = f"p:{pid}", (pid, str(who.get("token_hash", ""))) in live
        else:
            return False
        cutoff = cutoffs.get(holder)
        return ok and (cutoff is None or issued >= cutoff)

    return [holds(who) for who in whos]


@dataclass(frozen=True)
class Ended:
    """Sessions that ended recently (`ended_since`): people who signed out (holder →
    the cutoff: their sessions issued before it are over) and sign-in links revoked or
    replaced (their hashes: every session they opened is over)."""

    cutoffs: Mapping[str, datetime]
    tokens: frozenset[str]

    def __bool__(self) -> bool:
        return bool(self.cutoffs or self.tokens)

    def ends(self, who: Mapping[str, object]) -> bool:
        """Whether a live connection's identity (as `signed_in` takes it) is among them."""
        issued = datetime.fromtimestamp(float(str(who.get("iat", 0) or 0)), UTC)
        for kind, key in (("o", "organiser"), ("p", "participant")):
            if who.get(key) is not None:
                cutoff = self.cutoffs.get(f"{kind}:{who[key]}")
                if cutoff is not None and issued < cutoff:
                    return True
        return bool(who.get("token_hash")) and str(who.get("token_hash")) in self.tokens


def ended_since(session: Session, since: datetime) -> Ended:
    """The sign-outs and the sign-in links revoked or replaced at or after `since`."""
    cutoffs = {
        row.holder: row.after
        for row in session.exec(select(SessionCutoff).where(col(SessionCutoff.after) >= since))
    }
    tokens = frozenset(
        session.exec(
            select(AccessToken.token_hash).where(
                AccessToken.kind == TokenKind.MAGIC, col(AccessToken.revoked_at) >= since
            )
        ).all()
    )
    return Ended(cutoffs, tokens)
