"""Read `pulumi stack output --json --show-secrets` into typed, validated records.

Keys come from :mod:`components.outputs`, the constants the Pulumi program exports with,
so a renamed output cannot silently drift from what the checks read.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from components import outputs as out

from .errors import VerifyInputError

T = TypeVar("T")

EXPORT_FIX = "re-export it with `pulumi stack output --json --show-secrets > FILE`"

MAX_BYTES = 8 * 1024 * 1024
"""Outputs of the largest environment are a few hundred KiB; anything far bigger is not one."""
MAX_INT_DIGITS = 20
"""Ports and counts fit in 20 digits; a longer integer is refused before Python converts it."""


@dataclass(frozen=True)
class EnvironmentOutputs:
    """environment.*: where the stack lives."""

    name: str
    tier: str
    region: str
    dr_region: str | None


@dataclass(frozen=True)
class KeyOutputs:
    """keys.<data class>.*: one customer-managed KMS key (and its DR copy)."""

    name: str
    arn: str
    dr_arn: str | None


@dataclass(frozen=True)
class BucketOutputs:
    """buckets.<logical>.*: an S3 bucket and its DR replica."""

    name: str
    bucket: str
    region: str
    kms_key_arn: str
    dr_bucket: str | None
    dr_arn: str | None


@dataclass(frozen=True)
class DatabaseOutputs:
    """databases.<logical>.*: an RDS instance or Aurora cluster with its replicas."""

    name: str
    engine: str
    flavour: str
    writer_endpoint: str
    replica_endpoints: tuple[str, ...]
    port: int
    database_name: str | None
    identifier: str
    replica_identifiers: tuple[str, ...]
    master_secret_arn: str
    kms_key_arn: str
    iam_users: tuple[str, ...] = ()


@dataclass(frozen=True)
class CacheOutputs:
    """caches.<logical>.*: an ElastiCache replication group."""

    name: str
    engine: str
    primary_endpoint: str
    reader_endpoint: str | None
    port: int
    replication_group_id: str
    user_group_id: str | None
    user_secret_arns: Mapping[str, str]
    kms_key_arn: str | None


@dataclass(frozen=True)
class RoleOutputs:
    """roles.<application>.*: the IAM role an application assumes."""

    name: str
    role_name: str
    arn: str


@dataclass(frozen=True)
class StackOutputs:
    """Everything `storagectl verify` reads from one stack's outputs."""

    file: str
    environment: EnvironmentOutputs
    keys: Mapping[str, KeyOutputs]
    buckets: Mapping[str, BucketOutputs]
    databases: Mapping[str, DatabaseOutputs]
    caches: Mapping[str, CacheOutputs]
    roles: Mapping[str, RoleOutputs]


class _Reader:
    """Typed access to one JSON document; every error names the file and the key path."""

    def __init__(self, file: Path) -> None:
        self.file = file

    def fail(self, path: str, problem: str, fix: str = EXPORT_FIX) -> VerifyInputError:
        return VerifyInputError(self.file, path, problem, fix)

    def mapping(
        self, parent: Mapping[str, Any], key: str, path: str, *, required: bool = True
    ) -> dict[str, Any]:
        here = f"{path}.{key}" if path else key
        if key not in parent or parent[key] is None:
            if required:
                raise self.fail(here, "missing")
            return {}
        value = parent[key]
        if not isinstance(value, dict):
            raise self.fail(here, f"expected an object, found {type(value).__name__}")
        return value

    def string(self, parent: Mapping[str, Any], key: str, path: str) -> str:
        value = self.optional(parent, key, path)
        if value is None:
            raise self.fail(f"{path}.{key}", "missing")
        return value

    def optional(self, parent: Mapping[str, Any], key: str, path: str) -> str | None:
        here = f"{path}.{key}"
        value = parent.get(key)
        if value is None or value == "":
            return None
        if value == "[secret]":
            raise self.fail(here, "is hidden as [secret]", "export with --show-secrets")
        if not isinstance(value, str):
            raise self.fail(here, f"expected a string, found {type(value).__name__}")
        return value

    def port(self, parent: Mapping[str, Any], key: str, path: str) -> int:
        value = parent.get(key)
        # ASCII digits only: "²".isdigit() is true, but int("²") is an error.
        if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 5:
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 65536:
            raise self.fail(f"{path}.{key}", f"expected a port number, found {value!r}")
        return value

    def strings(self, parent: Mapping[str, Any], key: str, path: str) -> tuple[str, ...]:
        value = parent.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"{path}.{key}", "expected a list of strings")
        return tuple(value)

    def string_map(self, parent: Mapping[str, Any], key: str, path: str) -> dict[str, str]:
        value = parent.get(key) or {}
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise self.fail(f"{path}.{key}", "expected an object of strings")
        return dict(value)


def load_outputs(file: Path) -> StackOutputs:
    """Parse and validate the outputs file; raise VerifyInputError naming file and key."""
    reader = _Reader(file)
    document = _parse(reader, _read_text(reader, file))
    if not isinstance(document, dict):
        raise reader.fail("", "expected a JSON object of stack outputs")

    env = reader.mapping(document, out.ENVIRONMENT, "")
    environment = EnvironmentOutputs(
        name=reader.string(env, out.ENV_NAME, out.ENVIRONMENT),
        tier=reader.string(env, out.ENV_TIER, out.ENVIRONMENT),
        region=reader.string(env, out.ENV_REGION, out.ENVIRONMENT),
        dr_region=reader.optional(env, out.ENV_DR_REGION, out.ENVIRONMENT),
    )
    return StackOutputs(
        file=str(file),
        environment=environment,
        keys=_each(reader, document, out.KEYS, _key),
        buckets=_each(reader, document, out.BUCKETS, _bucket),
        databases=_each(reader, document, out.DATABASES, _database),
        caches=_each(reader, document, out.CACHES, _cache),
        roles=_each(reader, document, out.ROLES, _role),
    )


class _NumberTooLong(ValueError):
    """An integer literal longer than MAX_INT_DIGITS."""


class _NotJsonConstant(ValueError):
    """NaN or Infinity, which Python's json accepts but JSON does not."""


def _read_text(reader: _Reader, file: Path) -> str:
    """The file as text: bounded in size, strictly UTF-8 (a UTF-8 BOM is tolerated)."""
    try:
        with file.open("rb") as stream:
            data = stream.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise reader.fail("", "no such file", EXPORT_FIX) from None
    except OSError as exc:
        raise reader.fail("", f"cannot be read ({exc.strerror or type(exc).__name__})") from None
    if len(data) > MAX_BYTES:
        raise reader.fail("", f"larger than {MAX_BYTES // (1024 * 1024)} MiB: not stack outputs")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise reader.fail("", "is UTF-16 text", f"{EXPORT_FIX} (PowerShell: add `-Encoding utf8`)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise reader.fail("", f"not UTF-8 text (invalid byte at offset {exc.start})") from None


def _parse(reader: _Reader, text: str) -> Any:
    def parse_int(literal: str) -> int:
        if len(literal.lstrip("-")) > MAX_INT_DIGITS:
            raise _NumberTooLong(literal[:12])
        return int(literal)

    def parse_constant(name: str) -> Any:
        raise _NotJsonConstant(name)

    try:
        return json.loads(text, parse_int=parse_int, parse_constant=parse_constant)
    except json.JSONDecodeError as exc:
        raise reader.fail("", f"not JSON (line {exc.lineno}, column {exc.colno})") from None
    except _NumberTooLong as exc:
        raise reader.fail(
            "", f"an integer with more than {MAX_INT_DIGITS} digits ({exc}...): not stack outputs"
        ) from None
    except _NotJsonConstant as exc:
        raise reader.fail("", f"{exc} is not a JSON value") from None
    except RecursionError:
        raise reader.fail("", "nested too deeply to be stack outputs") from None


def _each(
    reader: _Reader, document: Mapping[str, Any], kind: str, build: Callable[..., T]
) -> dict[str, T]:
    entries = reader.mapping(document, kind, "", required=False)
    result: dict[str, T] = {}
    for name in entries:
        path = f"{kind}.{name}"
        result[name] = build(reader, name, reader.mapping(entries, name, kind), path)
    return result


def _key(r: _Reader, name: str, d: Mapping[str, Any], path: str) -> KeyOutputs:
    return KeyOutputs(
        name=name,
        arn=r.string(d, out.KEY_ARN, path),
        dr_arn=r.optional(d, out.KEY_DR_ARN, path),
    )


def _bucket(r: _Reader, name: str, d: Mapping[str, Any], path: str) -> BucketOutputs:
    return BucketOutputs(
        name=name,
        bucket=r.string(d, out.BUCKET_NAME, path),
        region=r.string(d, out.BUCKET_REGION, path),
        kms_key_arn=r.string(d, out.BUCKET_KMS_KEY_ARN, path),
        dr_bucket=r.optional(d, out.BUCKET_DR_NAME, path),
        dr_arn=r.optional(d, out.BUCKET_DR_ARN, path),
    )


def _database(r: _Reader, name: str, d: Mapping[str, Any], path: str) -> DatabaseOutputs:
    engine = r.string(d, out.DB_ENGINE, path)
    if engine not in ("postgres", "mysql"):
        raise r.fail(f"{path}.{out.DB_ENGINE}", f"unknown engine {engine!r} (postgres, mysql)")
    return DatabaseOutputs(
        name=name,
        engine=engine,
        flavour=r.optional(d, out.DB_FLAVOUR, path) or "instance",
        writer_endpoint=r.string(d, out.DB_WRITER_ENDPOINT, path),
        replica_endpoints=r.strings(d, out.DB_REPLICA_ENDPOINTS, path),
        port=r.port(d, out.DB_PORT, path),
        database_name=r.optional(d, out.DB_NAME, path),
        identifier=r.string(d, out.DB_IDENTIFIER, path),
        replica_identifiers=r.strings(d, out.DB_REPLICA_IDENTIFIERS, path),
        master_secret_arn=r.string(d, out.DB_MASTER_SECRET_ARN, path),
        kms_key_arn=r.string(d, out.DB_KMS_KEY_ARN, path),
        # Optional: outputs of stacks deployed before the key existed still load.
        iam_users=r.strings(d, out.DB_IAM_USERS, path),
    )


def _cache(r: _Reader, name: str, d: Mapping[str, Any], path: str) -> CacheOutputs:
    return CacheOutputs(
        name=name,
        engine=r.string(d, out.CACHE_ENGINE, path),
        primary_endpoint=r.string(d, out.CACHE_PRIMARY_ENDPOINT, path),
        reader_endpoint=r.optional(d, out.CACHE_READER_ENDPOINT, path),
        port=r.port(d, out.CACHE_PORT, path),
        replication_group_id=r.string(d, out.CACHE_REPLICATION_GROUP_ID, path),
        user_group_id=r.optional(d, out.CACHE_USER_GROUP_ID, path),
        user_secret_arns=r.string_map(d, out.CACHE_USER_SECRET_ARNS, path),
        kms_key_arn=r.optional(d, out.CACHE_KMS_KEY_ARN, path),
    )


def _role(r: _Reader, name: str, d: Mapping[str, Any], path: str) -> RoleOutputs:
    return RoleOutputs(
        name=name,
        role_name=r.string(d, out.ROLE_NAME, path),
        arn=r.string(d, out.ROLE_ARN, path),
    )
