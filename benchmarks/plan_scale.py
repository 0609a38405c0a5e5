"""How `storagectl plan` scales: estates of N resources, cold processes, every rule enabled.

Run: `.venv/bin/python benchmarks/plan_scale.py [--sizes 150,1000,5000,10000]
[--checkov PATH] [--smoke]`.

Each estate is the shipped prod estate (buckets, databases, caches, applications and
their grants, in its proportions) repeated K times in one stack file, through the real
spec → program path. For each N it prints:

* wall seconds and peak RSS of `storagectl plan prod --config-file FILE --format json` in a
  fresh process (what a user or CI pays);
* the split, measured in another fresh process that runs the same phases one by one:
  imports, load (stack file → spec), engine (program under the mock runtime), policy
  (every rule), render (JSON);
* with `--checkov PATH` (a checkov executable), checkov's wall seconds and peak RSS on a
  Terraform plan JSON of the same resources (`checkov -f plan.json --framework
  terraform_plan`), built from our plan by mapping each resource to its Terraform type.

`--smoke` runs the smallest size once (CI runs this, to keep the script working).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
PROD = REPO / "stacks" / "Pulumi.prod.yaml"

PHASES = r"""
import gc, json, sys, time
t0 = time.perf_counter()
from stackspec import read_stack_file, build_spec
from storagectl.planner import plan_stack
from storagectl.report import render
t1 = time.perf_counter()
import storagectl.planner as planner
marks = {}
def timed(name, fn):
    def wrapper(*a, **k):
        start = time.perf_counter()
        try:
            return fn(*a, **k)
        finally:
            marks[name] = marks.get(name, 0.0) + time.perf_counter() - start
    return wrapper
# The planner's phases, by the names it calls them under (storagectl/planner.py).
for attr, phase in (("_stack_source", "load"), ("build_spec", "load"),
                    ("run_isolated", "engine"), ("build_plan", "build"),
                    ("plan_redactor", "redact"), ("redact_plan", "redact"),
                    ("evaluate_plan", "policy")):
    setattr(planner, attr, timed(phase, getattr(planner, attr)))
from pathlib import Path
repo, path = Path(sys.argv[1]), Path(sys.argv[2])
t2 = time.perf_counter()
doc = plan_stack(repo, "prod", path)
t3 = time.perf_counter()
text = render(doc, "json")
t4 = time.perf_counter()
print(json.dumps({"imports": t1 - t0, **{k: marks.get(k, 0.0) for k in
                  ("load", "engine", "build", "policy", "redact")},
                  "plan_total": t3 - t2, "render": t4 - t3,
                  "resources": len(doc["resources"])}))
"""


def estate(copies: int) -> dict[str, Any]:
    """The prod stack file with its stores and applications repeated `copies` times."""
    data = yaml.safe_load(PROD.read_text(encoding="utf-8"))
    config = data["config"]
    kinds = ("buckets", "databases", "caches")
    originals = {k: config.get(f"backend-storage:{k}", {}) for k in (*kinds, "applications")}
    for kind in (*kinds, "applications"):
        config[f"backend-storage:{kind}"] = {}
    for n in range(copies):
        suffix = "" if n == 0 else f"{n}"

        def rename(name: str, suffix: str = suffix) -> str:
            # Logical names are lower case, digits and dashes, and short (identifiers).
            return f"{name}{suffix}"

        for kind in kinds:
            for name, entry in originals[kind].items():
                config[f"backend-storage:{kind}"][rename(name)] = copy.deepcopy(entry)
        for app, entry in originals["applications"].items():
            entry = copy.deepcopy(entry)
            identity = entry.get("identity", {}).get("kubernetes")
            if identity:
                identity["serviceAccount"] = rename(identity["serviceAccount"])
            for kind in kinds:
                grants = entry.get("grants", {}).get(kind)
                if grants:
                    entry["grants"][kind] = {rename(k): v for k, v in grants.items()}
            config["backend-storage:applications"][rename(app)] = entry
    return data


def run_measured(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, int, str]:
    """(wall seconds, peak RSS in MB, stdout) of a child process."""
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        with tempfile.TemporaryFile() as out:
            os.dup2(out.fileno(), 1)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
            try:
                os.execvpe(argv[0], argv, env or dict(os.environ))
            finally:
                os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    return wall, int(usage.ru_maxrss / 1024), str(os.waitstatus_to_exitcode(status))


def phases_of(stack: Path) -> dict[str, Any]:
    """The per-phase seconds of one plan, measured in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", PHASES, str(REPO), str(stack)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def calibrate(folder: Path) -> tuple[int, int]:
    """(resources shared by every estate, resources per copy of the prod estate)."""
    counts = []
    for copies in (1, 2):
        stack = folder / f"Pulumi.calibrate-{copies}.yaml"
        stack.write_text(yaml.safe_dump(estate(copies), sort_keys=False), encoding="utf-8")
        counts.append(phases_of(stack)["resources"])
    per_copy = counts[1] - counts[0]
    return counts[0] - per_copy, per_copy


TF_TYPES = {
    "aws:s3/bucketV2:BucketV2": "aws_s3_bucket",
    "aws:s3/bucket:Bucket": "aws_s3_bucket",
    "aws:rds/instance:Instance": "aws_db_instance",
    "aws:rds/cluster:Cluster": "aws_rds_cluster",
    "aws:rds/clusterInstance:ClusterInstance": "aws_rds_cluster_instance",
    "aws:elasticache/replicationGroup:ReplicationGroup": "aws_elasticache_replication_group",
    "aws:kms/key:Key": "aws_kms_key",
    "aws:iam/role:Role": "aws_iam_role",
    "aws:iam/policy:Policy": "aws_iam_policy",
}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _snake_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {_snake(k): _snake_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_snake_keys(v) for v in value]
    return value


def terraform_plan(plan: dict[str, Any]) -> dict[str, Any]:
    """A `terraform show -json` plan with one Terraform resource per custom resource."""
    resources = []
    for i, r in enumerate(plan["resources"]):
        if not r["custom"] or r["type"].startswith("pulumi:providers:"):
            continue
        module, _, kind = r["type"].partition("/")
        tf_type = TF_TYPES.get(
            r["type"], "aws_" + module.split(":")[-1] + "_" + _snake(kind.split(":")[-1])
        )
        resources.append(
            {
                "address": f"{tf_type}.r{i}",
                "mode": "managed",
                "type": tf_type,
                "name": f"r{i}",
                "provider_name": "registry.terraform.io/hashicorp/aws",
                "schema_version": 0,
                "values": _snake_keys(r["inputs"]),
            }
        )
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.0",
        "planned_values": {"root_module": {"resources": resources}},
        "resource_changes": [
            {
                "address": r["address"],
                "mode": "managed",
                "type": r["type"],
                "name": r["name"],
                "provider_name": r["provider_name"],
                "change": {"actions": ["create"], "before": None, "after": r["values"]},
            }
            for r in resources
        ],
        "configuration": {"root_module": {}},
    }


def main() -> int:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="150,1000,5000,10000")
    parser.add_argument("--checkov", default=None, help="checkov executable to compare with")
    parser.add_argument("--smoke", action="store_true", help="smallest size only (CI)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.smoke:
        sizes = sizes[:1]
    storagectl = [sys.executable, "-m", "storagectl"]
    header = (
        f"{'N':>6} {'wall s':>7} {'RSS MB':>7} {'ms/res':>7} | {'imports':>7} {'load':>6} "
        f"{'engine':>7} {'build':>6} {'policy':>7} {'redact':>7} {'render':>7}"
    )
    if args.checkov:
        header += f" | {'checkov s':>9} {'ckv MB':>7} {'x faster':>8}"
    print(header)
    with tempfile.TemporaryDirectory(prefix="plan-scale-") as tmp:
        folder = Path(tmp)
        shared, per_copy = calibrate(folder)
        for target in sizes:
            copies = max(1, round((target - shared) / per_copy))
            stack = folder / f"Pulumi.prod-{target}.yaml"
            stack.write_text(yaml.safe_dump(estate(copies), sort_keys=False), encoding="utf-8")
            out = folder / f"plan-{target}.json"
            wall, rss, code = run_measured(
                [
                    *storagectl,
                    "plan",
                    "prod",
                    "--config-file",
                    str(stack),
                    "--format",
                    "json",
                    "--output",
                    str(out),
                ]
            )
            if code not in ("0", "1"):
                print(f"storagectl plan failed (exit {code}) at N={target}", file=sys.stderr)
                return 1
            plan = json.loads(out.read_text(encoding="utf-8"))
            count = len(plan["resources"])
            phases = phases_of(stack)
            row = (
                f"{count:>6} {wall:>7.2f} {rss:>7} {1000 * wall / count:>7.2f} | "
                f"{phases['imports']:>7.2f} {phases['load']:>6.2f} {phases['engine']:>7.2f} "
                f"{phases['build']:>6.2f} {phases['policy']:>7.2f} {phases['redact']:>7.2f} "
                f"{phases['render']:>7.2f}"
            )
            if args.checkov:
                tf = folder / f"tfplan-{target}.json"
                tf.write_text(json.dumps(terraform_plan(plan)), encoding="utf-8")
                ck_wall, ck_rss, _ = run_measured(
                    [
                        args.checkov,
                        "-f",
                        str(tf),
                        "--framework",
                        "terraform_plan",
                        "--quiet",
                        "--compact",
                        "--skip-download",
                    ]
                )
                row += f" | {ck_wall:>9.2f} {ck_rss:>7} {ck_wall / wall:>8.1f}"
            print(row, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
