"""Settings: defaults, config file, environment, and clear errors for bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from fair.errors import InvalidInput
from fair.settings import SETTINGS, Settings, load_settings

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]


def test_settings_defaults_serve_embedded_case() -> None:
    settings = load_settings(None, environ={})
    assert settings.database_url.startswith("sqlite:")
    assert settings.redis_url == ""
    assert settings == Settings()


def test_settings_repo_config_file_loads() -> None:
    settings = load_settings(ROOT / "config.toml", environ={})
    assert settings.server_port == 8080


def test_settings_environment_overrides_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[database]\nurl = "sqlite:///a.sqlite"\n[solver]\nworkers = 1\n')
    env = {
        "FAIR_DATABASE_URL": "postgresql+psycopg://u@h/db",
        "FAIR_REDIS_URL": "redis://127.0.0.1:6379/0",
        "FAIR_SOLVER_TIME_LIMIT": "7.5",
        "FAIR_SECRET_KEY": "s3cret",
    }
    settings = load_settings(path, environ=env)
    assert settings.database_url == "postgresql+psycopg://u@h/db"
    assert settings.redis_url == "redis://127.0.0.1:6379/0"
    assert settings.solver_time_limit == 7.5
    assert settings.solver_workers == 1
    assert settings.secret_key == "s3cret"


def test_settings_unknown_key_fails_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[solver]\ntimelimit = 3\n")
    with pytest.raises(InvalidInput, match=r"unknown key solver.timelimit"):
        load_settings(path, environ={})


def test_settings_unknown_section_fails(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[solvr]\n")
    with pytest.raises(InvalidInput, match=r"unknown section \[solvr\]"):
        load_settings(path, environ={})


def test_settings_bad_value_fails_naming_origin() -> None:
    with pytest.raises(InvalidInput, match=r"FAIR_SERVER_PORT: server\.port must be a whole"):
        load_settings(None, environ={"FAIR_SERVER_PORT": "eighty"})


def test_settings_unknown_environment_variable_fails() -> None:
    with pytest.raises(InvalidInput, match="FAIR_DATABSE_URL"):
        load_settings(None, environ={"FAIR_DATABSE_URL": "sqlite://"})


def test_settings_secret_only_from_environment(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[server]\nsecret_key = "in-a-file"\n')
    with pytest.raises(InvalidInput, match=r"unknown key server\.secret_key"):
        load_settings(path, environ={})
    assert load_settings(None, environ={}).with_secret().secret_key


def test_settings_every_setting_is_documented() -> None:
    doc = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    for setting in SETTINGS:
        assert f"`{setting.env}`" in doc, f"{setting.env} is not in docs/configuration.md"
