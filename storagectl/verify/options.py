"""The command-line options of `verify`, checked before anything connects anywhere.

Every invalid option is exit 2 with one line naming the option, what was found and the
fix: a typo in `--timeout` or `--aws-endpoint` must never turn into pages of failed checks.
"""

from __future__ import annotations

import math
import ssl
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from .errors import VerifyInputError

FORMATS = ("table", "json")
MAX_SECONDS = 3600.0
"""No single network operation, nor a whole run, may be given more than an hour."""


@dataclass(frozen=True)
class Options:
    """Validated options of one run."""

    output_format: str = "table"
    timeout: float = 10.0
    deadline: float | None = None
    aws_endpoint: str | None = None
    hosts: str = "local://"
    ca_bundle: Path | None = None


def check_options(options: Options) -> Options:
    """Return `options` when every one is valid; raise VerifyInputError naming the first bad one."""
    if options.output_format not in FORMATS:
        raise VerifyInputError(
            "--format", "", f"unknown format {options.output_format!r}", "use table or json"
        )
    _seconds("--timeout", options.timeout, "e.g. --timeout 10")
    if options.deadline is not None:
        _seconds("--deadline", options.deadline, "e.g. --deadline 300, or leave it out")
    if options.aws_endpoint is not None:
        _endpoint(options.aws_endpoint)
    _hosts(options.hosts)
    if options.ca_bundle is not None:
        _ca_bundle(options.ca_bundle)
    return options


def _seconds(option: str, value: float, example: str) -> None:
    # `float("inf")`, `float("nan")` and negative numbers all parse as floats.
    if not (math.isfinite(value) and 0 < value <= MAX_SECONDS):
        raise VerifyInputError(
            option,
            "",
            f"must be a number of seconds above 0 and at most {MAX_SECONDS:g}, got {value!r}",
            f"pass {example}",
        )


def _endpoint(endpoint: str) -> None:
    fix = "pass a URL such as http://127.0.0.1:5000 or https://vpce-....amazonaws.com"
    try:
        url = urllib.parse.urlsplit(endpoint)
        port = url.port  # raises ValueError for a port that is not a number in range
    except ValueError:
        raise VerifyInputError("--aws-endpoint", "", f"not a URL: {endpoint!r}", fix) from None
    if url.scheme not in ("http", "https") or not url.hostname or port == 0:
        raise VerifyInputError("--aws-endpoint", "", f"not an http(s) URL: {endpoint!r}", fix)


def _hosts(spec: str) -> None:
    # testinfra's own parser and backend table: what it would refuse later, refuse now.
    from testinfra.backend import get_backend_class, parse_hostspec

    fix = "pass one testinfra host spec, e.g. local:// or ssh://bastion"
    if not spec or "," in spec:
        raise VerifyInputError("--hosts", "", f"expected one vantage point, got {spec!r}", fix)
    try:
        host, options = parse_hostspec(spec)
        get_backend_class(options.get("connection", "local" if not host else "paramiko"))
    except (RuntimeError, ValueError, ImportError) as exc:
        raise VerifyInputError("--hosts", "", f"{spec!r}: {exc}", fix) from None


def _ca_bundle(path: Path) -> None:
    fix = "download the AWS RDS global bundle (global-bundle.pem) and pass its path"
    if not path.is_file():
        raise VerifyInputError(path, "", "CA bundle not found", fix)
    try:
        ssl.create_default_context(cafile=str(path))
    except (ssl.SSLError, OSError, ValueError):
        raise VerifyInputError(path, "", "not a PEM bundle of CA certificates", fix) from None
