"""Wall time of `storagectl audit` on a 10,000-resource stack export.

The export repeats the prod plan's resources (renamed per copy, so every URN is unique)
until it holds at least `--resources` of them, and is written as `pulumi stack export`
would write it. Prints the size and, for each stage, the median of `--repeat` runs: read
and check the file, map it onto the plan view, evaluate the policy pack, redact, render
(table and JSON), and the whole `audit_export`.

Run: `.venv/bin/python benchmarks/audit_timing.py [--resources N] [--repeat N]`.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from storagectl.audit.export import read_export  # noqa: E402
from storagectl.audit.run import audit_export, redacted  # noqa: E402
from storagectl.audit.view import export_view  # noqa: E402
from storagectl.policy.evaluate import config_for_stack, evaluate_plan  # noqa: E402
from storagectl.report import render  # noqa: E402
from tests.exports import export_of  # noqa: E402
from tests.plans import plan_of  # noqa: E402


def timed(repeat: int, step: Callable[[], Any]) -> tuple[float, Any]:
    """(median seconds, last result) of `repeat` runs of `step`."""
    seconds: list[float] = []
    result: Any = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = step()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), result


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    plan = plan_of("prod")
    copies = -(-args.resources // len(plan["resources"]))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.json"
        path.write_text(json.dumps(export_of(plan, repeat=copies)), encoding="utf-8")
        size = path.stat().st_size
        config = config_for_stack("prod")
        read_s, document = timed(args.repeat, lambda: read_export(path))
        view_s, (view, plaintexts) = timed(args.repeat, lambda: export_view(document, path))
        policy_s, violations = timed(args.repeat, lambda: evaluate_plan(view, config))
        view["violations"] = violations
        redact_s, view = timed(1, lambda: redacted(view, plaintexts))
        table_s, _ = timed(args.repeat, lambda: render(view, "table"))
        json_s, _ = timed(args.repeat, lambda: render(view, "json"))
        total_s, audited = timed(args.repeat, lambda: audit_export(path))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"export: {len(audited['resources']):,} resources, {size / 1e6:.1f} MB, "
        f"{len(audited['violations']):,} violations"
    )
    for label, seconds in (
        ("read + check", read_s),
        ("map to plan view", view_s),
        ("policy pack", policy_s),
        ("redact", redact_s),
        ("render table", table_s),
        ("render json", json_s),
        ("audit_export total", total_s),
    ):
        print(f"{label:20} {seconds:8.2f} s")
    print(f"peak RSS             {peak:8.0f} MB")


if __name__ == "__main__":
    main()
