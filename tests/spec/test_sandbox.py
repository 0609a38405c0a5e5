"""The sandbox's measures: weights count shared values each time, budgets stop work."""

from __future__ import annotations

import time

import pytest

from stackspec.sandbox import MAX_SIZE, BoundedSandbox, Budget, FileBudgetSpent, weigh


def test_a_shared_list_weighs_once_per_appearance() -> None:
    inner = ["ab"] * 3  # 1 + 3 * 2
    assert weigh([inner, inner], {}) == 1 + 2 * 7


def test_weighing_stops_past_the_limit_and_a_cycle_is_over_it() -> None:
    bomb: list[object] = ["x" * 10]
    for _ in range(30):  # 2**30 appearances: weighed in microseconds, not expanded
        bomb = [bomb, bomb]
    started = time.monotonic()
    assert weigh(bomb, {}, limit=MAX_SIZE) > MAX_SIZE
    assert time.monotonic() - started < 0.1
    cycle: list[object] = []
    cycle.append(cycle)
    assert weigh(cycle, {}, limit=10) > 10


def test_a_dict_weighs_its_keys_and_values() -> None:
    assert weigh({"ab": "cde"}, {}) == 1 + 2 + 3


def test_a_spent_budget_stops_every_later_check() -> None:
    budget = Budget(seconds=0.0)
    time.sleep(0.001)
    with pytest.raises(FileBudgetSpent, match="longer than 0 s"):
        budget.check()


def test_templates_render_normally_within_the_limits() -> None:
    env = BoundedSandbox(Budget())
    text = "{% for b in buckets %}{{ b|upper }}{{ ',' if not loop.last }}{% endfor %}"
    assert env.from_string(text).render(buckets=["a", "b"]) == "A,B"
    assert env.from_string("{{ '%05d'|format(42) }} {{ '{:>4}'.format(7) }}").render() == (
        "00042    7"
    )
