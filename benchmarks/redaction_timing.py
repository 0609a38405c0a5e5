"""Cost of redaction: per environment, at scale, and on hostile free text.

Run: `.venv/bin/python benchmarks/redaction_timing.py [--repeat N] [--copies 23,46,63]`.
Prints one line per stack: plan size, then the median milliseconds of `plan_redactor`
(learn), `redact_plan` (learn + mask + scrub) and of each output form's `render` (which
redacts again unless the plan is exactly what `redact_plan` returned).

Then one line per estate of K copies of the prod estate (`plan_scale.estate`, ~160
resources a copy; 63 copies ≈ 10,000 resources), each planned in a fresh process: the
seconds of the redact phase of `storagectl plan` (`plan_redactor` + `redact_plan`, timed
as `plan_scale.py`'s PHASES does) and of rendering the plan it returned in each form (best
of `--repeat`, at most 3). Targets at ~10,000 resources: redact ≤ 0.4 s, json ≤ 0.4 s.

Then the seconds `Redactor.text` takes on 1 MB texts built to make regexes backtrack, with
201 known secrets (1,000 learnt forms): every figure should stay around a second or less.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

import yaml  # noqa: E402
from plan_scale import estate  # noqa: E402

from storagectl.plan import plan_redactor, redact_plan  # noqa: E402
from storagectl.planner import plan_stack  # noqa: E402
from storagectl.redact import Redactor  # noqa: E402
from storagectl.report import render  # noqa: E402

FORMATS = ("table", "json", "markdown", "sarif")
HOSTILE = {
    "long word then =": "a" * 1_000_000 + "=x",
    "many keys, one =": "a " * 500_000 + "=",
    "scheme, no host": "x://" + "a" * 1_000_000,
    "many ellipses": "... " * 250_000,
    "repeated secret head": "s3cr3t-p" * 125_000 + "...",
    "long quoted key": '"' + "k" * 1_000_000 + '": "v"',
}


SCALE = r"""
import json, sys, time
from pathlib import Path
import storagectl.planner as planner
from storagectl.report import render
marks = {"redact": 0.0}
def timed(fn):
    def wrapper(*a, **k):
        start = time.perf_counter()
        try:
            return fn(*a, **k)
        finally:
            marks["redact"] += time.perf_counter() - start
    return wrapper
# The redact phase as benchmarks/plan_scale.py's PHASES measures it.
planner.plan_redactor = timed(planner.plan_redactor)
planner.redact_plan = timed(planner.redact_plan)
repo, path, repeat = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
doc = planner.plan_stack(repo, "prod", path)
row = {"resources": len(doc["resources"]), "redact": marks["redact"]}
for fmt in ("json", "table", "markdown", "sarif"):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        render(doc, fmt)
        best = min(best, time.perf_counter() - start)
    row[fmt] = best
print(json.dumps(row))
"""


def scale_rows(copies: list[int], repeat: int) -> None:
    """Print the redact and render seconds of `storagectl plan` on estates of K copies."""
    header = ("copies", "resources", "redact s", *(f"{f} s" for f in FORMATS))
    print(f"{header[0]:8} " + " ".join(f"{h:>11}" for h in header[1:]))
    with tempfile.TemporaryDirectory(prefix="redaction-timing-") as tmp:
        for count in copies:
            stack = Path(tmp) / f"Pulumi.prod-{count}.yaml"
            stack.write_text(yaml.safe_dump(estate(count), sort_keys=False), encoding="utf-8")
            done = subprocess.run(
                [sys.executable, "-c", SCALE, str(REPO), str(stack), str(min(repeat, 3))],
                capture_output=True,
                text=True,
                check=True,
                cwd=REPO,
            )
            row = json.loads(done.stdout.strip().splitlines()[-1])
            cells = [row["resources"], f"{row['redact']:.2f}"]
            cells += [f"{row[fmt]:.2f}" for fmt in FORMATS]
            print(f"{count:<8} " + " ".join(f"{c:>11}" for c in cells), flush=True)


def median_ms(action: Callable[[], Any], repeat: int) -> float:
    """Median wall time of `action` over `repeat` runs, in milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--copies", default="23,46,63", help="estate sizes in copies of prod ('' to skip)"
    )
    args = parser.parse_args()
    header = ("stack", "resources", "KB", "learn ms", "redact ms", *(f"{f} ms" for f in FORMATS))
    print(f"{header[0]:8} " + " ".join(f"{h:>11}" for h in header[1:]))
    for stack in ("dev", "staging", "prod"):
        plan = plan_stack(REPO, stack, REPO / "stacks" / f"Pulumi.{stack}.yaml")
        cells: list[Any] = [len(plan["resources"]), len(json.dumps(plan)) // 1024]
        cells.append(f"{median_ms(lambda p=plan: plan_redactor(p), args.repeat):.1f}")
        cells.append(f"{median_ms(lambda p=plan: redact_plan(p), args.repeat):.1f}")
        for fmt in FORMATS:
            cells.append(f"{median_ms(lambda p=plan, f=fmt: render(p, f), args.repeat):.1f}")
        print(f"{stack:8} " + " ".join(f"{c:>11}" for c in cells))
    if args.copies:
        print()
        scale_rows([int(c) for c in args.copies.split(",")], args.repeat)
    redactor = Redactor(["s3cr3t-passw0rd-9876"] + [f"known-{i:04d}-xyz" for i in range(200)])
    print()
    for name, text in HOSTILE.items():
        seconds = median_ms(lambda t=text: redactor.text(t), args.repeat) / 1000
        print(f"{name:22} {len(text) // 1024:>6} KB {seconds:>8.2f} s")


if __name__ == "__main__":
    main()
