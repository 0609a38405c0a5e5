"""The check pool and host-name guard: pure units, no servers."""

from __future__ import annotations

import threading
import time

import pytest

from storagectl.verify.pool import CheckPool, default_deadline
from storagectl.verify.tcp import host_problem
from storagectl.verify.verdict import Verdict


@pytest.mark.parametrize(("checks", "seconds"), [(1, 40), (16, 40), (17, 70), (57, 130)])
def test_pool_default_deadline_grows_with_waves_of_checks(checks, seconds) -> None:
    assert default_deadline(10, checks) == seconds


def test_pool_abandons_checks_at_the_deadline() -> None:
    release = threading.Event()

    def stuck() -> Verdict:
        release.wait(10)
        return Verdict.passed("late")

    pool = CheckPool(time.monotonic() + 0.3, workers=1)
    first, second = pool.start([stuck, lambda: Verdict.passed("quick")])
    first.done.wait(pool.remaining())
    time.sleep(pool.remaining())
    release.set()
    second.done.wait(2)
    # The stuck check was running and unfinished at the deadline; the one queued behind it
    # was never started, and says so instead of running late.
    assert (first.started, second.started, second.verdict) == (True, False, None)


def test_pool_hands_back_the_check_exception() -> None:
    def broken() -> Verdict:
        raise ValueError("boom")

    pool = CheckPool(time.monotonic() + 5)
    (job,) = pool.start([broken])
    job.done.wait(5)
    assert (type(job.error), str(job.error)) == (ValueError, "boom")


@pytest.mark.parametrize(
    "host", ["db.example.com", "orders.abc123.eu-west-1.rds.amazonaws.com", "127.0.0.2", "::1"]
)
def test_host_guard_accepts_names_and_addresses(host) -> None:
    assert host_problem(host) is None


@pytest.mark.parametrize(
    "host", ["", "/var/run/postgresql", "db;rm -rf ~", "db[/]x", "a b", "-db.example", "x" * 64]
)
def test_host_guard_refuses_anything_else(host) -> None:
    assert host_problem(host) == f"not a host name or IP address: {host!r}"
