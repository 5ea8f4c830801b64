"""The benchmark's instances come through the real generator, importer and planning."""

from __future__ import annotations

import pytest

from bench.scheduler import generated_problem
from scheduler.baselines import greedy
from scheduler.validate import validate

pytestmark = pytest.mark.integration


def test_generated_problem_small_is_a_valid_fair() -> None:
    problem = generated_problem("small", 2)
    assert len(problem.requests) > 100
    assert len(problem.slots) > 10
    assert {p.timezone for p in problem.people.values()} >= {"Asia/Shanghai", "Asia/Seoul"}
    result = greedy(problem)
    assert result.assignments
    assert validate(problem, result.assignments) == []


def test_generated_problem_is_deterministic() -> None:
    assert generated_problem("small", 5).requests == generated_problem("small", 5).requests


def test_unit_weights_make_the_solver_count_meetings() -> None:
    from bench.scheduler import unit_weights
    from scheduler.problem import Options
    from scheduler.solve import solve

    problem = unit_weights(generated_problem("small", 2))
    assert {r.weight for r in problem.requests} == {1}
    result = solve(problem, Options(time_limit=10, workers=1, seed=0, levels=1))
    level1 = result.levels[0]
    # Weight is now the number of meetings, and no schedule holds more than the bound.
    assert level1.value == len(result.assignments) <= level1.bound
    assert len(result.assignments) >= len(greedy(problem).assignments)


def test_per_scale_limits_parse_and_a_bad_one_is_named() -> None:
    from bench.scheduler import _limits

    assert _limits("video=20, mega=300") == {"video": 20.0, "mega": 300.0}
    assert _limits("") == {}
    with pytest.raises(SystemExit, match="'mega=five' is not scale=seconds"):
        _limits("video=20,mega=five")


def test_busy_loops_spin_for_the_block_and_end_with_it() -> None:
    import time

    from bench.scheduler import busy_loops

    with busy_loops(2) as procs:
        assert len(procs) == 2
        time.sleep(0.3)
        assert all(p.poll() is None for p in procs)  # still spinning
        cpu = [_cpu_seconds(p.pid) for p in procs]
    assert all(p.poll() is not None for p in procs)
    assert all(c > 0.0 for c in cpu)
    with busy_loops(0) as none:
        assert none == []


def _cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of a live process, from /proc."""
    import os

    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_bench_busy_option_spins_beside_every_method(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`fair bench scheduler --busy 2`: two spinning processes run while the methods do,
    and none is left after."""
    import os

    import bench.runner
    import bench.scheduler
    from scheduler.problem import Options, Problem
    from tests.scheduler.factories import make_fair

    real_run = bench.runner.run
    seen: list[int] = []

    def spinning() -> int:
        mine = str(os.getpid())
        count = 0
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = f.read().rsplit(")", 1)[1].split()[1]
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    cmdline = f.read()
            except OSError:
                continue
            count += ppid == mine and b"while True: pass" in cmdline
        return count

    def run(problems: dict[str, Problem], options: Options, **_: object) -> list[bench.runner.Row]:
        seen.append(spinning())
        return real_run(problems, options, methods=("greedy",), isolate=False)

    monkeypatch.setattr(bench.runner, "run", run)
    monkeypatch.setattr(
        bench.scheduler, "generated_problem", lambda scale, seed: make_fair(seed, requests=50)
    )
    assert bench.scheduler.main(["--scales", "small,video", "--busy", "2"]) == 0
    assert seen == [2, 2]
    assert spinning() == 0
    assert "greedy" in capsys.readouterr().out
