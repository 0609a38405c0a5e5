"""Every invalid option or outputs file is exit 2 with one line, before anything connects."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from components import outputs as out
from storagectl.verify.runner import run_verify
from tests.verify import environments
from tests.verify.aws_world import Shape

KEY = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
SHAPE = Shape(KEY, KEY, "b", "b-dr", "db", "db2", "aurora", "rg", "ug", "role")
SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x-AbCdEf"


def document() -> dict[str, Any]:
    """A valid outputs document of the test environment (never checked: input fails first)."""
    databases = {
        name: environments.database(engine, "db.example", [], 5432, "db", SECRET, KEY)
        for name, engine in (("orders", "postgres"), ("catalog", "mysql"))
    }
    return environments.document(SHAPE, databases, "cache.example", None, 6380, SECRET)


def run(outputs: Path, **options: Any) -> tuple[int, str, str]:
    """run_verify with the test expectations; (status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    status = run_verify(
        environments.ENV,
        outputs,
        expectations=environments.EXPECTATIONS,
        out=out,
        err=err,
        **options,
    )
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def valid_outputs(tmp_path: Path) -> Path:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(document()))
    return path


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"timeout": float("inf")}, "--timeout: must be a number of seconds"),
        ({"timeout": float("nan")}, "--timeout: must be a number of seconds"),
        ({"timeout": -1.0}, "--timeout: must be a number of seconds"),
        ({"timeout": 0.0}, "--timeout: must be a number of seconds"),
        ({"deadline": float("inf")}, "--deadline: must be a number of seconds"),
        ({"deadline": -5.0}, "--deadline: must be a number of seconds"),
        ({"aws_endpoint": "not a url"}, "--aws-endpoint: not an http(s) URL"),
        ({"aws_endpoint": "ftp://example.com"}, "--aws-endpoint: not an http(s) URL"),
        ({"aws_endpoint": "http://example.com:99999"}, "--aws-endpoint: not a URL"),
        ({"hosts": "bogus://x"}, "--hosts: 'bogus://x': Unknown connection type 'bogus'"),
        ({"hosts": "ssh://a,ssh://b"}, "--hosts: expected one vantage point"),
        ({"output_format": "xml"}, "--format: unknown format 'xml'"),
    ],
)
def test_input_bad_option_exits_two_with_one_line(valid_outputs, options, message) -> None:
    status, out, err = run(valid_outputs, **options)
    assert (status, out, err.count("\n"), message in err) == (2, "", 1, True), err


def test_input_ca_bundle_that_is_no_pem_exits_two(valid_outputs, tmp_path) -> None:
    bundle = tmp_path / "bundle.pem"
    bundle.write_text("not a certificate\n")
    status, _, err = run(valid_outputs, ca_bundle=bundle)
    assert (status, "not a PEM bundle of CA certificates" in err) == (2, True)


def _write(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / "outputs.json"
    path.write_bytes(content)
    return path


def _with(path_value: str, value: Any) -> bytes:
    data = document()
    data["databases"]["orders"][path_value] = value
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"environment": {"name": ' + b"9" * 5000 + b"}}", "more than 20 digits"),
        (_with("port", "\u00b2"), "databases.orders.port: expected a port number, found '\u00b2'"),
        (_with("port", 10**30), "more than 20 digits"),
        (_with("port", True), "databases.orders.port: expected a port number"),
        (b'{"environment": NaN}', "NaN is not a JSON value"),
        (b'{"environment": {"name": "\xff\xfe"}}', "not UTF-8 text (invalid byte at offset 26)"),
        ('{"environment": {}}'.encode("utf-16"), "is UTF-16 text"),
        (b" " * (9 * 1024 * 1024), "larger than 8 MiB"),
        (b'{"environment": ', "not JSON (line 1, column 17)"),
        (b"[]", "expected a JSON object of stack outputs"),
    ],
    ids=[
        "deep",
        "long-int",
        "superscript-port",
        "huge-port",
        "bool-port",
        "nan",
        "not-utf8",
        "utf16",
        "huge",
        "truncated",
        "list",
    ],
)
def test_input_bad_outputs_file_exits_two_with_one_line(tmp_path, content, message) -> None:
    path = _write(tmp_path, content)
    status, out, err = run(path)
    assert (status, out, err.count("\n"), message in err, str(path) in err) == (
        2,
        "",
        1,
        True,
        True,
    ), err


def test_input_outputs_with_utf8_bom_load(tmp_path) -> None:
    # Windows tools write a byte-order mark; the file is still UTF-8 JSON. It loads, so
    # the run gets as far as the (here absent) stores: a different, later error.
    path = _write(tmp_path, b"\xef\xbb\xbf" + json.dumps({**document(), "databases": {}}).encode())
    status, _, err = run(path)
    assert (status, "databases.orders: missing" in err) == (2, True), err


def test_input_outputs_without_iam_users_load(valid_outputs) -> None:
    from storagectl.verify.outputs import load_outputs

    assert load_outputs(valid_outputs).databases["orders"].iam_users == ()


def test_input_outputs_iam_users_are_read(tmp_path) -> None:
    from storagectl.verify.outputs import load_outputs

    path = _write(tmp_path, _with(out.DB_IAM_USERS, ["orders_app", "reporting_ro"]))
    assert load_outputs(path).databases["orders"].iam_users == ("orders_app", "reporting_ro")
