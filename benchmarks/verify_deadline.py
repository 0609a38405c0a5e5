"""Wall time of a whole `storagectl verify` run against endpoints that never answer.

Run: `.venv/bin/python benchmarks/verify_deadline.py [--timeout S]`. Starts a moto server
(the secrets and AWS resources) and a silent TCP listener (accepts, never answers) on
loopback, then times `python -m storagectl.verify` as a user would run it, without
`--deadline` (the default derived from `--timeout` and the checks) and with one:

* every database and cache endpoint is the silent listener (AWS answers);
* the AWS endpoint is the silent listener (a black hole: even the secrets hang).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from moto.server import ThreadedMotoServer  # noqa: E402

from tests.verify import aws_world, environments, fake_servers, servers  # noqa: E402

STACKS = REPO / "tests" / "verify" / "data" / "stacks"


def outputs_file(folder: Path, shape: aws_world.Shape, port: int, secret: str) -> Path:
    """Outputs of the test environment with every endpoint at 127.0.0.1:`port`."""
    databases = {
        name: environments.database(
            engine, "127.0.0.1", [], port, shape.database, secret, shape.key_arn
        )
        for name, engine in (("orders", "postgres"), ("catalog", "mysql"))
    }
    path = folder / f"outputs-{port}.json"
    document = environments.document(shape, databases, "127.0.0.1", None, port, secret)
    path.write_text(json.dumps(document))
    return path


def timed_run(outputs: Path, endpoint: str, timeout: float, deadline: float | None) -> str:
    """One CLI run; its wall time, exit code and how many checks hit the deadline."""
    command = [sys.executable, "-m", "storagectl.verify", environments.ENV]
    command += ["--outputs", str(outputs), "--stacks-dir", str(STACKS), "--format", "json"]
    command += ["--aws-endpoint", endpoint, "--timeout", str(timeout)]
    if deadline is not None:
        command += ["--deadline", str(deadline)]
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=False)
    elapsed = time.monotonic() - started
    checks = json.loads(result.stdout)["checks"] if result.stdout.startswith("{") else []
    late = sum("deadline" in c["detail"] for c in checks)
    summary = f"{len(checks)} checks, {late} cut by the deadline"
    return f"{elapsed:6.1f} s  exit {result.returncode}  {summary}"


def main() -> None:
    """Print one line per scenario."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--timeout", type=float, default=3.0)
    timeout = parser.parse_args().timeout
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=servers.free_port(), verbose=False)
    moto.start()
    silent = fake_servers.FakeServer(fake_servers.silent_handler)
    try:
        endpoint = f"http://127.0.0.1:{moto._port}"
        shape = aws_world.build_shape(endpoint, "bench", compliant=True)
        secret = aws_world.create_secret(endpoint, "bench/master", "storage_admin", "pw-bench-1")
        folder = Path(tempfile.mkdtemp(prefix="verify-bench-"))
        outputs = outputs_file(folder, shape, silent.port, secret)
        black_hole = f"http://127.0.0.1:{silent.port}"
        for name, aws, deadline in (
            ("silent databases/caches, default deadline", endpoint, None),
            ("silent databases/caches, --deadline 5     ", endpoint, 5.0),
            ("black-holed AWS endpoint, default deadline", black_hole, None),
            ("black-holed AWS endpoint, --deadline 5    ", black_hole, 5.0),
        ):
            print(f"{name} (--timeout {timeout:g}): {timed_run(outputs, aws, timeout, deadline)}")
    finally:
        silent.stop()
        moto.stop()


if __name__ == "__main__":
    main()
