"""`storagectl plan --program` on hostile programs: each is a failed program (exit 2, one
clear line) or a plan, never a hang, an empty clean plan or the program's exit code.

Most cases run through the real CLI in-process (typer's CliRunner: the program still runs
in a forked child); the ones about stdout/stderr and signals run `storagectl` as a
subprocess, as CI runs it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from storagectl.cli import app
from tests.driver.review_fixtures import git
from tests.plans import REPO

PROGRAMS = REPO / "tests" / "data" / "programs"


def plan(program: str, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `storagectl plan --program PROGRAM --stack dev ARGS`."""
    result = CliRunner().invoke(
        app,
        ["plan", "--program", str(PROGRAMS / program), "--stack", "dev", *args],
        env=env,
    )
    return result.exit_code, result.stdout, result.stderr


def errors(stderr: str) -> list[str]:
    """The error lines (what the program printed is shown too, prefixed)."""
    return [line for line in stderr.splitlines() if line.startswith("error:")]


def storagectl(*args: str, cwd: Path = REPO, **kwargs: object) -> subprocess.CompletedProcess[str]:
    """`python -m storagectl ARGS` as a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "storagectl", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        **kwargs,  # type: ignore[arg-type]
    )


# --- early exits ----------------------------------------------------------------------


def test_sys_exit_0_is_a_failed_program_not_an_empty_plan() -> None:
    code, stdout, stderr = plan("exit_zero", "--format", "json")
    main = PROGRAMS / "exit_zero" / "__main__.py"
    assert (code, stdout, errors(stderr)) == (
        2,
        "",
        [
            f"error: {main}:8: the program exited early with sys.exit(0); a Pulumi program "
            "must run to its end, so its resources and outputs would be incomplete"
        ],
    )


def test_sys_exit_3_gives_exit_2_not_the_programs_code() -> None:
    code, _, stderr = plan("exit_three")
    assert (code, "the program exited early with sys.exit(3)" in stderr) == (2, True)


def test_os_exit_is_a_failed_program() -> None:
    code, _, stderr = plan("os_exit")
    assert (code, errors(stderr)) == (
        2,
        [
            "error: the program ended its process early (exit status 0, e.g. os._exit(0)) "
            "before its run was recorded; a Pulumi program must run to its end"
        ],
    )


def test_forged_result_is_a_failed_program() -> None:
    code, _, stderr = plan("garbage_result")
    assert (code, errors(stderr)) == (
        2,
        ["error: the program's run could not be read back: not JSON (JSONDecodeError)"],
    )


def test_failed_thread_is_a_failed_program() -> None:
    code, _, stderr = plan("thread_resource")
    main = PROGRAMS / "thread_resource" / "__main__.py"
    assert (code, errors(stderr)[0].startswith(f"error: {main}:7: a thread of the program")) == (
        2,
        True,
    )


def test_missing_stack_output_registration_is_a_failed_program() -> None:
    code, _, stderr = plan("no_stack_outputs")
    assert (code, "never registered its stack outputs" in stderr) == (2, True)


# --- bounds ---------------------------------------------------------------------------


def test_endless_program_is_stopped_at_the_timeout() -> None:
    started = time.monotonic()
    code, _, stderr = plan("loop", "--timeout", "1")
    assert (code, errors(stderr), time.monotonic() - started < 15) == (
        2,
        ["error: the program did not finish within 1 s (--timeout); it was stopped"],
        True,
    )


@pytest.mark.parametrize("value", ["inf", "nan", "0", "-1"])
def test_timeout_must_be_positive_and_finite(value: str) -> None:
    code, _, stderr = plan("exports_only", "--timeout", value)
    assert (code, "must be a positive, finite number of seconds" in stderr) == (2, True)


def test_allocation_beyond_the_memory_ceiling_is_a_failed_program() -> None:
    code, _, stderr = plan("memory_hog", env={"STORAGECTL_PROGRAM_MEMORY_MB": "256"})
    main = PROGRAMS / "memory_hog" / "__main__.py"
    assert (code, errors(stderr)) == (
        2,
        [
            f"error: {main}:5: the program exceeded its memory ceiling (256 MiB of address "
            "space, STORAGECTL_PROGRAM_MEMORY_MB)"
        ],
    )


def test_non_daemon_thread_does_not_keep_the_plan_alive() -> None:
    started = time.monotonic()
    code, stdout, _ = plan("daemonless_thread", "--format", "json")
    names = [r["name"] for r in json.loads(stdout)["resources"]]
    assert (code, names, time.monotonic() - started < 30) == (0, ["logs"], True)


def test_process_left_by_the_program_is_stopped(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    code, _, _ = plan("lingering_process", env={"LINGERING_PID_FILE": str(pid_file)})
    assert (code, _running(int(pid_file.read_text()))) == (0, False)


def _running(pid: int) -> bool:
    # Killed but not reaped (its new parent may not reap) counts as stopped: state "Z".
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


# --- output and outputs ---------------------------------------------------------------


@pytest.fixture(scope="module")
def printing_plan() -> subprocess.CompletedProcess[str]:
    """A real `storagectl plan` process on a program that prints every way it can."""
    return storagectl(
        "plan", "--program", str(PROGRAMS / "prints"), "--stack", "dev", "--format", "json"
    )


def test_program_output_stays_out_of_the_json_plan(
    printing_plan: subprocess.CompletedProcess[str],
) -> None:
    document = json.loads(printing_plan.stdout)
    assert (printing_plan.returncode, document["outputs"]) == (0, {"bucket": "logs"})


def test_program_output_is_shown_on_stderr_as_program_output(
    printing_plan: subprocess.CompletedProcess[str],
) -> None:
    shown = [line for line in printing_plan.stderr.splitlines() if line.startswith("program| ")]
    assert shown == [
        "program| print to stdout",
        "program| print to stderr",
        "program| os.write to fd 1",
        "program| subprocess echo",
        "program| {not json",
        "program| token: [secret]",
    ]


def test_program_output_never_shows_a_credential_from_config(
    printing_plan: subprocess.CompletedProcess[str],
) -> None:
    assert "plain-token-4f9c2e" not in printing_plan.stderr + printing_plan.stdout


def test_exported_value_is_recorded_in_every_run() -> None:
    outputs = [
        json.loads(plan("exports_only", "--format", "json")[1])["outputs"] for _ in range(10)
    ]
    assert outputs == [{"greeting": "hello"}] * 10


def test_stack_without_config_file_is_planned_with_empty_config() -> None:
    result = CliRunner().invoke(
        app,
        [
            "plan",
            "--program",
            str(PROGRAMS / "exports_only"),
            "--stack",
            "prod",
            "--format",
            "json",
        ],
    )
    notes = [line for line in result.stderr.splitlines() if line.startswith("note:")]
    expected = (
        f"note: {PROGRAMS / 'exports_only' / 'Pulumi.prod.yaml'}: no such file; planning stack "
        "'prod' with empty config, as the Pulumi CLI does for a stack without a config file"
    )
    document = json.loads(result.stdout)
    assert (result.exit_code, notes, document["config"], document["outputs"]) == (
        0,
        [expected.replace(f"{REPO}/", "")],
        {},
        {"greeting": "hello"},
    )


def test_our_own_stacks_still_must_exist() -> None:
    result = CliRunner().invoke(app, ["plan", "no-such-env"])
    assert (result.exit_code, "no such stack file" in result.stderr) == (2, True)


# --- review ---------------------------------------------------------------------------


def _looping_base_repo(root: Path) -> Path:
    """A repository whose base commit's program loops (and says so) and whose head exports."""
    repo = root / "repo"
    repo.mkdir()
    (repo / "Pulumi.yaml").write_text("name: looper\nruntime: python\n", encoding="utf-8")
    (repo / "Pulumi.dev.yaml").write_text("config: {}\n", encoding="utf-8")
    (repo / "__main__.py").write_text(
        "import os, pathlib\n"
        "pathlib.Path(os.environ['LOOP_PID_FILE']).write_text(str(os.getpid()))\n"
        "while True:\n    pass\n",
        encoding="utf-8",
    )
    git(repo, "init", "--quiet")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--message", "base: loops")
    (repo / "__main__.py").write_text("import pulumi\npulumi.export('x', 1)\n", encoding="utf-8")
    git(repo, "commit", "--quiet", "--all", "--message", "head: exports")
    return repo


def test_review_sigterm_removes_the_worktree_and_stops_the_program(tmp_path: Path) -> None:
    repo = _looping_base_repo(tmp_path)
    scratch, pid_file = tmp_path / "tmp", tmp_path / "loop.pid"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch), "LOOP_PID_FILE": str(pid_file)}
    review = subprocess.Popen(
        [sys.executable, "-m", "storagectl", "review", "--base", "HEAD~1", "--format", "json"],
        cwd=repo,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not pid_file.exists() and time.monotonic() < deadline and review.poll() is None:
        time.sleep(0.05)
    review.send_signal(signal.SIGTERM)
    _, stderr = review.communicate(timeout=30)
    program = int(pid_file.read_text())
    time.sleep(0.2)  # the kernel delivers the parent-death signal asynchronously
    assert (
        review.returncode,
        len(git(repo, "worktree", "list").splitlines()),
        list(scratch.iterdir()),
        _running(program),
        "review stopped by SIGTERM" in stderr,
    ) == (128 + signal.SIGTERM, 1, [], False, True)


def test_review_bounds_each_plan_by_its_timeout(tmp_path: Path) -> None:
    repo = _looping_base_repo(tmp_path)
    env = {**os.environ, "LOOP_PID_FILE": str(tmp_path / "loop.pid")}
    done = storagectl(
        "review", "--base", "HEAD~1", "--timeout", "1", "--format", "json", cwd=repo, env=env
    )
    error = json.loads(done.stdout)["environments"]["dev"]["error"]
    assert (done.returncode, error) == (
        2,
        "base (HEAD~1): error: the program did not finish within 1 s (--timeout); it was stopped",
    )


@pytest.mark.parametrize("option", ["--deadline", "--timeout"])
def test_review_bounds_must_be_positive_and_finite(option: str) -> None:
    result = CliRunner().invoke(app, ["review", option, "inf"])
    assert (result.exit_code, f"{option} inf: must be a positive" in result.stderr) == (2, True)
