"""The pytest plugin that hands facts to the suite and collects one result per check."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import pytest

from .facts import Facts
from .tcp import one_line
from .verdict import NotVerifiable

FACTS_KEY = pytest.StashKey[Facts]()

PASSED, FAILED, NOT_VERIFIABLE = "pass", "fail", "not verifiable"


@dataclass(frozen=True)
class CheckResult:
    """One line of the report."""

    check: str
    target: str
    status: str
    detail: str
    description: str


class FactsPlugin:
    """Registered with `pytest.main(..., plugins=[...])` by the runner."""

    def __init__(self, facts: Facts) -> None:
        self._facts = facts
        self.results: list[CheckResult] = []
        self.collection_errors: list[str] = []
        self._details: dict[str, str] = {}
        self._meta: dict[str, tuple[str, str, str]] = {}

    def pytest_configure(self, config: pytest.Config) -> None:
        """Make the facts reachable from `pytest_generate_tests` (before any fixture)."""
        config.stash[FACTS_KEY] = self._facts

    @pytest.fixture(scope="session")
    def facts(self) -> Facts:
        """The facts of this run."""
        return self._facts

    def pytest_collection_modifyitems(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        """Drop cases with nothing to check; remember each case's check name and target."""
        # A store kind the environment does not have (no replicas, no buckets) yields an
        # empty parameter set, which pytest would report as a skip: it is simply no check.
        kept = []
        for item in items:
            skip = item.get_closest_marker("skip")
            if skip and str(skip.kwargs.get("reason", "")).startswith("got empty parameter set"):
                continue
            kept.append(item)
            self._meta[item.nodeid] = _describe(item)
        items[:] = kept

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, Any, Any]:
        """A check that cannot be decided here is reported as such, not as a failure."""
        try:
            return (yield)
        except NotVerifiable as exc:
            pytest.skip(str(exc))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        """Keep a one-line detail: the verdict's sentence, or the exception's."""
        report = yield
        if call.excinfo is not None and call.when in ("setup", "call"):
            exc = call.excinfo.value
            if isinstance(exc, AssertionError):
                self._details[item.nodeid] = one_line(exc)
            elif call.excinfo.errisinstance(pytest.skip.Exception):
                self._details[item.nodeid] = one_line(getattr(exc, "msg", exc))
            else:
                self._details[item.nodeid] = f"{type(exc).__name__}: {one_line(exc)}"
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """One result per case, from its call phase (or the setup phase if that failed)."""
        if report.when == "call" or (report.when == "setup" and not report.passed):
            check, target, description = self._meta.get(report.nodeid, (report.nodeid, "", ""))
            if report.passed:
                status = PASSED
                detail = dict(report.user_properties).get("detail", description)
            elif report.skipped:
                status, detail = NOT_VERIFIABLE, self._details.get(report.nodeid, "")
            else:
                status, detail = FAILED, self._details.get(report.nodeid, "failed")
            self.results.append(CheckResult(check, target, status, str(detail), description))

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """A broken suite module must not pass silently."""
        if report.failed:
            self.collection_errors.append(f"{report.nodeid}: {one_line(str(report.longrepr), 400)}")


def _describe(item: pytest.Item) -> tuple[str, str, str]:
    name = getattr(item, "originalname", item.name).removeprefix("test_")
    callspec = getattr(item, "callspec", None)
    params = callspec.params if callspec else {}
    targets = [getattr(v, "id", "") for k, v in params.items() if not k.startswith("_")]
    doc = (getattr(item, "function", None).__doc__ or "").strip().splitlines()
    return name, ", ".join(t for t in targets if t), doc[0] if doc else ""
