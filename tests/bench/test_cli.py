"""`fair bench` and `fair drill` reach the tooling through the `fair.commands` entry
points (pyproject.toml), and each tool's module runs with `python -m`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench.cli import BENCHMARKS
from web.cli import main, tool_commands

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.unit
def test_cli_tool_commands_are_bench_and_drill() -> None:
    assert {"bench", "drill"} <= set(tool_commands())


@pytest.mark.unit
def test_cli_bench_help_lists_the_benchmarks(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--help"]) == 0
    usage = capsys.readouterr().err
    assert f"usage: fair bench {{{','.join(BENCHMARKS)}}}" in usage
    assert {"scheduler", "web", "rooms", "joins", "invite", "orders", "report"} <= set(BENCHMARKS)


@pytest.mark.unit
@pytest.mark.parametrize("argv", [["bench", "nope"], ["bench"]])
def test_cli_bench_unknown_or_missing_benchmark_exits_2(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert "usage: fair bench" in capsys.readouterr().err


@pytest.mark.unit
@pytest.mark.parametrize("name", sorted(BENCHMARKS))
def test_cli_bench_each_benchmark_has_help(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["bench", name, "--help"])
    assert exited.value.code == 0
    assert f"usage: fair bench {name}" in capsys.readouterr().out


@pytest.mark.unit
def test_cli_drill_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["drill", "--help"])
    assert exited.value.code == 0
    assert "usage: fair drill" in capsys.readouterr().out


@pytest.mark.unit
def test_cli_fair_help_lists_bench_and_drill(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    commands = {
        line.split()[0]
        for line in capsys.readouterr().out.splitlines()
        if line[:4] == " " * 4 and line[4:5].strip()
    }
    assert {"bench", "drill"} <= commands


@pytest.mark.integration
@pytest.mark.parametrize("module", ["bench.drill", "bench.rooms", "bench.web", "bench.joins"])
def test_cli_python_m_runs_the_tool(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", module, "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: fair ")
