"""`storagectl audit --state FILE`: the policy pack over `pulumi stack export` JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from referencing import Registry, Resource
from typer.testing import CliRunner

from storagectl.audit import ExportError, audit_export, export
from storagectl.cli import app
from tests.exports import DRIFT_BUCKET, DRIFT_PLAINTEXT, EXPORTS, SCHEMAS, export_of
from tests.plans import REPO, STACKS, plan_of

CLEAN = EXPORTS / "prod.json"
DRIFT = EXPORTS / "prod-drift.json"
SARIF_SCHEMA = REPO / "tests" / "policies" / "data" / "sarif-schema-2.1.0.json"
FORMATS = ("table", "json", "markdown", "sarif")


@cache
def validator() -> jsonschema.Draft202012Validator:
    """Pulumi's published deployment schema (tests/data/pulumi-schema/SOURCE.md)."""
    schemas = [json.loads(p.read_text()) for p in SCHEMAS.glob("*.json")]
    registry: Registry = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in schemas
    )
    root = next(s for s in schemas if s["$id"].endswith("/deployments.json"))
    return jsonschema.Draft202012Validator(root, registry=registry)


def run(*args: str) -> Any:
    return CliRunner().invoke(app, ["audit", *args])


def findings(document: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(v["policy"], v["urn"], v["enforcement"]) for v in document["violations"]}


# --- fixtures follow Pulumi's schema ------------------------------------------------------


@pytest.mark.parametrize("path", [CLEAN, DRIFT], ids=lambda p: p.stem)
def test_fixture_validates_against_pulumi_deployment_schema(path: Path) -> None:
    validator().validate(json.loads(path.read_text()))


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d["deployment"]["resources"][2].update(unknownField=1),
        lambda d: d["deployment"]["resources"][2]["inputs"].update(
            x={"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}
        ),
        lambda d: d["deployment"].pop("manifest"),
    ],
    ids=["unknown-resource-field", "secret-without-ciphertext", "no-manifest"],
)
def test_schema_check_is_not_vacuous(mutate) -> None:
    document = json.loads(CLEAN.read_text())
    document["deployment"]["resources"] = document["deployment"]["resources"][:3]
    assert not list(validator().iter_errors(document))
    mutate(document)
    assert list(validator().iter_errors(document))


# --- the same findings as the plan --------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_audit_of_a_deployed_plan_reports_what_the_plan_reports(stack: str, tmp_path: Path) -> None:
    path = tmp_path / f"{stack}.json"
    path.write_text(json.dumps(export_of(plan_of(stack))))
    assert findings(audit_export(path)) == findings(plan_of(stack))


def test_drifted_bucket_encryption_is_the_one_new_finding() -> None:
    drift = findings(audit_export(DRIFT)) - findings(audit_export(CLEAN))
    assert [(policy, urn.rsplit("::", 1)[1], level) for policy, urn, level in drift] == [
        ("s3-bucket-enforce-kms-encryption", DRIFT_BUCKET, "mandatory")
    ]


def test_resource_rules_judge_the_recorded_outputs(tmp_path: Path) -> None:
    # Deletion protection turned off in the console, then `pulumi refresh`: the outputs
    # say so while the inputs still ask for it.
    document = json.loads(CLEAN.read_text())
    writer = next(
        r
        for r in document["deployment"]["resources"]
        if r["urn"].endswith("::backend-storage-prod-orders-writer")
    )
    assert writer["inputs"]["deletionProtection"] is True
    writer["outputs"]["deletionProtection"] = False
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document))
    drift = findings(audit_export(path)) - findings(audit_export(CLEAN))
    assert [(policy, urn.rsplit("::", 1)[1]) for policy, urn, _ in drift] == [
        ("rds-instance-enable-deletion-protection", "backend-storage-prod-orders-writer")
    ]


def test_drift_fails_the_audit_and_the_clean_export_passes() -> None:
    assert (run("--state", str(DRIFT)).exit_code, run("--state", str(CLEAN)).exit_code) == (1, 0)


def test_audit_reports_the_stack_of_the_export() -> None:
    document = json.loads(run("--state", str(CLEAN), "--format", "json").stdout)
    assert (document["project"], document["stack"], document["audit"]["file"]) == (
        "backend-storage",
        "prod",
        str(CLEAN),
    )


def test_policy_config_option_sets_enforcement(tmp_path: Path) -> None:
    config = tmp_path / "pack.json"
    config.write_text(json.dumps({"all": "advisory"}))
    assert run("--state", str(DRIFT), "--policy-config", str(config)).exit_code == 0


# --- secrets ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_secret_plaintext_in_the_export_is_never_printed(fmt: str) -> None:
    result = run("--state", str(DRIFT), "--format", fmt)
    assert result.exit_code == 1 and DRIFT_PLAINTEXT not in result.output


def test_secret_is_shown_as_the_secret_marker() -> None:
    document = json.loads(run("--state", str(DRIFT), "--format", "json").stdout)
    assert document["outputs"]["ordersDsn"] == "[secret]"


def test_credential_named_plain_values_are_masked(tmp_path: Path) -> None:
    document = json.loads(CLEAN.read_text())
    bucket = next(
        r for r in document["deployment"]["resources"] if r["type"] == "aws:s3/bucket:Bucket"
    )
    for side in ("inputs", "outputs"):
        bucket[side]["tags"]["deploy-token"] = "tok-in-a-tag-91c3"
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document))
    result = run("--state", str(path), "--format", "json")
    assert "tok-in-a-tag-91c3" not in result.output
    assert "aws-resource-disallow-credential-tag-keys" in result.output


def test_sarif_of_an_audit_validates() -> None:
    schema = json.loads(SARIF_SCHEMA.read_text())
    jsonschema.validate(json.loads(run("--state", str(DRIFT), "--format", "sarif").stdout), schema)


# --- hostile input: exit 2 with a located message -----------------------------------------

HOSTILE: dict[str, tuple[bytes, str]] = {
    "bad-json": (b'{"version": 3,\n "deployment": }', ":2:16: invalid JSON"),
    "not-utf8": (b'{"version": 3, "deployment": {"x": "\xff\xfe"}}', "byte 36: not UTF-8"),
    "utf16": ('{"version": 3}'.encode("utf-16"), "not UTF-8"),
    "deep": (b"[" * 100_000 + b"]" * 100_000, "nested deeper than"),
    "deep-but-parsable": (
        b'{"version": 3, "deployment": {"resources": [' + b"[" * 200 + b"]" * 200 + b"]}}",
        "nested deeper than 64",
    ),
    "huge-int": (b'{"version": ' + b"9" * 5000 + b"}", "invalid JSON"),
    "top-level-list": (b"[]", "(top level): must be an object (got an array)"),
    "not-an-export": (b'{"resources": []}', 'needs "version" and "deployment"'),
    "version-4": (b'{"version": 4, "deployment": {}}', "version: only deployment version 3"),
    "resources-not-array": (
        b'{"version": 3, "deployment": {"resources": {}}}',
        "deployment.resources: must be an array (got an object)",
    ),
    "resource-without-urn": (
        b'{"version": 3, "deployment": {"resources": [{"type": "aws:s3/bucket:Bucket"}]}}',
        "deployment.resources[0].urn: must be a Pulumi URN",
    ),
    "inputs-not-object": (
        b'{"version": 3, "deployment": {"resources": [{"urn": "urn:pulumi:s::p::t::n", '
        b'"type": "t", "inputs": [1]}]}}',
        "deployment.resources[0].inputs: must be an object (got an array)",
    ),
    "duplicate-urn": (
        b'{"version": 3, "deployment": {"resources": [{"urn": "urn:pulumi:s::p::t::n", '
        b'"type": "t"}, {"urn": "urn:pulumi:s::p::t::n", "type": "t"}]}}',
        "deployment.resources[1].urn: repeats deployment.resources[0].urn",
    ),
    "protect-not-bool": (
        b'{"version": 3, "deployment": {"resources": [{"urn": "urn:pulumi:s::p::t::n", '
        b'"type": "t", "protect": "yes"}]}}',
        "deployment.resources[0].protect: must be a boolean (got a string)",
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_export_exits_2_with_a_located_message(case: str, tmp_path: Path) -> None:
    data, expected = HOSTILE[case]
    path = tmp_path / "export.json"
    path.write_bytes(data)
    result = run("--state", str(path))
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"error: {path}") and expected in result.output
    assert "Traceback" not in result.output


def test_export_larger_than_the_bound_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_bytes(b" " * 2048)
    with pytest.raises(ExportError, match="larger than 1,024 bytes"):
        export.read_export(path, max_bytes=1024)


def test_huge_export_exits_2_through_the_cli(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(export, "MAX_BYTES", 4096)
    path = tmp_path / "export.json"
    path.write_bytes(CLEAN.read_bytes())
    result = run("--state", str(path))
    assert result.exit_code == 2 and f"error: {path}: larger than 4,096 bytes" in result.output


def test_missing_export_exits_2(tmp_path: Path) -> None:
    result = run("--state", str(tmp_path / "nope.json"))
    assert result.exit_code == 2 and "cannot read the export" in result.output


def test_unwritable_output_exits_2(tmp_path: Path) -> None:
    result = run("--state", str(CLEAN), "--output", str(tmp_path / "missing" / "out.txt"))
    assert result.exit_code == 2 and "cannot write" in result.output


def test_output_file_receives_the_report(tmp_path: Path) -> None:
    out = tmp_path / "audit.md"
    result = run("--state", str(DRIFT), "--format", "markdown", "--output", str(out))
    assert result.exit_code == 1 and "s3-bucket-enforce-kms-encryption" in out.read_text()


def test_bad_policy_config_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "pack.json"
    config.write_text(json.dumps({"s3-bucket-be-nice": "mandatory"}))
    result = run("--state", str(CLEAN), "--policy-config", str(config))
    assert result.exit_code == 2 and "s3-bucket-be-nice" in result.output


def test_audit_command_runs_as_a_user_runs_it() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "storagectl", "audit", "--state", str(DRIFT), "--format", "json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1 and json.loads(done.stdout)["summary"]["violations"]["mandatory"]


# --- mutated property values: the export's own error or a result, never a traceback -----

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)


@cache
def small_export() -> dict[str, Any]:
    """The first 60 resources of the prod fixture: every kind the rules read, quickly."""
    document = json.loads(CLEAN.read_text())
    document["deployment"]["resources"] = document["deployment"]["resources"][:60]
    return document


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path] if path else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*path, index))
    return found


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_property_values_never_crash_the_audit(data, tmp_path_factory) -> None:
    document = json.loads(json.dumps(small_export()))
    resources = document["deployment"]["resources"]
    resource = data.draw(st.sampled_from([r for r in resources if r.get("outputs")]))
    side = data.draw(st.sampled_from(["inputs", "outputs"]))
    paths = _paths(resource.get(side) or {})
    if paths:
        path = data.draw(st.sampled_from(paths))
        target = resource[side]
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = data.draw(JSON_VALUES)
    file = tmp_path_factory.mktemp("fuzz") / "export.json"
    file.write_text(json.dumps(document))
    try:
        audit_export(file)
    except ExportError as exc:
        assert str(exc).startswith(str(file))
