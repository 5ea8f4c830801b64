"""`lp.dual_bound`: any multipliers give an upper bound of the LP (weak duality), with a
request's positive reduced costs moved onto its row; GLOP's exact duals give the optimum."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scheduler.lp as lp
from scheduler.candidates import build_catalog
from scheduler.model import hard_model
from tests.scheduler.factories import make_fair

pytestmark = pytest.mark.unit

_P = make_fair(11, companies=25, requests=120, days=1, slots_per_day=8, tables=4, third_share=0.2)
_HM = hard_model(build_catalog(_P))
_EXACT = lp.solve_lp(_HM, 30)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    scale=st.sampled_from([0.0, 0.1, 1.0, 5.0]),
    spread=st.sampled_from([0.0, 0.5, 1.0]),
)
def test_any_duals_bound_the_lp_optimum(seed: int, scale: float, spread: float) -> None:
    import random

    assert _EXACT is not None and _EXACT.optimal
    rng = random.Random(seed)
    duals = [scale * (rng.random() - spread * 0.5) for _ in _HM.rows]
    weights = [float(_HM.vars.weight(j)) for j in range(_HM.vars.size)]
    bound, reduced = lp.dual_bound(_HM, weights, duals)
    assert bound >= _EXACT.objective - 1e-6
    assert len(reduced) == _HM.vars.size


def test_the_exact_duals_give_the_optimum_and_pdlps_at_most_a_little_more() -> None:
    assert _EXACT is not None
    assert _EXACT.bound == pytest.approx(_EXACT.objective, abs=1e-6)
    pdlp = lp.solve_pdlp(_HM, 30)
    assert pdlp is not None
    assert _EXACT.objective - 1e-6 <= pdlp.bound <= _EXACT.objective * (1 + 1e-4) + 1e-4
