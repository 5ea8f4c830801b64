"""Participants' bearer tokens (sign-in links, calendar feeds).

A token is 32 random bytes (256 bits, URL-safe); only its SHA-256 hash is stored, so a
copy of the database gives no one access. Issuing a new token of a kind revokes the old.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlmodel import Session, col, select

from fair.errors import Forbidden
from fair.models import AccessToken, Participant, TokenKind, utcnow


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


def participant_for_token(session: Session, token: str, kind: TokenKind) -> Participant:
    """The participant a live token belongs to, or Forbidden (same answer for unknown
    and revoked tokens, so probing learns nothing)."""
    if not token or len(token) > 200:
        raise Forbidden("this link is not valid")
    row = session.exec(
        select(AccessToken).where(
            AccessToken.token_hash == hash_token(token), AccessToken.kind == kind
        )
    ).first()
    if row is None or row.revoked_at is not None:
        raise Forbidden(
            "this link is not valid or has been replaced; ask the organiser for a new one"
        )
    participant = session.get(Participant, row.participant_id)
    if participant is None:
        raise Forbidden("this link is not valid")
    return participant


def token_is_live(session: Session, participant_id: int, token_hash: str) -> bool:
    """Whether the token with this hash still opens `participant_id`'s sessions."""
    if not token_hash:
        return False
    row = session.exec(select(AccessToken).where(AccessToken.token_hash == token_hash)).first()
    return row is not None and row.participant_id == participant_id and row.revoked_at is None
