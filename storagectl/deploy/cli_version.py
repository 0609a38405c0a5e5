"""Which Pulumi CLI is on PATH, and whether it is recent enough for this collection."""

from __future__ import annotations

import re
import shutil
import subprocess

MIN_PULUMI_VERSION = (3, 207, 0)
"""The oldest Pulumi CLI this collection deploys with.

3.207.0 added the engine side of the `replaceWith` resource option (pulumi/pulumi
CHANGELOG, "[engine] Add `ReplaceWith` resource option", 3.207.0, 2025-11-12), which the
components use to replace a consumer with what it depends on. An older engine ignores the
option without a word (it is an unknown protobuf field to it), so a replacement the program
asked for would silently not happen: refuse such a CLI instead.
"""

_VERSION = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")
VERSION_TIMEOUT = 30.0
"""Seconds `pulumi version` may take (it may check for updates over the network)."""


class CliProblem(Exception):
    """No usable Pulumi CLI: the message says what to install or upgrade."""


def min_version_text() -> str:
    """`3.207.0`."""
    return ".".join(str(n) for n in MIN_PULUMI_VERSION)


def pulumi_cli_version() -> tuple[int, int, int]:
    """The version of the `pulumi` on PATH; CliProblem when missing, broken or too old."""
    path = shutil.which("pulumi")
    if path is None:
        raise CliProblem(
            "the Pulumi CLI is not installed (no `pulumi` on PATH); install version "
            f"{min_version_text()} or later (https://www.pulumi.com/docs/install/), or use "
            "`storagectl plan` for the offline plan"
        )
    try:
        done = subprocess.run(
            [path, "version"],
            capture_output=True,
            text=True,
            timeout=VERSION_TIMEOUT,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise CliProblem(f"`{path} version` could not be run: {type(exc).__name__}") from None
    found = _VERSION.search(done.stdout or "")
    if done.returncode != 0 or found is None:
        raise CliProblem(
            f"`{path} version` did not print a version (exit {done.returncode}); "
            "reinstall the Pulumi CLI (https://www.pulumi.com/docs/install/)"
        )
    version = (int(found[1]), int(found[2]), int(found[3]))
    if version < MIN_PULUMI_VERSION:
        have = ".".join(str(n) for n in version)
        raise CliProblem(
            f"the Pulumi CLI at {path} is {have}; this collection needs {min_version_text()} "
            "or later (the `replaceWith` resource option): upgrade it with "
            "`pulumi self-update`, or see https://www.pulumi.com/docs/install/"
        )
    return version
