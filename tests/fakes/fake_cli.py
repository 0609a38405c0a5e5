"""Put a fake `pulumi` first on PATH and read back what reached it."""

from __future__ import annotations

import json
import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


@dataclass
class FakePulumi:
    """A fake Pulumi CLI installed in `bin_dir`, answering from `scenario`."""

    home: Path
    bin_dir: Path

    def scenario(self, **data: Any) -> None:
        """Set what the fake answers (see tests/fakes/pulumi_cli.py)."""
        (self.home / "scenario.json").write_text(json.dumps(data), encoding="utf-8")

    def calls(self) -> list[dict[str, Any]]:
        """Every invocation so far: {"argv", "cwd", "env"}."""
        path = self.home / "calls.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text("utf-8").splitlines()]

    def argvs(self) -> list[list[str]]:
        """The argv of every invocation so far."""
        return [c["argv"] for c in self.calls()]

    def commands(self, command: str) -> list[list[str]]:
        """The argv of every `pulumi <command> ...` invocation so far."""
        return [a for a in self.argvs() if command_of(a) == command]

    def engine_call(self, command: str) -> list[str]:
        """The argv of the one `preview`/`up`/... invocation; fails if not exactly one."""
        found = self.commands(command)
        assert len(found) == 1, f"expected one `pulumi {command}`, got {self.argvs()}"
        return found[0]

    def env(self, extra_path: str = "") -> dict[str, str]:
        """An environment whose PATH finds this fake first (and no real `pulumi`)."""
        path = f"{self.bin_dir}:{Path(sys.executable).parent}:/usr/bin:/bin"
        return {
            **os.environ,
            "PATH": path + (f":{extra_path}" if extra_path else ""),
            "FAKE_PULUMI_DIR": str(self.home),
            "PULUMI_SKIP_UPDATE_CHECK": "true",
        }


def command_of(argv: list[str]) -> str:
    """The command word of an argv (`preview` in `--non-interactive preview --stack x`)."""
    return next((a for a in argv if not a.startswith("-")), "")


def install(tmp: Path) -> FakePulumi:
    """Install the fake `pulumi` under `tmp`; it answers an empty scenario until told."""
    home = tmp / "fake-pulumi"
    bin_dir = home / "bin"
    bin_dir.mkdir(parents=True)
    script = bin_dir / "pulumi"
    script.write_text(
        f"#!{sys.executable}\n"
        "import runpy, sys\n"
        f"sys.path.insert(0, {str(HERE)!r})\n"
        f"runpy.run_path({str(HERE / 'pulumi_cli.py')!r}, run_name='__main__')\n",
        encoding="utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    fake = FakePulumi(home, bin_dir)
    fake.scenario()
    return fake
