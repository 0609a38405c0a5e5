"""`storagectl plan --all`: every stack planned in parallel processes, as a user runs it.

The shipped stacks through `--all` must equal their single plans; a failing stack is exit
2 with its error, and never hides the others; the progress display never reaches stdout.
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
from tests.driver.review_fixtures import copy_project
from tests.plans import REPO

SHIPPED = ["dev", "prod", "staging"]


def storagectl(*args: str, cwd: Path = REPO, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m storagectl ARGS` in `cwd`, as CI runs it (stderr is not a terminal)."""
    return subprocess.run(
        [sys.executable, "-m", "storagectl", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, **env},
    )


# --- the shipped stacks ------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped_all() -> subprocess.CompletedProcess[str]:
    """`plan --all --format json` of this repository, the progress display forced on."""
    return storagectl("plan", "--all", "--format", "json", STORAGECTL_PROGRESS="always")


def test_plan_all_json_holds_every_shipped_stack_in_order(
    shipped_all: subprocess.CompletedProcess[str],
) -> None:
    document = json.loads(shipped_all.stdout)
    assert (list(document["stacks"]), document["errors"]) == (SHIPPED, {}), shipped_all.stderr


@pytest.mark.parametrize("env", SHIPPED)
def test_plan_all_stack_equals_its_single_plan(
    shipped_all: subprocess.CompletedProcess[str], env: str
) -> None:
    single = storagectl("plan", env, "--format", "json")
    assert json.loads(shipped_all.stdout)["stacks"][env] == json.loads(single.stdout)


def test_plan_all_of_the_shipped_stacks_exits_0(
    shipped_all: subprocess.CompletedProcess[str],
) -> None:
    assert shipped_all.returncode == 0, shipped_all.stderr


def test_plan_all_progress_goes_to_stderr(shipped_all: subprocess.CompletedProcess[str]) -> None:
    assert ("plan prod: done" in shipped_all.stderr, "plan prod" in shipped_all.stdout) == (
        True,
        False,
    )


def test_plan_all_stack_file_error_is_located_and_the_others_still_planned(
    tmp_path: Path,
) -> None:
    repo = copy_project(tmp_path)
    staging = repo / "stacks" / "Pulumi.staging.yaml"
    staging.write_text(
        staging.read_text(encoding="utf-8").replace(
            "backend-storage:buckets:", "backend-storage:bukets:"
        ),
        encoding="utf-8",
    )
    done = storagectl("plan", "--all", "--format", "json", cwd=repo)
    document = json.loads(done.stdout)
    located = [line for line in done.stderr.splitlines() if "bukets: unknown key" in line]
    assert (
        done.returncode,
        list(document["stacks"]),
        any("bukets: unknown key" in line for line in document["errors"]["staging"]),
        [line.startswith("[staging] ") and "Pulumi.staging.yaml:" in line for line in located],
    ) == (2, ["dev", "prod"], True, [True]), done.stderr


# --- a small program: failures, exit codes, formats ----------------------------------------

PROGRAM = """\
import pulumi

if pulumi.get_stack() == "broken":
    raise SystemExit(3)
print(f"hello from {pulumi.get_stack()}")
pulumi.export("stack", pulumi.get_stack())
"""


def small_program(root: Path, stacks: list[str]) -> Path:
    """A Pulumi program with `stacks` (a stack named `broken` ends its process early)."""
    root.mkdir(exist_ok=True)
    (root / "Pulumi.yaml").write_text("name: small\nruntime: python\n", encoding="utf-8")
    (root / "__main__.py").write_text(PROGRAM, encoding="utf-8")
    for stack in stacks:
        (root / f"Pulumi.{stack}.yaml").write_text("config: {}\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def failing(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    """`plan --all --format json` of a program whose middle stack fails."""
    program = small_program(tmp_path_factory.mktemp("small"), ["a", "broken", "c"])
    return storagectl("plan", "--all", "--format", "json", cwd=program)


def test_plan_all_with_a_failed_stack_exits_2(failing: subprocess.CompletedProcess[str]) -> None:
    assert failing.returncode == 2, failing.stderr


def test_plan_all_failed_stack_does_not_hide_the_others(
    failing: subprocess.CompletedProcess[str],
) -> None:
    assert list(json.loads(failing.stdout)["stacks"]) == ["a", "c"]


def test_plan_all_reports_the_failed_stack_error(failing: subprocess.CompletedProcess[str]) -> None:
    errors = json.loads(failing.stdout)["errors"]
    assert (list(errors), "exited early with sys.exit(3)" in errors["broken"][0]) == (
        ["broken"],
        True,
    )


def test_plan_all_prints_each_stack_error_and_output_prefixed(
    failing: subprocess.CompletedProcess[str],
) -> None:
    lines = failing.stderr.splitlines()
    assert (
        any(line.startswith("[broken] error: ") for line in lines),
        "[c] program| hello from c" in lines,
    ) == (True, True), failing.stderr


def test_plan_all_summary_counts_the_failed_stack(
    failing: subprocess.CompletedProcess[str],
) -> None:
    summary = json.loads(failing.stdout)["summary"]
    assert (summary["stacks"], summary["planned"], summary["failed"]) == (3, 2, 1)


def test_plan_all_without_a_terminal_shows_no_progress(
    failing: subprocess.CompletedProcess[str],
) -> None:
    assert "plan a:" not in failing.stderr


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A program with stacks b and a (planned in sorted order)."""
    return small_program(tmp_path_factory.mktemp("small"), ["b", "a"])


def test_plan_all_table_has_one_section_per_stack_in_order(small: Path) -> None:
    done = storagectl("plan", "--all", cwd=small)
    text = done.stdout
    assert (done.returncode, text.index("small / a") < text.index("small / b")) == (0, True)


def test_plan_all_markdown_has_one_section_per_stack(small: Path) -> None:
    done = storagectl("plan", "--all", "--format", "markdown", cwd=small)
    headings = [line for line in done.stdout.splitlines() if line.startswith("### `small`")]
    assert headings == ["### `small` / `a`", "### `small` / `b`"]


def test_plan_all_sarif_has_one_run_per_stack(small: Path) -> None:
    done = storagectl("plan", "--all", "--format", "sarif", cwd=small)
    runs = json.loads(done.stdout)["runs"]
    assert [run["automationDetails"]["id"] for run in runs] == ["storagectl/a/", "storagectl/b/"]


def test_plan_all_sarif_marks_a_failed_stack_as_unsuccessful(tmp_path: Path) -> None:
    program = small_program(tmp_path / "p", ["a", "broken"])
    done = storagectl("plan", "--all", "--format", "sarif", cwd=program)
    runs = {run["automationDetails"]["id"]: run for run in json.loads(done.stdout)["runs"]}
    invocation = runs["storagectl/broken/"]["invocations"][0]
    assert (done.returncode, invocation["executionSuccessful"]) == (2, False)


def test_plan_all_with_mandatory_violations_exits_1(tmp_path: Path) -> None:
    program = tmp_path / "foreign"
    program.mkdir()
    for source in (REPO / "tests" / "data" / "foreign_program").iterdir():
        (program / source.name).write_bytes(source.read_bytes())
    prod = REPO / "policies" / "config" / "prod.json"
    done = storagectl("plan", "--all", "--policy-config", str(prod), cwd=program)
    assert (done.returncode, "[mandatory] rds-instance-disallow-public-access" in done.stdout) == (
        1,
        True,
    ), done.stderr


def test_plan_all_writes_the_output_file(small: Path, tmp_path: Path) -> None:
    out = tmp_path / "all.json"
    done = storagectl("plan", "--all", "--format", "json", "--output", str(out), cwd=small)
    assert (done.stdout, list(json.loads(out.read_text())["stacks"])) == ("", ["a", "b"])


# --- usage ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["dev"], "ENV 'dev'"),
        (["--program", "."], "--program"),
        (["--stack", "dev"], "--stack"),
        (["--config-file", "stacks/Pulumi.dev.yaml"], "--config-file"),
    ],
)
def test_plan_all_with_a_single_stack_argument_is_a_usage_error(
    args: list[str], named: str
) -> None:
    result = CliRunner().invoke(app, ["plan", "--all", *args])
    assert (result.exit_code, f"error: plan --all: remove {named};" in result.stderr) == (2, True)


def test_plan_all_json_has_the_keys_the_readme_documents(
    shipped_all: subprocess.CompletedProcess[str],
) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Planning every stack (`plan --all`)", 1)[1].split("\n## ", 1)[0]
    document = json.loads(shipped_all.stdout)
    summary = document["summary"]
    keys = [*document, *summary, *summary["violations"]]
    assert (sorted(document), [k for k in keys if f'"{k}"' not in section]) == (
        ["errors", "stacks", "summary"],
        [],
    )


# --- bounds and signals -------------------------------------------------------------------

LOOPING = """\
import os, pathlib, pulumi

if pulumi.get_stack() == "loops":
    pathlib.Path(os.environ["LOOP_PID_DIR"], str(os.getpid())).write_text("")
    while True:
        pass
pulumi.export("stack", pulumi.get_stack())
"""


def looping_program(root: Path) -> Path:
    """Stacks `fine` and `loops` (whose program never ends, after writing its pid file)."""
    program = small_program(root, ["fine", "loops"])
    (program / "__main__.py").write_text(LOOPING, encoding="utf-8")
    (root / "pids").mkdir()
    return program


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_plan_all_bounds_each_stack_by_its_timeout(tmp_path: Path) -> None:
    program = looping_program(tmp_path / "p")
    done = storagectl(
        "plan",
        "--all",
        "--format",
        "json",
        "--timeout",
        "1",
        cwd=program,
        LOOP_PID_DIR=str(tmp_path / "p" / "pids"),
    )
    document = json.loads(done.stdout)
    assert (done.returncode, list(document["stacks"]), document["errors"]["loops"]) == (
        2,
        ["fine"],
        ["error: the program did not finish within 1 s (--timeout); it was stopped"],
    )


def test_plan_all_sigterm_stops_every_plan(tmp_path: Path) -> None:
    program = looping_program(tmp_path / "p")
    pids = tmp_path / "p" / "pids"
    plan = subprocess.Popen(
        [sys.executable, "-m", "storagectl", "plan", "--all"],
        cwd=program,
        env={**os.environ, "LOOP_PID_DIR": str(pids)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not list(pids.iterdir()) and time.monotonic() < deadline and plan.poll() is None:
        time.sleep(0.05)
    plan.send_signal(signal.SIGTERM)
    _, stderr = plan.communicate(timeout=60)
    [looping] = [int(p.name) for p in pids.iterdir()]
    time.sleep(0.2)  # the kernel delivers the parent-death signal asynchronously
    assert (plan.returncode, _running(looping), "plan --all stopped by SIGTERM" in stderr) == (
        128 + signal.SIGTERM,
        False,
        True,
    ), stderr
