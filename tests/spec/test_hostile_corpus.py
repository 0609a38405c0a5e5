"""The hostile corpus: every file ends in the loader's own located error (or loads), in bounds.

The corpus (tests/data/hostile_stacks/<class>/, made by tests/spec/make_hostile_corpus.py)
is loaded file by file in one child process (started once: each start costs a second)
whose address space is capped with `resource.setrlimit`, under a wall-clock bound enforced
here; each class is then judged on its own. A hang, a traceback, a MemoryError or a slow
file fails the test, naming the file.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from stackspec import SpecError, load_stack_file
from tests.plans import REPO
from tests.spec.make_hostile_corpus import CORPUS, cases, write

MANIFEST: dict[str, dict[str, str | None]] = json.loads(
    (CORPUS / "MANIFEST.json").read_text(encoding="utf-8")
)
GROUPS = sorted({name.split("/", 1)[0] for name in MANIFEST})
MEMORY_LIMIT = 768 << 20
"""Address-space cap of the child (the loader itself needs ~60 MB)."""
SECONDS_PER_FILE = 3.0
"""Wall clock per file (the template budget is 1 s; YAML limits act in milliseconds)."""
STARTUP_SECONDS = 15.0
LOCATED = re.compile(r"^\S+?(:\d+(:\d+)?)?: ")
INTERNAL = "the loader failed unexpectedly"

CHILD = r"""
import json, resource, sys, time
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from pathlib import Path
from stackspec import SpecError, load_stack_file
for name in sys.argv[2:]:
    start = time.monotonic()
    try:
        load_stack_file(Path(name))
        outcome, text = "loaded", ""
    except SpecError as exc:
        outcome, text = "spec-error", str(exc)
    except BaseException as exc:
        outcome, text = "crash", type(exc).__name__
    seconds = time.monotonic() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"file": name, "outcome": outcome, "seconds": seconds, "text": text[:4000],
                      "rss_kib": rss}), flush=True)
"""


def load_in_child(paths: list[Path]) -> dict[str, dict[str, Any]]:
    """Load each path in one memory-capped child; fail on a timeout naming the file it hung on."""
    timeout = STARTUP_SECONDS + SECONDS_PER_FILE * len(paths)
    try:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(MEMORY_LIMIT), *map(str, paths)],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
        finished = {json.loads(line)["file"] for line in out.splitlines()}
        hung = next((str(p) for p in paths if str(p) not in finished), "?")
        pytest.fail(f"the loader did not finish within {timeout:.0f} s; stuck on {hung}")
    assert done.returncode == 0, done.stderr[-2000:]
    results = [json.loads(line) for line in done.stdout.splitlines()]
    return {r["file"]: r for r in results}


def check(name: str, result: dict[str, Any], contains: str | None) -> None:
    """The oracle: the loader's located error (saying `contains`) or a load, within bounds."""
    assert result["outcome"] in ("loaded", "spec-error"), f"{name}: {result}"
    assert result["seconds"] < SECONDS_PER_FILE, f"{name}: took {result['seconds']:.2f} s"
    if result["outcome"] == "spec-error":
        for line in result["text"].splitlines():
            assert LOCATED.match(line), f"{name}: not located: {line}"
        assert INTERNAL not in result["text"], f"{name}: {result['text']}"
    if contains is not None:
        assert result["outcome"] == "spec-error", f"{name}: loaded, expected {contains!r}"
        assert contains in result["text"], f"{name}: {contains!r} not in {result['text']}"


LARGE = [c for c in cases() if not c.committed]


@pytest.fixture(scope="module")
def corpus_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Every corpus file (the large ones written to a temporary directory), loaded once."""
    large = tmp_path_factory.mktemp("large")
    for case in LARGE:
        (large / f"{case.name}.yaml").write_bytes(case.data)
    paths = [CORPUS / n for n in sorted(MANIFEST)]
    results = load_in_child(paths + [large / f"{c.name}.yaml" for c in LARGE])
    for case in LARGE:  # keyed like the committed files
        results[f"large/{case.name}"] = results.pop(str(large / f"{case.name}.yaml"))
    return results


@pytest.mark.parametrize("group", GROUPS)
def test_hostile_files_end_in_the_loaders_error_or_load(
    group: str, corpus_results: dict[str, dict[str, Any]]
) -> None:
    names = sorted(n for n in MANIFEST if n.startswith(group + "/"))
    assert names
    for name in names:
        check(name, corpus_results[str(CORPUS / name)], MANIFEST[name]["contains"])


@pytest.mark.parametrize("case", LARGE, ids=lambda c: c.name)
def test_large_files_are_refused_quickly_and_small(
    case: Any, corpus_results: dict[str, dict[str, Any]]
) -> None:
    result = corpus_results[f"large/{case.name}"]
    check(case.name, result, case.contains)
    assert result["rss_kib"] < 400 << 10, f"peak RSS {result['rss_kib'] >> 10} MiB"


def test_the_corpus_is_what_the_script_generates(tmp_path: Path) -> None:
    regenerated = write(tmp_path / "corpus")
    assert sorted(regenerated) == sorted(MANIFEST), (
        "run `.venv/bin/python -m tests.spec.make_hostile_corpus` and commit the corpus"
    )


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "Pulumi.fifo.yaml"
    os.mkfifo(fifo)
    with pytest.raises(SpecError, match="not a regular file"):
        load_stack_file(fifo)


def test_a_device_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="not a regular file"):
        load_stack_file(Path("/dev/zero"))


def test_an_unreadable_file_is_a_located_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tests may run as root, where chmod 000 does not stop a read: make open() refuse.
    path = tmp_path / "Pulumi.prod.yaml"
    path.write_text("config: {}\n", encoding="utf-8")

    def refuse(*args: Any, **kwargs: Any) -> int:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(SpecError) as caught:
        load_stack_file(path)
    assert str(caught.value).endswith("Pulumi.prod.yaml: cannot read the file: Permission denied")
