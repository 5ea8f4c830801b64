"""Participants' bearer tokens (sign-in links, calendar feeds).

A token is 32 random bytes (256 bits, URL-safe); only its SHA-256 hash is stored, so a
copy of the database gives no one access. Issuing a new token of a kind revokes the old.
A token also expires, `GRACE_DAYS` after the later of the fair's end and its own issue:
a link mailed before the fair works through it and for a month of follow-up, and one
re-issued after the fair gets its own month. Sessions a token opened end with it.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from fair.errors import Forbidden
from fair.models import AccessToken, Fair, Participant, TokenKind, utcnow

GRACE_DAYS = 30  # a token works this long after the fair's end (or its issue, if later)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(session: Session, participant: Participant, kind: TokenKind) -> str:
    """A new token for `participant` (the caller commits); earlier ones of `kind` stop
    working."""
    assert participant.id is not None
    for old in session.exec(
        select(AccessToken).where(
            AccessToken.participant_id == participant.id,
            AccessToken.kind == kind,
            col(AccessToken.revoked_at).is_(None),
        )
    ):
        old.revoked_at = utcnow()
        session.add(old)
    token = secrets.token_urlsafe(32)
    session.add(
        AccessToken(
            fair_id=participant.fair_id,
            participant_id=participant.id,
            kind=kind,
            token_hash=hash_token(token),
        )
    )
    session.flush()
    return token


def revoke_tokens(session: Session, participant: Participant, kind: TokenKind) -> int:
    """Revoke every live token of `kind`; returns how many."""
    count = 0
    for old in session.exec(
        select(AccessToken).where(
            AccessToken.participant_id == participant.id,
            AccessToken.kind == kind,
            col(AccessToken.revoked_at).is_(None),
        )
    ):
        old.revoked_at = utcnow()
        session.add(old)
        count += 1
    return count


def fair_end(fair: Fair) -> datetime:
    """The end of the fair's last day (an aware instant)."""
    last_day = fair.start + timedelta(days=fair.days - 1)
    return datetime.combine(last_day, fair.day_end, tzinfo=ZoneInfo(fair.timezone))


def expires_at(fair: Fair, issued: datetime) -> datetime:
    """When a token issued at `issued` stops working: `GRACE_DAYS` after the fair's end
    or its issue, whichever is later."""
    return max(fair_end(fair), issued) + timedelta(days=GRACE_DAYS)


class LinkExpired(Forbidden):
    """A link past its expiry; `expired_at` and the fair's `timezone` say when."""

    def __init__(self, expired_at: datetime, timezone: str) -> None:
        self.expired_at = expired_at
        self.timezone = timezone
        on = expired_at.astimezone(ZoneInfo(timezone))
        super().__init__(f"this link expired on {on:%Y-%m-%d}; ask the organiser for a new one")


def participant_for_token(
    session: Session, token: str, kind: TokenKind, now: datetime | None = None
) -> Participant:
    """The participant a live token belongs to, or Forbidden (same answer for unknown
    and revoked tokens, so probing learns nothing; an expired one says so)."""
    if not token or len(token) > 200:
        raise Forbidden("this link is not valid")
    found = session.exec(
        select(AccessToken, Fair)
        .join(Fair, col(Fair.id) == col(AccessToken.fair_id))
        .where(AccessToken.token_hash == hash_token(token), AccessToken.kind == kind)
    ).first()
    if found is None or found[0].revoked_at is not None:
        raise Forbidden(
            "this link is not valid or has been replaced; ask the organiser for a new one"
        )
    row, fair = found
    ends = expires_at(fair, row.created_at)
    if (now or utcnow()) >= ends:
        raise LinkExpired(ends, fair.timezone)
    participant = session.get(Participant, row.participant_id)
    if participant is None:
        raise Forbidden("this link is not valid")
    return participant


def token_is_live(
    session: Session, participant_id: int, token_hash: str, now: datetime | None = None
) -> bool:
    """Whether the token with this hash still opens `participant_id`'s sessions (not
    revoked, replaced or expired)."""
    return (participant_id, token_hash) in live_tokens(session, [(participant_id, token_hash)], now)


def live_tokens(
    session: Session, holders: Collection[tuple[int, str]], now: datetime | None = None
) -> set[tuple[int, str]]:
    """Which of these (participant id, token hash) pairs are still live, as
    `token_is_live` says of one: one statement for all."""
    hashes = sorted({token_hash for _, token_hash in holders if token_hash})
    if not hashes:
        return set()
    moment = now or utcnow()
    live: set[tuple[int, str]] = set()
    for row, fair in session.exec(
        select(AccessToken, Fair)
        .join(Fair, col(Fair.id) == col(AccessToken.fair_id))
        .where(col(AccessToken.token_hash).in_(hashes))
    ):
        if row.revoked_at is None and moment < expires_at(fair, row.created_at):
            live.add((row.participant_id, row.token_hash))
    return live & set(holders)


def live_token_holders(
    session: Session, fair: Fair, kind: TokenKind, now: datetime | None = None
) -> set[int]:
    """The participants of `fair` who hold a live token of `kind` (not revoked, replaced
    or expired), in one query."""
    moment = now or utcnow()
    return {
        row.participant_id
        for row in session.exec(
            select(AccessToken).where(
                AccessToken.fair_id == fair.id,
                AccessToken.kind == kind,
                col(AccessToken.revoked_at).is_(None),
            )
        )
        if moment < expires_at(fair, row.created_at)
    }
