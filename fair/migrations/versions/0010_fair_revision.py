"""input revisions: a token per fair and per schedule version, moved by triggers

`input_revision` holds a random token per fair (scope "fair") and per schedule version
(scope "version"). Triggers on every table `fair.planning.build_problem` reads replace
the token in the same transaction as the change, so a cache keyed by the tokens
(`fair.problem_cache`) can never serve a problem older than the database, whoever
writes and in whichever process. Tokens are random, not counters: a counter bumped by a
transaction that rolls back would be reused by the next writer for different rows.

- fair scope: the fair's settings (time zone, dates, slot grid, video rooms), breaks,
  pavilions, booths, tables, companies, participants, busy times, roadshows, meeting
  requests and their attendees;
- version scope: a version's meetings (request, time, place, third seat, lock); a new
  version gets a token when it is made.

Revision ID: 0010_fair_revision
Revises: 0009_session_cutoff
Create Date: 2026-12-06 04:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_fair_revision"
down_revision: str | None = "0009_session_cutoff"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table → SQL giving the fair id of a row (NEW or OLD stands in for "ROW")
FAIR_TABLES = {
    "fair_break": "ROW.fair_id",
    "pavilion": "ROW.fair_id",
    "booth": "ROW.fair_id",
    "meeting_table": "ROW.fair_id",
    "company": "ROW.fair_id",
    "participant": "ROW.fair_id",
    "roadshow": "ROW.fair_id",
    "meeting_request": "ROW.fair_id",
    "busy_time": "(SELECT p.fair_id FROM participant p WHERE p.id = ROW.participant_id)",
    "request_attendee": "(SELECT r.fair_id FROM meeting_request r WHERE r.id = ROW.request_id)",
}
FAIR_SETTINGS = "timezone, start, days, day_start, day_end, slot_minutes, online_rooms"
MEETING_PLACE = (
    'version_id, request_id, start, "end", place_kind, booth_id, table_id, room, '
    "third_seat_id, locked"
)
TOKEN = {"sqlite": "lower(hex(randomblob(16)))", "postgresql": "gen_random_uuid()::text"}


def _bump(dialect: str, scope: str, ref: str) -> str:
    """The statement that gives `scope` `ref` a new token (NULL ref: nothing)."""
    return (
        f"INSERT INTO input_revision (scope, ref_id, token) "
        f"SELECT '{scope}', ref, {TOKEN[dialect]} FROM (SELECT {ref} AS ref) AS x "
        f"WHERE ref IS NOT NULL "
        f"ON CONFLICT (scope, ref_id) DO UPDATE SET token = excluded.token"
    )


def _triggers(dialect: str) -> list[tuple[str, str, str, list[str]]]:
    """(name, table, event, statements) of every trigger."""
    out: list[tuple[str, str, str, list[str]]] = []
    for table, ref in FAIR_TABLES.items():
        new, old = ref.replace("ROW", "NEW"), ref.replace("ROW", "OLD")
        out += [
            (f"rev_{table}_ins", table, "INSERT", [_bump(dialect, "fair", new)]),
            (
                f"rev_{table}_upd",
                table,
                "UPDATE",
                [_bump(dialect, "fair", new), _bump(dialect, "fair", old)],
            ),
            (f"rev_{table}_del", table, "DELETE", [_bump(dialect, "fair", old)]),
        ]
    out += [
        ("rev_fair_ins", "fair", "INSERT", [_bump(dialect, "fair", "NEW.id")]),
        ("rev_fair_upd", "fair", f"UPDATE OF {FAIR_SETTINGS}", [_bump(dialect, "fair", "NEW.id")]),
        ("rev_version_ins", "schedule_version", "INSERT", [_bump(dialect, "version", "NEW.id")]),
        ("rev_meeting_ins", "meeting", "INSERT", [_bump(dialect, "version", "NEW.version_id")]),
        (
            "rev_meeting_upd",
            "meeting",
            f"UPDATE OF {MEETING_PLACE}",
            [
                _bump(dialect, "version", "NEW.version_id"),
                _bump(dialect, "version", "OLD.version_id"),
            ],
        ),
        ("rev_meeting_del", "meeting", "DELETE", [_bump(dialect, "version", "OLD.version_id")]),
    ]
    return out


def upgrade() -> None:
    op.create_table(
        "input_revision",
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("ref_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("scope", "ref_id"),
    )
    dialect = op.get_bind().dialect.name
    token = TOKEN[dialect]
    op.execute(f"INSERT INTO input_revision SELECT 'fair', id, {token} FROM fair")
    op.execute(f"INSERT INTO input_revision SELECT 'version', id, {token} FROM schedule_version")
    for name, table, event, statements in _triggers(dialect):
        if dialect == "sqlite":
            body = "".join(f"{s}; " for s in statements)
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {body}END")
        else:
            body = "".join(f"{s}; " for s in statements)
            op.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN {body}RETURN NULL; END $$"
            )
            op.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {name}()"
            )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name, table, _event, _statements in _triggers(dialect):
        op.execute(
            f"DROP TRIGGER IF EXISTS {name}" + ("" if dialect == "sqlite" else f" ON {table}")
        )
        if dialect != "sqlite":
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.drop_table("input_revision")
