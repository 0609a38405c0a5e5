"""The stack-file loader's limits, measured: hostile files are refused fast and small.

Run: `.venv/bin/python benchmarks/loader_limits.py [--cases N] [--no-fuzz]`.

Each file case runs in a fresh child process and prints its wall time and the child's
peak RSS (which includes the interpreter and the loader's imports, printed as the
baseline). Targets (issue 9): an alias bomb and a 10 MB stack file are refused in under
1 s and under 200 MB. Then the byte- and node-level fuzz strategies of
tests/spec/test_loader_fuzz.py run N cases each (default 4,000, the `long` hypothesis
profile) and the run reports every exception other than the loader's own SpecError
(target: 0).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PROD = (REPO / "stacks" / "Pulumi.prod.yaml").read_text(encoding="utf-8")
LAUGHS = "config:\n  l0: &l0 [lol]\n" + "".join(
    f"  l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 10)
)
FILES = {
    "baseline: the shipped prod stack": PROD,
    f"alias bomb: 9 levels x 9 aliases ({len(LAUGHS)} bytes)": LAUGHS,
    "alias bomb inside the prod stack": PROD + LAUGHS.replace("config:\n", ""),
    "10 MB stack file": PROD
    + "  x:\n"
    + "    - aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n" * 230_000,
    "file of 120,000 flow values (node limit)": PROD + "  x: [" + ",".join(["1"] * 120_000) + "]\n",
    "1 MiB file, one 1,000,000-char value (accepted)": PROD + "  x: " + "a" * 1_000_000 + "\n",
    "template: two nested range(10000) loops": PROD.replace(
        'cost-center: "4711"',
        'cost-center: "{% for i in range(10000) %}{% for j in range(10000) %}'
        '{% endfor %}{% endfor %}"',
    ),
    "template: 'a' * 10**9": PROD.replace(
        'cost-center: "4711"', "cost-center: \"{{ 'a' * 10**9 }}\""
    ),
}
CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from stackspec import SpecError, load_stack_file
baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
try:
    load_stack_file(Path(sys.argv[1]))
    outcome = "loaded"
except SpecError as exc:
    outcome = "SpecError: " + exc.problems[0].message[:70]
except BaseException as exc:
    outcome = "CRASH " + type(exc).__name__
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "baseline": baseline, "peak": peak, "outcome": outcome}))
"""


def measure_files(directory: Path) -> None:
    """One child per file: time and peak RSS of load_stack_file."""
    print(f"{'case':52} {'bytes':>10} {'time':>8} {'peak RSS':>9} {'(base)':>7}  outcome")
    for name, text in FILES.items():
        path = directory / "Pulumi.prod.yaml"
        path.write_text(text, encoding="utf-8")
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(path)],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=120,
        )
        if done.returncode != 0:
            print(f"{name:52} child failed: {done.stderr[-300:]}")
            continue
        r = json.loads(done.stdout)
        print(
            f"{name:52} {path.stat().st_size:>10,} {r['seconds'] * 1000:>6.0f}ms "
            f"{r['peak'] / 1024:>7.0f}MB {r['baseline'] / 1024:>5.0f}MB  {r['outcome']}"
        )


def corpus() -> None:
    """Per class of tests/data/hostile_stacks: files, outcomes and the slowest load."""
    from tests.spec.test_hostile_corpus import CORPUS, MANIFEST, load_in_child

    results = load_in_child([CORPUS / name for name in sorted(MANIFEST)])
    by_group: dict[str, Counter[str]] = {}
    slowest: dict[str, float] = {}
    for name in sorted(MANIFEST):
        group = name.split("/", 1)[0]
        result = results[str(CORPUS / name)]
        by_group.setdefault(group, Counter())[result["outcome"]] += 1
        slowest[group] = max(slowest.get(group, 0.0), result["seconds"])
    print(
        f"{'corpus class':14} {'files':>5} {'loaded':>6} {'error':>6} {'other':>6} {'slowest':>8}"
    )
    for group, counts in sorted(by_group.items()):
        other = sum(counts.values()) - counts["loaded"] - counts["spec-error"]
        print(
            f"{group:14} {sum(counts.values()):>5} {counts['loaded']:>6} "
            f"{counts['spec-error']:>6} {other:>6} {slowest[group] * 1000:>6.0f}ms"
        )


def fuzz(cases: int, directory: Path) -> int:
    """Run both fuzz strategies `cases` times each; return the count of forbidden exceptions."""
    from hypothesis import HealthCheck, Phase, assume, given, settings

    from tests.spec.test_loader_fuzz import (
        SHIPPED,
        byte_edit,
        mutate_bytes,
        mutate_nodes,
        node_edit,
        outcome,
    )
    from tests.spec.test_loader_fuzz import st as strategies

    counts: Counter[str] = Counter()
    crashes: list[str] = []
    options = settings(
        max_examples=cases,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )

    def record(kind: str, data: bytes) -> None:
        result = outcome(directory, data)
        counts[(kind, result.split(":")[0])] += 1  # type: ignore[index]
        if result.startswith("crash"):
            crashes.append(f"{kind}: {result}")

    stacks = strategies.sampled_from(sorted(SHIPPED))

    @options
    @given(stack=stacks, edits=strategies.lists(byte_edit, min_size=1, max_size=5))
    def byte_level(stack: str, edits: list) -> None:  # type: ignore[type-arg]
        record("bytes", mutate_bytes(SHIPPED[stack], edits))

    @options
    @given(stack=stacks, edits=strategies.lists(node_edit, min_size=1, max_size=4))
    def node_level(stack: str, edits: list) -> None:  # type: ignore[type-arg]
        data = mutate_nodes(SHIPPED[stack], edits)
        assume(data is not None)
        assert data is not None
        record("nodes", data)

    for run in (byte_level, node_level):
        start = time.perf_counter()
        run()
        print(f"{run.__name__}: {time.perf_counter() - start:.1f} s")
    for (kind, result), count in sorted(counts.items()):
        print(f"  {kind:6} {result:11} {count:>6,}")
    for line in crashes[:20]:
        print(f"  {line}")
    print(f"exceptions other than SpecError: {len(crashes)} (target 0)")
    return len(crashes)


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=4_000, help="fuzz cases per strategy")
    parser.add_argument("--no-fuzz", action="store_true", help="measure the files only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        measure_files(Path(tmp))
        corpus()
        if not args.no_fuzz:
            crashes = fuzz(args.cases, Path(tmp))
            sys.exit(1 if crashes else 0)


if __name__ == "__main__":
    main()
