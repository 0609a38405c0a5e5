"""Cost of redaction: per environment, and on hostile free text.

Run: `.venv/bin/python benchmarks/redaction_timing.py [--repeat N]`. Prints one line per
stack: plan size, then the median milliseconds of `plan_redactor` (learn), `redact_plan`
(learn + mask + scrub) and of each output form's `render` (which redacts again). Then the
seconds `Redactor.text` takes on 1 MB texts built to make regexes backtrack, with 201
known secrets (1,000 learnt forms): every figure should stay around a second or less.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

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
    redactor = Redactor(["s3cr3t-passw0rd-9876"] + [f"known-{i:04d}-xyz" for i in range(200)])
    print()
    for name, text in HOSTILE.items():
        seconds = median_ms(lambda t=text: redactor.text(t), args.repeat) / 1000
        print(f"{name:22} {len(text) // 1024:>6} KB {seconds:>8.2f} s")


if __name__ == "__main__":
    main()
