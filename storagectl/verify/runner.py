"""`run_verify`: validate input, build facts, run the suite, print, return the exit status."""

from __future__ import annotations

import contextlib
import io
import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import TextIO

import pytest

from .context import Context
from .errors import VerifyInputError
from .expectations import Expectations, check_consistency, load_expectations
from .facts import Facts, Settings, build_facts
from .options import FORMATS, Options, check_options
from .outputs import load_outputs
from .plugin import FAILED, CheckResult, FactsPlugin
from .report import render_json, render_table
from .tcp import one_line

SUITE_DIR = Path(__file__).parent / "suite"
EXIT_PASSED, EXIT_FAILED, EXIT_INVALID = 0, 1, 2
__all__ = ["EXIT_FAILED", "EXIT_INVALID", "EXIT_PASSED", "FORMATS", "run_verify"]


def run_verify(
    env: str,
    outputs_file: Path,
    *,
    expectations: Expectations | None = None,
    stacks_dir: Path = Path("stacks"),
    hosts: str = "local://",
    aws_endpoint: str | None = None,
    output_format: str = "table",
    timeout: float = 10.0,
    deadline: float | None = None,
    ca_bundle: Path | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Verify environment `env` from its outputs file; 0 all pass, 1 failures, 2 bad input.

    `expectations` defaults to the ones of `stacks_dir/Pulumi.<env>.yaml`. The whole run
    ends within `deadline` seconds (default: derived from `timeout` and the checks).
    """
    out = out or sys.stdout
    err = err or sys.stderr
    started = time.monotonic()
    try:
        options = check_options(
            Options(output_format, timeout, deadline, aws_endpoint, hosts, ca_bundle)
        )
        # The stack file first: an unknown environment is the likelier mistake.
        expected = expectations or load_expectations(env, stacks_dir)
        outputs = load_outputs(outputs_file)
        if outputs.environment.name != env:
            raise VerifyInputError(
                outputs_file,
                "environment.name",
                f"is {outputs.environment.name!r}, not {env!r}",
                f"export the outputs of stack {env!r}",
            )
        check_consistency(outputs, expected)
    except VerifyInputError as exc:
        print(f"error: {one_line(exc.one_line(), 400)}", file=err)
        return EXIT_INVALID

    settings = Settings(timeout=timeout, ca_bundle=ca_bundle, aws_endpoint=aws_endpoint)
    facts = build_facts(outputs, expected, settings)
    plugin = FactsPlugin(
        facts, Context(facts, options.hosts), deadline=options.deadline, started=started
    )
    results, problems = run_suite(plugin)
    elapsed = time.monotonic() - started
    results = [_redacted(r, facts) for r in results]
    if problems:
        for problem in problems:
            print(f"error: verification suite: {_clean(problem, facts, 400)}", file=err)
        return EXIT_FAILED
    if not results:
        print(f"error: {outputs_file}: no stores to verify; check the stack's outputs", file=err)
        return EXIT_INVALID
    render = render_json if options.output_format == "json" else render_table
    render(results, env, elapsed, out)
    return EXIT_FAILED if any(r.status == FAILED for r in results) else EXIT_PASSED


def run_suite(facts_plugin: FactsPlugin) -> tuple[list[CheckResult], list[str]]:
    """Run the shipped suite in-process; return results and suite-level problems."""
    args = [
        str(SUITE_DIR),
        # The suite is the product: ignore the caller's pytest configuration and caches.
        "-c",
        os.devnull,
        f"--rootdir={SUITE_DIR}",
        "--import-mode=importlib",
        "-p",
        "no:cacheprovider",
        # The checks reach the vantage point through testinfra's API, not its fixtures.
        "-p",
        "no:testinfra",
        # These collect garbage repeatedly at exit to find stray exceptions: seconds per
        # run, for nothing a check could act on.
        "-p",
        "no:unraisableexception",
        "-p",
        "no:threadexception",
        "--assert=plain",
        "--capture=no",
        "-q",
    ]
    pytest_output = io.StringIO()
    with contextlib.redirect_stdout(pytest_output):
        status = pytest.main(args, plugins=[facts_plugin])
    problems = list(facts_plugin.collection_errors)
    if status in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR):
        tail = " ".join(pytest_output.getvalue().split()[-40:])
        problems.append(f"pytest exited with {status!s}: {tail}")
    return facts_plugin.results, problems


def _clean(text: str, facts: Facts, limit: int = 200) -> str:
    """Redact first, then squeeze onto one line: the other order lets secrets through."""
    return one_line(facts.secrets.scrub(text), limit)


def _redacted(result: CheckResult, facts: Facts) -> CheckResult:
    """No check should echo a password, but none may reach the output."""
    return replace(
        result,
        detail=_clean(result.detail, facts),
        target=_clean(result.target, facts),
    )
