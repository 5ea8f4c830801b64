"""Personal links and feed tokens: unguessable, revocable, and expiring a month after
the fair (or after their own issue, if that is later), on SQLite and PostgreSQL.

The small fair of tests/factories.py runs 2026-11-27 and -28, 09:00–12:00 Shanghai
(UTC+8), so it ends 2026-11-28 04:00 UTC and a link issued before then works until
2026-12-28 04:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from fair.errors import Forbidden
from fair.models import AccessToken, Fair, Participant, TokenKind
from fair.tokens import (
    GRACE_DAYS,
    expires_at,
    fair_end,
    hash_token,
    issue_token,
    participant_for_token,
    revoke_tokens,
    token_is_live,
)

pytestmark = pytest.mark.integration
FAIR_ENDS = datetime(2026, 11, 28, 4, 0, tzinfo=UTC)


def person(session: Session, key: str) -> Participant:
    found: Participant = session.exec(select(Participant).where(Participant.key == key)).one()
    return found


def issued_at(session: Session, token: str, when: datetime) -> None:
    row = session.exec(select(AccessToken).where(AccessToken.token_hash == hash_token(token))).one()
    row.created_at = when
    session.add(row)
    session.flush()


def test_fair_end_is_the_last_day_close_in_fair_time(db: Session) -> None:
    fair = db.exec(select(Fair)).one()
    assert fair_end(fair) == FAIR_ENDS


def test_link_issued_before_the_fair_works_a_month_after_it(db: Session) -> None:
    cn1 = person(db, "cn1")
    token = issue_token(db, cn1, TokenKind.MAGIC)
    issued_at(db, token, datetime(2026, 10, 1, tzinfo=UTC))
    last_moment = FAIR_ENDS + timedelta(days=GRACE_DAYS) - timedelta(seconds=1)
    assert participant_for_token(db, token, TokenKind.MAGIC, last_moment).id == cn1.id
    assert token_is_live(db, cn1.id or 0, hash_token(token), last_moment)
    expired = FAIR_ENDS + timedelta(days=GRACE_DAYS)
    with pytest.raises(Forbidden, match="expired on 2026-12-28"):
        participant_for_token(db, token, TokenKind.MAGIC, expired)
    assert not token_is_live(db, cn1.id or 0, hash_token(token), expired)


def test_link_reissued_after_the_fair_gets_its_own_month(db: Session) -> None:
    de1 = person(db, "de1")
    late = FAIR_ENDS + timedelta(days=45)
    token = issue_token(db, de1, TokenKind.FEED)
    issued_at(db, token, late)
    row = db.exec(select(AccessToken).where(AccessToken.token_hash == hash_token(token))).one()
    fair = db.exec(select(Fair)).one()
    assert expires_at(fair, row.created_at) == late + timedelta(days=GRACE_DAYS)
    assert participant_for_token(db, token, TokenKind.FEED, late + timedelta(days=29)).key == "de1"
    with pytest.raises(Forbidden, match="expired"):
        participant_for_token(db, token, TokenKind.FEED, late + timedelta(days=GRACE_DAYS))


def test_revoked_unknown_and_wrong_kind_say_the_same(db: Session) -> None:
    kr1 = person(db, "kr1")
    token = issue_token(db, kr1, TokenKind.MAGIC)
    for bad, kind in ((token, TokenKind.FEED), ("x" * 43, TokenKind.MAGIC), ("", TokenKind.MAGIC)):
        with pytest.raises(Forbidden, match="not valid"):
            participant_for_token(db, bad, kind)
    assert revoke_tokens(db, kr1, TokenKind.MAGIC) == 1
    with pytest.raises(Forbidden, match="not valid or has been replaced"):
        participant_for_token(db, token, TokenKind.MAGIC)
    assert not token_is_live(db, kr1.id or 0, hash_token(token))


def test_session_check_wants_the_same_participant(db: Session) -> None:
    kr1, kr2 = person(db, "kr1"), person(db, "kr2")
    token = issue_token(db, kr1, TokenKind.MAGIC)
    assert token_is_live(db, kr1.id or 0, hash_token(token))
    assert not token_is_live(db, kr2.id or 0, hash_token(token))
    assert not token_is_live(db, kr1.id or 0, "")


def test_sign_ins_checked_together_say_what_each_alone_says(db: Session) -> None:
    """`signed_in_many` (the connections of a slot change, checked in one go) answers
    each identity as `signed_in` does alone: live and revoked links, a link of someone
    else, signed out before and after the session began, organisers known and not."""
    from fair.accounts import create_organiser, end_sessions, signed_in, signed_in_many

    now = datetime.now(UTC)
    cn1, kr1 = person(db, "cn1"), person(db, "kr1")
    live = hash_token(issue_token(db, cn1, TokenKind.MAGIC))
    old = hash_token(issue_token(db, kr1, TokenKind.MAGIC))
    fresh = hash_token(issue_token(db, kr1, TokenKind.MAGIC))  # replaces `old`
    organiser = create_organiser(db, "o@example.com", "correct horse battery", "O")
    end_sessions(db, f"p:{kr1.id}", now)
    db.flush()
    before, after = (
        (now - timedelta(minutes=5)).timestamp(),
        (now + timedelta(seconds=1)).timestamp(),
    )
    whos: list[dict[str, object]] = [
        {"participant": cn1.id, "token_hash": live, "iat": before},
        {"participant": cn1.id, "token_hash": fresh, "iat": before},  # someone else's link
        {"participant": kr1.id, "token_hash": old, "iat": after},  # replaced
        {"participant": kr1.id, "token_hash": fresh, "iat": before},  # signed out since
        {"participant": kr1.id, "token_hash": fresh, "iat": after},
        {"organiser": organiser.id, "iat": before},
        {"organiser": 999_999, "iat": before},
        {},
    ]
    together = signed_in_many(db, whos)
    assert together == [signed_in(db, who) for who in whos]
    assert together == [True, False, False, False, True, True, False, False]
