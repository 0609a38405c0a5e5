"""`verify` never hands a password to a server it has not proven, and never prints one.

The databases of this environment are hostile fakes (tests/verify/fake_servers.py) that
request cleartext authentication, with no TLS or with a certificate from a CA the run
does not trust. The password has whitespace, non-ASCII characters and 300 characters.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from components import outputs as out
from storagectl.verify.expectations import DatabaseExpectation, Expectations
from storagectl.verify.runner import run_verify
from tests.verify import environments, fake_servers
from tests.verify.aws_world import create_secret

# Real servers (or moto) on loopback: deselect with `-m "not servers"`.
pytestmark = pytest.mark.servers

PASSWORD = ("Tr0ub4dor &3\tcorrect horse\nbattery staple ünïcödé €☃ " * 8)[:300]
FRAGMENTS = ["Tr0ub4dor", "battery staple", "ünïcödé €☃"]


@dataclass
class Fakes:
    """The fake servers of one test session, by database name."""

    servers: dict[str, fake_servers.FakeServer]
    engines: dict[str, str]

    def received(self) -> bytes:
        """Every byte any fake received."""
        return b"".join(bytes(s.received) for s in self.servers.values())


@pytest.fixture(scope="module")
def fakes(other_tls) -> Iterator[Fakes]:
    """A PostgreSQL and a MySQL fake each without TLS and with an untrusted certificate."""
    untrusted = fake_servers.tls_server_context(other_tls.server_cert, other_tls.server_key)
    servers = {
        "pg-plain": fake_servers.FakeServer(fake_servers.postgres_handler(None)),
        "pg-untrusted": fake_servers.FakeServer(fake_servers.postgres_handler(untrusted)),
        "my-plain": fake_servers.FakeServer(fake_servers.mysql_handler(None)),
        "my-untrusted": fake_servers.FakeServer(fake_servers.mysql_handler(untrusted)),
    }
    yield Fakes(servers, {n: "postgres" if n.startswith("pg") else "mysql" for n in servers})
    for server in servers.values():
        server.stop()


def outputs_document(databases: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A minimal outputs document: the environment and its databases only."""
    return {
        out.ENVIRONMENT: {
            out.ENV_NAME: environments.ENV,
            out.ENV_TIER: "staging",
            out.ENV_REGION: "eu-west-1",
        },
        out.DATABASES: databases,
    }


def expectations(names: list[str]) -> Expectations:
    """The declared environment: just these databases, no replicas."""
    return Expectations(tier="staging", databases={n: DatabaseExpectation() for n in names})


@pytest.fixture(scope="module")
def fake_outputs(fakes, moto_endpoint, tmp_path_factory) -> Path:
    """Outputs pointing every database at a fake, with the hard password in moto."""
    secret = create_secret(moto_endpoint, "fake/master", "storage_admin", PASSWORD)
    databases = {}
    for name, server in fakes.servers.items():
        entry = environments.database(
            fakes.engines[name], server.host, [], server.port, f"fake-{name}", secret, "k"
        )
        entry[out.DB_IAM_USERS] = ["orders_app"]
        databases[name] = entry
    path = tmp_path_factory.mktemp("fake") / "outputs.json"
    path.write_text(json.dumps(outputs_document(databases)))
    return path


def _run(fakes, fake_outputs, moto_endpoint, tls, output_format) -> tuple[int, str, str]:
    output, errors = io.StringIO(), io.StringIO()
    status = run_verify(
        environments.ENV,
        fake_outputs,
        expectations=expectations(list(fakes.servers)),
        aws_endpoint=moto_endpoint,
        ca_bundle=tls.ca_cert,
        output_format=output_format,
        timeout=3,
        out=output,
        err=errors,
    )
    return status, output.getvalue(), errors.getvalue()


@pytest.fixture(scope="module")
def json_run(fakes, fake_outputs, moto_endpoint, tls) -> tuple[int, str, str]:
    """One verify run over the fakes, as JSON."""
    return _run(fakes, fake_outputs, moto_endpoint, tls, "json")


@pytest.fixture(scope="module")
def table_run(fakes, fake_outputs, moto_endpoint, tls) -> tuple[int, str, str]:
    """One verify run over the fakes, as a table."""
    return _run(fakes, fake_outputs, moto_endpoint, tls, "table")


@pytest.fixture(params=["json_run", "table_run"])
def fake_run(request) -> tuple[int, str, str]:
    """Each of the two runs."""
    return request.getfixturevalue(request.param)


def test_credentials_fakes_were_contacted(fake_run, fakes) -> None:
    # Guard against a vacuous pass: every fake saw the run's connections.
    assert all(server.connections > 0 for server in fakes.servers.values())


def test_credentials_password_never_reaches_a_fake(fake_run, fakes) -> None:
    received = fakes.received()
    leaked = [f for f in [PASSWORD, *FRAGMENTS] if f.encode() in received]
    assert leaked == []


def test_credentials_password_never_printed(fake_run) -> None:
    _, output, errors = fake_run
    assert [f for f in [PASSWORD, *FRAGMENTS] if f in output + errors] == []


def test_credentials_run_reports_failure(fake_run) -> None:
    assert fake_run[0] == 1


@pytest.mark.parametrize(
    ("check", "target"),
    [
        ("database_tls_connection_succeeds", "pg-plain/writer"),
        ("database_tls_connection_succeeds", "pg-untrusted/writer"),
        ("database_tls_connection_succeeds", "my-plain/writer"),
        ("database_tls_connection_succeeds", "my-untrusted/writer"),
        ("database_plaintext_refused", "pg-plain/writer"),
        ("database_plaintext_refused", "my-plain/writer"),
        ("database_iam_user_enabled", "pg-plain/orders_app"),
        ("database_iam_user_enabled", "my-untrusted/orders_app"),
    ],
)
def test_credentials_fake_fails_check(json_run, check, target) -> None:
    checks = json.loads(json_run[1])["checks"]
    statuses = [c["status"] for c in checks if (c["check"], c["target"]) == (check, target)]
    assert statuses == ["fail"]


def test_credentials_plaintext_probe_reports_cleartext_request(fakes) -> None:
    from storagectl.verify import postgres
    from storagectl.verify.access import Access
    from storagectl.verify.secrets import Credentials

    server = fakes.servers["pg-plain"]
    access = Access(server.host, server.port, Credentials("storage_admin", PASSWORD), timeout=3)
    verdict = postgres.plaintext_refused(access)
    assert (verdict.ok, "password in clear text" in verdict.detail) == (False, True)


def test_credentials_echoed_secret_is_redacted_before_squeezing(moto_endpoint, tls, tmp_path):
    # A server echoing the password (newlines and tabs included) in its error message.
    echo = fake_servers.FakeServer(fake_servers.postgres_handler(None, f"bad: {PASSWORD}"))
    secret = create_secret(moto_endpoint, "fake/echo", "storage_admin", PASSWORD)
    entry = environments.database("postgres", echo.host, [], echo.port, "fake-echo", secret, "k")
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(outputs_document({"echo": entry})))
    output = io.StringIO()
    try:
        run_verify(
            environments.ENV,
            path,
            expectations=expectations(["echo"]),
            aws_endpoint=moto_endpoint,
            ca_bundle=tls.ca_cert,
            output_format="json",
            timeout=3,
            out=output,
        )
    finally:
        echo.stop()
    checks = json.loads(output.getvalue())["checks"]
    detail = next(c["detail"] for c in checks if c["check"] == "database_plaintext_refused")
    assert (detail.startswith("could not tell"), [f for f in FRAGMENTS if f in detail]) == (
        True,
        [],
    )
