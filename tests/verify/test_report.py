"""Report rendering prints data literally: no markup, no emoji, no control characters."""

from __future__ import annotations

import io
import json

import pytest

from storagectl.verify.plugin import FAILED, PASSED, CheckResult
from storagectl.verify.report import render_json, render_table
from tests.verify import environments
from tests.verify.test_input import KEY, SECRET, SHAPE, run

ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf"
HOSTILE = ["db[/]x", "db[bold red]x", ARN, "[link=http://evil]click[/link]"]


def _table(results: list[CheckResult]) -> str:
    out = io.StringIO()
    render_table(results, "prod", 1.0, out)
    return out.getvalue()


@pytest.mark.parametrize("value", HOSTILE)
def test_report_table_prints_target_literally(value) -> None:
    text = _table([CheckResult("endpoint_resolves", value, FAILED, f"{value} failed", "")])
    assert text.count(value) == 2, text


def test_report_table_escapes_control_characters() -> None:
    text = _table([CheckResult("c", "t", PASSED, "red \x1b[31m bell \x07 end", "")])
    assert ("\x1b" in text, "\\x1b[31m" in text, "\\x07" in text) == (False, True, True)


def test_report_json_keeps_values_exact() -> None:
    out = io.StringIO()
    render_json([CheckResult("c", "db[/]x", FAILED, ARN, "")], "prod", 1.0, out)
    check = json.loads(out.getvalue())["checks"][0]
    assert (check["target"], check["detail"]) == ("db[/]x", ARN)


def test_report_hostile_host_names_reported_after_checks_ran(tmp_path) -> None:
    # Every check runs (and fails) on these hosts; the table must still come out whole.
    databases = {
        "orders": environments.database("postgres", "db[/]x", [], 5432, "db", SECRET, KEY),
        "catalog": environments.database("mysql", "db[bold red]x", [], 3306, "db", SECRET, KEY),
    }
    document = environments.document(SHAPE, databases, "c[/]", None, 6380, SECRET)
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(document))
    status, out, err = run(path, aws_endpoint="http://127.0.0.1:9", timeout=2)
    expected = ("db[/]x", "db[bold red]x", "not a host name or IP address: 'db[/]x'")
    assert (status, err, [e for e in expected if e not in out]) == (1, "", []), out
