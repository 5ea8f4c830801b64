"""The one settings object: declared as data, loaded from `config.toml`, overridden by
the environment, checked at start-up.

Every setting is a `Setting` in `SETTINGS`; its environment variable is
`FAIR_<SECTION>_<KEY>` (so `[database] url` is `FAIR_DATABASE_URL`). Unknown sections or
keys and values of the wrong type fail with a message naming the key. The secret key comes
only from the environment (`FAIR_SECRET_KEY`); without it a random one is made for the
process, which is fine for the embedded demo but logs everyone out on restart. The
TURN secret shared with coturn comes only from the environment too (`FAIR_TURN_SECRET`),
and so do Janus's API secret and VideoRoom admin key (`FAIR_JANUS_API_SECRET`,
`FAIR_JANUS_ADMIN_KEY`).
"""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from fair.errors import InvalidInput
from fair.rules import is_currency
from fair.turn import Turn


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
        "server",
        "trusted_proxies",
        str,
        "",
        "Addresses or networks of the reverse proxies in front (comma-separated, e.g. "
        "`127.0.0.1, ::1`): only a request from one of them has its `X-Forwarded-For` "
        "and `X-Forwarded-Proto` believed (the client's address for rate limits, https "
        "for cookies and origin checks). Empty trusts no one.",
    ),
    Setting(
        "server",
        "max_connections",
        int,
        10000,
        "Most open HTTP and socket.io connections one `fair serve` process holds; past it "
        "a new connection gets 503 with Retry-After and is closed before it is read.",
    ),
    Setting(
        "server",
        "head_seconds",
        float,
        30.0,
        "A connection must complete a request's line and headers within this many "
        "seconds of opening or of its last answer, or it is closed (slow clients, idle "
        "keep-alive); requests being handled and websockets are never cut.",
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
    Setting(
        "calendar",
        "reminder_minutes",
        int,
        15,
        "Minutes before each meeting that calendars remind (VALARM); 0 turns reminders off.",
    ),
    Setting(
        "calendar",
        "upload_seconds",
        float,
        20.0,
        "Seconds the reader of one uploaded busy-time calendar may run before the upload "
        "is refused (docs/calendars.md).",
    ),
    Setting("smtp", "host", str, "", "SMTP server; empty keeps e-mails in the outbox folder."),
    Setting("smtp", "port", int, 587, "SMTP port."),
    Setting("smtp", "username", str, "", "SMTP user (password: FAIR_SMTP_PASSWORD)."),
    Setting("smtp", "from_address", str, "fair@localhost", "Sender address of e-mails."),
    Setting("smtp", "starttls", bool, True, "Upgrade the SMTP connection with STARTTLS."),
    Setting(
        "smtp",
        "outbox",
        str,
        "var/outbox",
        "Folder where e-mails are written as .eml files; with an SMTP host it is the "
        "queue they are sent from (sent ones move to `sent/`).",
    ),
    Setting(
        "deals",
        "rates",
        dict,
        {},
        "Exchange rates to the fair's reporting currency: a table of ISO 4217 code → value "
        "of one unit, e.g. `{ KRW = 0.00072, CNY = 0.14 }`. Deals in other currencies than "
        "the fair's and these are refused. Environment: a JSON object.",
    ),
    Setting(
        "rooms",
        "no_show_minutes",
        int,
        10,
        "Minutes after a meeting's start after which a side that has not joined its video "
        "room is marked no-show.",
    ),
    Setting(
        "rooms",
        "ice_servers",
        list,
        [],
        "STUN/TURN servers handed to the browsers, as WebRTC `RTCIceServer`s: an array of "
        "tables with `urls` and optional `username`, `credential`. Empty is fine on one "
        "network. Environment: a JSON array.",
    ),
    Setting(
        "rooms",
        "turn_urls",
        list,
        [],
        "TURN servers (`turn:`/`turns:` URLs) for which each participant gets their own "
        "credentials per meeting and roadshow, minted with the secret shared with coturn "
        "(`FAIR_TURN_SECRET`, `use-auth-secret`); empty mints none. Environment: a JSON "
        "array.",
    ),
    Setting(
        "rooms",
        "turn_ttl_minutes",
        int,
        30,
        "Minutes after a meeting's (or roadshow's) end until its TURN credentials expire.",
    ),
    Setting(
        "stage",
        "audience_limit",
        int,
        50,
        "Most viewers in one roadshow's live audience when the presenter sends video to "
        "each viewer over its own WebRTC connection (no media server); a roadshow may set "
        "a lower limit.",
    ),
    Setting(
        "stage",
        "janus_url",
        str,
        "",
        "The HTTP API of the Janus WebRTC Server that carries the stages "
        "(`http://127.0.0.1:8088/janus`; the server talks to it, browsers never do), or "
        "several instances' APIs, comma-separated: each roadshow's room goes on one of "
        "them (docs/deploy.md); "
        "empty: peer-to-peer with `stage.audience_limit`. Its API secret and VideoRoom "
        "admin key come from FAIR_JANUS_API_SECRET and FAIR_JANUS_ADMIN_KEY.",
    ),
    Setting(
        "stage",
        "janus_capacity",
        int,
        500,
        "Most viewers one Janus instance carries at once, over the live stages placed "
        "on it; with Janus it is also the most a roadshow may admit.",
    ),
    Setting(
        "stage",
        "recordings_dir",
        str,
        "var/recordings",
        "Where Janus records each stage carried through it (the host's feed) and where "
        "the app converts the recordings into replays: the same path for both, so on "
        "another machine than Janus a shared directory.",
    ),
    Setting(
        "database",
        "request_seconds",
        float,
        20.0,
        "A request's database work must finish (a read) or start (a write) within this "
        "many seconds, or the request is answered 503 (database unavailable).",
    ),
    Setting(
        "limits",
        "api_body_kib",
        int,
        64,
        "Largest JSON body the API accepts, in KiB; a larger one gets 413 before it is read.",
    ),
    Setting(
        "limits",
        "form_kib",
        int,
        1024,
        "Largest body of a page form (sign-in, requests, availability...), in KiB; 413 above.",
    ),
    Setting(
        "limits",
        "upload_mib",
        int,
        60,
        "Largest organiser import upload (all files of one import together), in MiB; 413 above.",
    ),
    Setting(
        "limits",
        "socket_kib",
        int,
        64,
        "Largest socket.io message, in KiB; a client that sends a larger one is disconnected.",
    ),
    Setting(
        "limits",
        "sockets_per_person",
        int,
        30,
        "Most live connections (browser pages with live updates) one person may hold open "
        "on one server process; the next is refused until one closes.",
    ),
    Setting(
        "limits",
        "sockets_per_address",
        int,
        1000,
        "Most live connections from one client address on one server process (a venue's "
        "Wi-Fi puts many people behind one address); the next is refused.",
    ),
)

ICE_KEYS = {"urls", "username", "credential"}


@dataclass(frozen=True)
class Settings:
    """Typed, immutable settings. Build in code for tests: `Settings(database_url=...)`."""

    server_host: str = "127.0.0.1"
    server_port: int = 8080
    server_base_url: str = ""
    server_trusted_proxies: str = ""
    server_max_connections: int = 10000
    server_head_seconds: float = 30.0
    database_url: str = "sqlite:///var/fair.sqlite"
    database_request_seconds: float = 20.0
    redis_url: str = ""
    solver_time_limit: float = 30.0
    solver_workers: int = 2
    solver_seed: int = 0
    calendar_reminder_minutes: int = 15
    calendar_upload_seconds: float = 20.0
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_from_address: str = "fair@localhost"
    smtp_starttls: bool = True
    smtp_outbox: str = "var/outbox"
    # Tables from config.toml are kept as tuples so the settings stay immutable and hashable.
    deals_rates: tuple[tuple[str, float], ...] = ()
    rooms_no_show_minutes: int = 10
    rooms_ice_servers: tuple[tuple[tuple[str, Any], ...], ...] = ()
    rooms_turn_urls: tuple[str, ...] = ()
    rooms_turn_ttl_minutes: int = 30
    stage_audience_limit: int = 50
    stage_janus_url: str = ""
    stage_janus_capacity: int = 500
    stage_recordings_dir: str = "var/recordings"
    limits_api_body_kib: int = 64
    limits_form_kib: int = 1024
    limits_upload_mib: int = 60
    limits_socket_kib: int = 64
    limits_sockets_per_person: int = 30
    limits_sockets_per_address: int = 1000
    secret_key: str = ""
    smtp_password: str = ""  # only from the environment (FAIR_SMTP_PASSWORD)
    turn_secret: str = ""  # only from the environment (FAIR_TURN_SECRET)
    janus_api_secret: str = ""  # only from the environment (FAIR_JANUS_API_SECRET)
    janus_admin_key: str = ""  # only from the environment (FAIR_JANUS_ADMIN_KEY)

    @property
    def rates(self) -> dict[str, Decimal]:
        """Currency code → value of one unit in the fair's reporting currency."""
        return {code: Decimal(str(rate)) for code, rate in self.deals_rates}

    @property
    def ice_servers(self) -> list[dict[str, Any]]:
        """The `iceServers` of an `RTCPeerConnection`."""
        return [dict(server) for server in self.rooms_ice_servers]

    @property
    def turn(self) -> Turn | None:
        """Where TURN credentials are minted from; None without URLs or secret."""
        if not self.rooms_turn_urls or not self.turn_secret:
            return None
        return Turn(self.rooms_turn_urls, self.turn_secret, self.rooms_turn_ttl_minutes)

    @property
    def audience_max(self) -> int:
        """The most viewers a roadshow may admit: the media server's capacity with
        Janus, else the peer-to-peer limit."""
        return self.stage_janus_capacity if self.stage_janus_url else self.stage_audience_limit

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
    if setting.type is dict:
        return _rates(value, where)
    if setting.type is list and setting.key == "turn_urls":
        return _turn_urls(value, where)
    if setting.type is list:
        return _ice_servers(value, where)
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


def _structured(value: Any, where: str) -> Any:
    """A table or array from TOML, or its JSON text from the environment."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"{where} must be JSON here: {exc}") from None
    return value


def _rates(value: Any, where: str) -> tuple[tuple[str, float], ...]:
    value = _structured(value, where)
    if isinstance(value, tuple):  # already coerced (overrides)
        value = dict(value)
    if not isinstance(value, dict):
        raise InvalidInput(f"{where} must be a table of currency code = rate, got {value!r}")
    rates = []
    for code, rate in sorted(value.items()):
        if not is_currency(code):
            raise InvalidInput(f"{where}: {code!r} is not an ISO 4217 code like KRW")
        if isinstance(rate, bool) or not isinstance(rate, int | float) or rate <= 0:
            raise InvalidInput(f"{where}.{code} must be a positive number, got {rate!r}")
        rates.append((code, float(rate)))
    return tuple(rates)


def _ice_servers(value: Any, where: str) -> tuple[tuple[tuple[str, Any], ...], ...]:
    value = _structured(value, where)
    if not isinstance(value, list | tuple):
        raise InvalidInput(f"{where} must be an array of tables with urls, got {value!r}")
    servers = []
    for n, server in enumerate(value, 1):
        server = dict(server) if isinstance(server, tuple) else server
        if not isinstance(server, dict):
            raise InvalidInput(f"{where}[{n}] must be a table with urls, got {server!r}")
        unknown = set(server) - ICE_KEYS
        if unknown:
            raise InvalidInput(f"{where}[{n}]: unknown key {', '.join(sorted(unknown))}")
        urls = server.get("urls")
        if isinstance(urls, list | tuple):
            urls = tuple(urls)
        if not urls or not all(
            isinstance(u, str) and u.startswith(("stun:", "turn:", "turns:"))
            for u in (urls if isinstance(urls, tuple) else (urls,))
        ):
            raise InvalidInput(f"{where}[{n}].urls must be stun:/turn:/turns: URLs, got {urls!r}")
        for key in ("username", "credential"):
            if key in server and not isinstance(server[key], str):
                raise InvalidInput(f"{where}[{n}].{key} must be text")
        servers.append(tuple(sorted({**server, "urls": urls}.items())))
    return tuple(servers)


def _turn_urls(value: Any, where: str) -> tuple[str, ...]:
    value = _structured(value, where)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        raise InvalidInput(f"{where} must be an array of turn:/turns: URLs, got {value!r}")
    for n, url in enumerate(value, 1):
        if not isinstance(url, str) or not url.startswith(("turn:", "turns:")) or " " in url:
            raise InvalidInput(f"{where}[{n}] must be a turn:/turns: URL, got {url!r}")
    return tuple(value)


def trusted_networks(text: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """`server.trusted_proxies` as networks; InvalidInput names a bad entry."""
    found = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        try:
            found.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise InvalidInput(
                f"server.trusted_proxies: {item!r} is not an address or network"
            ) from None
    return tuple(found)


def _check(values: dict[str, Any]) -> None:
    trusted_networks(values["server_trusted_proxies"])
    if not 10 <= values["server_max_connections"] <= 1_000_000:
        raise InvalidInput("server.max_connections must be 10–1000000")
    if not 1 <= values["server_head_seconds"] <= 3600:
        raise InvalidInput("server.head_seconds must be 1–3600")
    if values["server_port"] <= 0 or values["server_port"] > 65535:
        raise InvalidInput(f"server.port must be 1–65535, got {values['server_port']}")
    if values["solver_time_limit"] <= 0:
        raise InvalidInput("solver.time_limit must be positive")
    if values["solver_workers"] < 1:
        raise InvalidInput("solver.workers must be at least 1")
    if not 0 <= values["calendar_reminder_minutes"] <= 10080:
        raise InvalidInput("calendar.reminder_minutes must be 0–10080 (0 = no reminder)")
    if not 0 < values["calendar_upload_seconds"] <= 600:
        raise InvalidInput("calendar.upload_seconds must be more than 0 and at most 600")
    if values["smtp_port"] <= 0 or values["smtp_port"] > 65535:
        raise InvalidInput(f"smtp.port must be 1–65535, got {values['smtp_port']}")
    if values["rooms_no_show_minutes"] < 1:
        raise InvalidInput("rooms.no_show_minutes must be at least 1")
    if not 0 <= values["rooms_turn_ttl_minutes"] <= 10080:
        raise InvalidInput("rooms.turn_ttl_minutes must be 0–10080")
    if not 1 <= values["stage_audience_limit"] <= 500:
        raise InvalidInput("stage.audience_limit must be 1–500")
    if not 1 <= values["stage_janus_capacity"] <= 1_000_000:
        raise InvalidInput("stage.janus_capacity must be 1–1000000")
    if not values["stage_recordings_dir"].strip():
        raise InvalidInput("stage.recordings_dir must name a directory")
    janus = [part.strip() for part in values["stage_janus_url"].split(",")]
    if janus != [""]:
        for url in janus:
            if not url.startswith(("http://", "https://")):
                raise InvalidInput(
                    f"stage.janus_url must be http(s):// URLs, comma-separated, got {url!r}"
                )
        if len(set(janus)) != len(janus):
            raise InvalidInput("stage.janus_url lists the same Janus twice")
    names = ("api_body_kib", "form_kib", "upload_mib", "socket_kib")
    for name in (*names, "sockets_per_person", "sockets_per_address"):
        if not 1 <= values[f"limits_{name}"] <= 1024 * 1024:
            raise InvalidInput(f"limits.{name} must be 1–1048576")
    if not 0 < values["database_request_seconds"] <= 600:
        raise InvalidInput("database.request_seconds must be more than 0 and at most 600")
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
    values: dict[str, Any] = {
        s.field: _coerce(s, s.default, "default") if s.type in (dict, list) else s.default
        for s in SETTINGS
    }

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
        "FAIR_SMTP_PASSWORD",
        "FAIR_TURN_SECRET",
        "FAIR_JANUS_API_SECRET",
        "FAIR_JANUS_ADMIN_KEY",
        "FAIR_CONFIG",
        "FAIR_ORGANISER_PASSWORD",
    }
    for name in env:
        if name.startswith("FAIR_") and name not in known_env:
            raise InvalidInput(f"unknown environment variable {name}")

    secrets_only = {
        "secret_key",
        "smtp_password",
        "turn_secret",
        "janus_api_secret",
        "janus_admin_key",
    }
    field_names = {f.name for f in fields(Settings)} - secrets_only
    for name, value in (overrides or {}).items():
        if name not in field_names:
            raise InvalidInput(f"unknown setting {name}")
        if value is not None:
            values[name] = value
    _check(values)
    turn_secret = env.get("FAIR_TURN_SECRET", "")
    if values["rooms_turn_urls"] and not turn_secret:
        raise InvalidInput(
            "rooms.turn_urls is set but FAIR_TURN_SECRET is not: set the secret shared "
            "with the TURN server (static-auth-secret) in the environment"
        )
    janus_api_secret = env.get("FAIR_JANUS_API_SECRET", "")
    janus_admin_key = env.get("FAIR_JANUS_ADMIN_KEY", "")
    if values["stage_janus_url"] and not (janus_api_secret and janus_admin_key):
        raise InvalidInput(
            "stage.janus_url is set but FAIR_JANUS_API_SECRET or FAIR_JANUS_ADMIN_KEY is "
            "not: set Janus's api_secret and the VideoRoom plugin's admin_key in the "
            "environment"
        )
    return Settings(
        **values,
        secret_key=env.get("FAIR_SECRET_KEY", ""),
        smtp_password=env.get("FAIR_SMTP_PASSWORD", ""),
        turn_secret=turn_secret,
        janus_api_secret=janus_api_secret,
        janus_admin_key=janus_admin_key,
    )
