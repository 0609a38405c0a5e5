"""boto3 clients for the checks: bounded timeouts, few retries, optional endpoint override."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Mapping
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from ..verdict import NotVerifiable, Verdict

# Error codes and HTTP statuses with which an endpoint (moto, LocalStack) says it does not
# implement an API, as opposed to AWS answering about the resource.
_UNSUPPORTED_CODES = {"NotImplemented", "InvalidAction", "UnknownOperationException"}
_UNSUPPORTED_STATUSES = {404, 501}


TOTAL_ATTEMPTS = 2
"""One retry (throttling, a dropped connection), never more: a dead endpoint costs at most
two connect or read timeouts per call. botocore's `max_attempts` counts retries only, so
the bound is spelled with `total_max_attempts` (the initial call included)."""

_creating = threading.Lock()


def client(service: str, region: str, endpoint: str | None, timeout: float) -> Any:
    """A cached boto3 client; every call is bounded by `timeout` (connect and read).

    boto3 clients are thread-safe once built, but building them from sessions is not
    cheap and not meant to race: checks running concurrently share one client each.
    """
    with _creating:
        return _client(service, region, endpoint, timeout)


@functools.lru_cache(maxsize=64)
def _client(service: str, region: str, endpoint: str | None, timeout: float) -> Any:
    config = Config(
        connect_timeout=timeout,
        read_timeout=timeout,
        retries={"total_max_attempts": TOTAL_ATTEMPTS, "mode": "standard"},
        # As many connections as checks in flight, or urllib3 discards and reconnects.
        max_pool_connections=32,
    )
    return boto3.session.Session().client(
        service, region_name=region, endpoint_url=endpoint, config=config
    )


def region_of(arn: str, default: str) -> str:
    """The region field of an ARN, or `default` when the ARN has none."""
    parts = arn.split(":")
    return parts[3] if len(parts) > 4 and parts[3] else default


def error_code(exc: ClientError) -> str:
    """The AWS error code of a ClientError."""
    return str(exc.response.get("Error", {}).get("Code", ""))


def raise_if_unsupported(exc: ClientError, operation: str) -> None:
    """Turn "this endpoint lacks the API" into NotVerifiable; other errors pass through."""
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    code = error_code(exc)
    # A 404/501 without an AWS error code is an unknown route, not a missing resource.
    if code in _UNSUPPORTED_CODES or (
        status in _UNSUPPORTED_STATUSES and code in ("", str(status))
    ):
        raise NotVerifiable(f"not verifiable against this endpoint: {operation} is not supported")


def guarded(
    operation: str, action: Callable[[], Verdict], meanings: Mapping[str, str] | None = None
) -> Verdict:
    """Run one control-plane check; API errors become failed verdicts with a clear cause.

    `meanings` maps an AWS error code ("NoSuchBucketPolicy") to the sentence to report.
    """
    try:
        return action()
    except ClientError as exc:
        raise_if_unsupported(exc, operation)
        code = error_code(exc)
        return Verdict.failed((meanings or {}).get(code) or f"{operation} failed: {code}")
    except ResponseParserError:
        # An AWS look-alike (moto) answering an API it lacks with an HTML error page.
        raise NotVerifiable(
            f"not verifiable against this endpoint: {operation} is not supported"
        ) from None
    except BotoCoreError as exc:
        return Verdict.failed(f"{operation}: cannot reach the AWS endpoint ({type(exc).__name__})")
