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

from .errors import VerifyInputError
from .expectations import Expectations, check_consistency, load_expectations
from .facts import Settings, build_facts
from .outputs import load_outputs
from .plugin import FAILED, CheckResult, FactsPlugin
from .report import render_json, render_table

SUITE_DIR = Path(__file__).parent / "suite"
FORMATS = ("table", "json")
EXIT_PASSED, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


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
    ca_bundle: Path | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Verify environment `env` from its outputs file; 0 all pass, 1 failures, 2 bad input.

    `expectations` defaults to the ones of `stacks_dir/Pulumi.<env>.yaml`.
    """
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        _check_options(output_format, timeout, ca_bundle)
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
        print(f"error: {exc.one_line()}", file=err)
        return EXIT_INVALID

    settings = Settings(timeout=timeout, ca_bundle=ca_bundle, aws_endpoint=aws_endpoint)
    facts = build_facts(outputs, expected, settings)
    started = time.monotonic()
    results, problems = run_suite(facts_plugin=FactsPlugin(facts), hosts=hosts)
    elapsed = time.monotonic() - started
    secrets = facts.secrets.known_secrets()
    results = [_redacted(r, secrets) for r in results]
    if problems:
        for problem in problems:
            print(f"error: verification suite: {_scrub(problem, secrets)}", file=err)
        return EXIT_FAILED
    if not results:
        print(f"error: {outputs_file}: no stores to verify; check the stack's outputs", file=err)
        return EXIT_INVALID
    render = render_json if output_format == "json" else render_table
    render(results, env, elapsed, out)
    return EXIT_FAILED if any(r.status == FAILED for r in results) else EXIT_PASSED


def run_suite(facts_plugin: FactsPlugin, hosts: str) -> tuple[list[CheckResult], list[str]]:
    """Run the shipped suite in-process; return results and suite-level problems."""
    args = [
        str(SUITE_DIR),
        f"--hosts={hosts}",
        # The suite is the product: ignore the caller's pytest configuration and caches.
        "-c",
        os.devnull,
        f"--rootdir={SUITE_DIR}",
        "--import-mode=importlib",
        "-p",
        "no:cacheprovider",
        # Plain asserts keep a failure's message exactly the check's one sentence.
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


def _check_options(output_format: str, timeout: float, ca_bundle: Path | None) -> None:
    if output_format not in FORMATS:
        raise VerifyInputError(
            "--format", "", f"unknown format {output_format!r}", "use table or json"
        )
    if not timeout > 0:
        raise VerifyInputError(
            "--timeout", "", f"must be positive, got {timeout}", "pass seconds > 0"
        )
    if ca_bundle is not None and not ca_bundle.is_file():
        raise VerifyInputError(
            ca_bundle,
            "",
            "CA bundle not found",
            "download the AWS RDS global bundle (global-bundle.pem) and pass its path",
        )


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


def _redacted(result: CheckResult, secrets: list[str]) -> CheckResult:
    """Defence in depth: no check should echo a password, but none may reach the output."""
    return replace(result, detail=_scrub(result.detail, secrets))
