"""The pytest plugin that hands facts to the suite, runs its checks concurrently, and
collects one result per check.

Each suite test is a check: `def test_x(target, ctx) -> Verdict`. Once collection is
done the plugin knows every check and its target, so it starts them all on a pool of
workers (see :mod:`storagectl.verify.pool`); pytest then walks the items in order as
usual, and each item only waits for its own verdict, never past the run's deadline.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import pytest

from .context import Context
from .facts import Facts
from .pool import CheckPool, Job, default_deadline
from .verdict import NotVerifiable, Verdict

FACTS_KEY = pytest.StashKey[Facts]()

PASSED, FAILED, NOT_VERIFIABLE = "pass", "fail", "not verifiable"


@dataclass(frozen=True)
class CheckResult:
    """One line of the report. `detail` is raw until the runner redacts and squeezes it."""

    check: str
    target: str
    status: str
    detail: str
    description: str


class FactsPlugin:
    """Registered with `pytest.main(..., plugins=[...])` by the runner."""

    def __init__(
        self,
        facts: Facts,
        context: Context | None = None,
        *,
        deadline: float | None = None,
        started: float | None = None,
    ) -> None:
        self._facts = facts
        self._context = context or Context(facts)
        self._deadline = deadline
        self._started = time.monotonic() if started is None else started
        self.results: list[CheckResult] = []
        self.collection_errors: list[str] = []
        self.deadline_seconds = 0.0
        self._details: dict[str, str] = {}
        self._meta: dict[str, tuple[str, str, str]] = {}
        self._jobs: dict[str, Job] = {}
        self._pool: CheckPool | None = None

    def pytest_configure(self, config: pytest.Config) -> None:
        """Make the facts reachable from `pytest_generate_tests` (before any fixture)."""
        config.stash[FACTS_KEY] = self._facts

    @pytest.fixture(scope="session")
    def facts(self) -> Facts:
        """The facts of this run."""
        return self._facts

    @pytest.fixture(scope="session")
    def ctx(self) -> Context:
        """Access builders and clients shared by the checks."""
        return self._context

    def pytest_collection_modifyitems(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        """Drop cases with nothing to check; describe the rest; start them all."""
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
        runs = {}
        for item in kept:
            run = self._bind(item)
            if run is not None:
                runs[item.nodeid] = run
        self.deadline_seconds = self._deadline or default_deadline(
            self._facts.settings.timeout, len(runs)
        )
        self._pool = CheckPool(self._started + self.deadline_seconds)
        self._jobs = dict(zip(runs, self._pool.start(list(runs.values())), strict=True))

    def _bind(self, item: pytest.Item) -> Callable[[], Verdict] | None:
        """The check of `item` with its target and the context bound, or None (a bug)."""
        function = getattr(item, "function", None)
        callspec = getattr(item, "callspec", None)
        params = dict(callspec.params) if callspec else {}
        if function is None:
            return None
        kwargs: dict[str, Any] = {}
        for name in inspect.signature(function).parameters:
            if name == "ctx":
                kwargs[name] = self._context
            elif name in params:
                kwargs[name] = params[name]
            else:
                self.collection_errors.append(
                    f"{item.nodeid}: a check takes its target and `ctx` only, not {name!r}"
                )
                return None
        return lambda: function(**kwargs)

    @pytest.hookimpl(tryfirst=True)
    def pytest_pyfunc_call(self, pyfuncitem: pytest.Function) -> bool | None:
        """Wait for the item's verdict (never past the deadline) instead of calling it."""
        job = self._jobs.get(pyfuncitem.nodeid)
        if job is None or self._pool is None:
            return None
        job.done.wait(self._pool.remaining())
        if not job.done.is_set() or not job.started:
            when = "not finished" if job.started else "not started"
            pytest.fail(
                f"{when} within the run's deadline of {self.deadline_seconds:g} s "
                "(--deadline; an endpoint may be black-holed)",
                pytrace=False,
            )
        if job.error is not None:
            raise job.error
        verdict = job.verdict
        if not isinstance(verdict, Verdict):
            raise TypeError(f"the check returned {type(verdict).__name__}, not a Verdict")
        self._details[pyfuncitem.nodeid] = verdict.detail
        if not verdict.ok:
            # pytrace=False: the verdict is the whole story, and formatting a traceback
            # for every failed check costs more than the check itself.
            pytest.fail(verdict.detail, pytrace=False)
        return True

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
        """Keep the detail: the verdict's sentence, or the exception's (raw, unredacted)."""
        report = yield
        if call.excinfo is not None and call.when in ("setup", "call"):
            exc = call.excinfo.value
            if isinstance(exc, AssertionError):
                self._details[item.nodeid] = str(exc)
            elif call.excinfo.errisinstance((pytest.fail.Exception, pytest.skip.Exception)):
                self._details[item.nodeid] = str(getattr(exc, "msg", exc))
            else:
                self._details[item.nodeid] = f"{type(exc).__name__}: {exc}"
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """One result per case, from its call phase (or the setup phase if that failed)."""
        if report.when == "call" or (report.when == "setup" and not report.passed):
            check, target, description = self._meta.get(report.nodeid, (report.nodeid, "", ""))
            if report.passed:
                status = PASSED
                detail = self._details.get(report.nodeid, description)
            elif report.skipped:
                status, detail = NOT_VERIFIABLE, self._details.get(report.nodeid, "")
            else:
                status, detail = FAILED, self._details.get(report.nodeid, "failed")
            self.results.append(CheckResult(check, target, status, str(detail), description))

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """A broken suite module must not pass silently."""
        if report.failed:
            self.collection_errors.append(f"{report.nodeid}: {report.longrepr}")


def _describe(item: pytest.Item) -> tuple[str, str, str]:
    name = getattr(item, "originalname", item.name).removeprefix("test_")
    callspec = getattr(item, "callspec", None)
    params = callspec.params if callspec else {}
    targets = [getattr(v, "id", "") for k, v in params.items() if not k.startswith("_")]
    doc = (getattr(item, "function", None).__doc__ or "").strip().splitlines()
    return name, ", ".join(t for t in targets if t), doc[0] if doc else ""
