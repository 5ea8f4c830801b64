"""The one settings object: declared as data, loaded from `config.toml`, overridden by
the environment, checked at start-up.

Every setting is a `Setting` in `SETTINGS`; its environment variable is
`FAIR_<SECTION>_<KEY>` (so `[database] url` is `FAIR_DATABASE_URL`). Unknown sections or
keys and values of the wrong type fail with a message naming the key. The secret key comes
only from the environment (`FAIR_SECRET_KEY`); without it a random one is made for the
process, which is fine for the embedded demo but logs everyone out on restart.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from fair.errors import InvalidInput


@dataclass(frozen=True)
class Setting:
    section: str
    key: str
    type: type
    default: Any
    help: str

    @property
    def env(self) -> str:
        return f"FAIR_{self.section}_{self.key}".upper()

    @property
    def field(self) -> str:
        return f"{self.section}_{self.key}"


SETTINGS: tuple[Setting, ...] = (
    Setting("server", "host", str, "127.0.0.1", "Address `fair serve` listens on."),
    Setting("server", "port", int, 8080, "Port `fair serve` listens on."),
    Setting(
        "server",
        "base_url",
        str,
        "",
        "Public URL of the site, used in links that leave the site (e-mails, calendar "
        "feeds); empty means http://host:port.",
    ),
    Setting(
        "database",
        "url",
        str,
        "sqlite:///var/fair.sqlite",
        "SQLAlchemy URL: `sqlite:///path` (default, embedded) or "
        "`postgresql+psycopg://user@host/db`. A relative SQLite path is relative to the "
        "working directory.",
    ),
    Setting(
        "redis",
        "url",
        str,
        "",
        "Redis URL (`redis://127.0.0.1:6379/0`) shared by several server processes; empty "
        "runs in one process with in-memory rooms.",
    ),
    Setting("solver", "time_limit", float, 30.0, "Seconds the solver may spend per run."),
    Setting("solver", "workers", int, 2, "CP-SAT worker threads (at most the core count)."),
    Setting("solver", "seed", int, 0, "Random seed of the solver, recorded with each run."),
)


@dataclass(frozen=True)
class Settings:
    """Typed, immutable settings. Build in code for tests: `Settings(database_url=...)`."""

    server_host: str = "127.0.0.1"
    server_port: int = 8080
    server_base_url: str = ""
    database_url: str = "sqlite:///var/fair.sqlite"
    redis_url: str = ""
    solver_time_limit: float = 30.0
    solver_workers: int = 2
    solver_seed: int = 0
    secret_key: str = ""

    @property
    def base_url(self) -> str:
        return self.server_base_url.rstrip("/") or f"http://{self.server_host}:{self.server_port}"

    def with_secret(self) -> Settings:
        """Settings with a secret key: the configured one or a random one for this process."""
        if self.secret_key:
            return self
        return replace(self, secret_key=secrets.token_urlsafe(32))


def _coerce(setting: Setting, value: Any, origin: str) -> Any:
    where = f"{origin}: {setting.section}.{setting.key}"
    if setting.type is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in {"1", "true", "yes", "0", "false", "no"}:
            return value.lower() in {"1", "true", "yes"}
        raise InvalidInput(f"{where} must be true or false, got {value!r}")
    if setting.type is int:
        if isinstance(value, bool):
            raise InvalidInput(f"{where} must be a whole number, got {value!r}")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise InvalidInput(f"{where} must be a whole number, got {value!r}") from None
    if setting.type is float:
        if isinstance(value, bool):
            raise InvalidInput(f"{where} must be a number, got {value!r}")
        try:
            return float(value)
        except (TypeError, ValueError):
            raise InvalidInput(f"{where} must be a number, got {value!r}") from None
    if not isinstance(value, str):
        raise InvalidInput(f"{where} must be text, got {value!r}")
    return value


def _check(values: dict[str, Any]) -> None:
    if values["server_port"] <= 0 or values["server_port"] > 65535:
        raise InvalidInput(f"server.port must be 1–65535, got {values['server_port']}")
    if values["solver_time_limit"] <= 0:
        raise InvalidInput("solver.time_limit must be positive")
    if values["solver_workers"] < 1:
        raise InvalidInput("solver.workers must be at least 1")
    url = values["database_url"]
    if not url.startswith(("sqlite:", "postgresql")):
        raise InvalidInput(f"database.url must be a sqlite: or postgresql URL, got {url!r}")


def load_settings(
    path: Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Load settings: defaults, then `path` (if it exists), then the environment, then
    `overrides` (field name → value, e.g. from command-line flags).

    Raises InvalidInput naming the file and key for unknown keys or bad values.
    """
    env = os.environ if environ is None else environ
    by_section: dict[str, dict[str, Setting]] = {}
    for s in SETTINGS:
        by_section.setdefault(s.section, {})[s.key] = s
    values: dict[str, Any] = {s.field: s.default for s in SETTINGS}

    if path is not None and path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise InvalidInput(f"{path}: {exc}") from None
        for section, table in data.items():
            if section not in by_section:
                known = ", ".join(sorted(by_section))
                raise InvalidInput(f"{path}: unknown section [{section}] (known: {known})")
            if not isinstance(table, dict):
                raise InvalidInput(f"{path}: [{section}] must be a table")
            for key, value in table.items():
                setting = by_section[section].get(key)
                if setting is None:
                    known = ", ".join(sorted(by_section[section]))
                    raise InvalidInput(
                        f"{path}: unknown key {section}.{key} (known in [{section}]: {known})"
                    )
                values[setting.field] = _coerce(setting, value, str(path))

    for s in SETTINGS:
        if s.env in env and env[s.env] != "":
            values[s.field] = _coerce(s, env[s.env], f"environment {s.env}")
    known_env = {s.env for s in SETTINGS} | {
        "FAIR_SECRET_KEY",
        "FAIR_CONFIG",
        "FAIR_ORGANISER_PASSWORD",
    }
    for name in env:
        if name.startswith("FAIR_") and name not in known_env:
            raise InvalidInput(f"unknown environment variable {name}")

    field_names = {f.name for f in fields(Settings)} - {"secret_key"}
    for name, value in (overrides or {}).items():
        if name not in field_names:
            raise InvalidInput(f"unknown setting {name}")
        if value is not None:
            values[name] = value
    _check(values)
    return Settings(**values, secret_key=env.get("FAIR_SECRET_KEY", ""))
