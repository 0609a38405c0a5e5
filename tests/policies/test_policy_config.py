"""Policy-pack config files (`--policy-config`, policies/config/*.json) are validated.

Each bad file is one located line per problem (file, key, fix), raised as
PolicyConfigError; the CLI turns that into exit 2, never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from storagectl.cli import app
from storagectl.policy import PolicyConfigError, evaluate_plan
from storagectl.policy.config import MAX_BYTES, read_policy_config
from storagectl.policy.evaluate import PACK_DIR, load_pack, read_config
from tests.plans import REPO

PROGRAM = REPO / "tests" / "data" / "secret_program"

RULES = list(load_pack().REGISTRY)
LEVELS = "advisory, mandatory, remediate, disabled"


def problems(tmp_path: Path, content: str | bytes) -> list[str]:
    """The problem lines reading `content` as a policy config gives (file shown as `F`)."""
    path = tmp_path / "F"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(PolicyConfigError) as caught:
        read_policy_config(path, RULES)
    return [line.replace(str(path), "F") for line in caught.value.problems]


@pytest.mark.parametrize("path", sorted((PACK_DIR / "config").glob("*.json")), ids=lambda p: p.name)
def test_shipped_policy_configs_are_valid(path: Path) -> None:
    assert read_config(path, RULES) == json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            '{"all": "mandatroy"}',
            f'F: all: "mandatroy" is not an enforcement level; use one of {LEVELS}',
        ),
        (
            '{"kms-key-enable-rotation": {"enforcementLevel": 3}}',
            "F: kms-key-enable-rotation.enforcementLevel: a number is not an enforcement "
            f"level; use one of {LEVELS}",
        ),
        (
            '{"kms-key-enable-rotaton": "mandatory"}',
            "F: kms-key-enable-rotaton: no such policy; did you mean `kms-key-enable-rotation`?",
        ),
        (
            '{"zzz": "mandatory"}',
            "F: zzz: no such policy; use `all` or a policy name of the pack",
        ),
        (
            '{"kms-key-enable-rotation": ["mandatory"]}',
            f"F: kms-key-enable-rotation: must be an enforcement level ({LEVELS}) or an object "
            'such as {"enforcementLevel": "mandatory"}, not a list',
        ),
        (
            '{"rds-instance-configure-backup-retention": {"minimumRetentionDays": "7"}}',
            "F: rds-instance-configure-backup-retention.minimumRetentionDays: '7' is not of "
            "type 'integer'; expected an integer from 1 to 35",
        ),
        (
            '{"rds-instance-configure-backup-retention": {"minimumRetentionDays": 90}}',
            "F: rds-instance-configure-backup-retention.minimumRetentionDays: 90 is greater "
            "than the maximum of 35; expected an integer from 1 to 35",
        ),
        (
            '{"rds-instance-configure-backup-retention": {"minimumRetentionDay": 7}}',
            "F: rds-instance-configure-backup-retention.minimumRetentionDay: no such property "
            "of this policy; did you mean `minimumRetentionDays`? allowed: checkReadReplicas, "
            "minimumRetentionDays",
        ),
        (
            '{"kms-key-enable-rotation": {"days": 7}}',
            "F: kms-key-enable-rotation.days: no such property of this policy; allowed: none "
            "(only enforcementLevel)",
        ),
        (
            '{"all": {"enforcementLevel": "advisory", "environment": "prod"}}',
            "F: all.environment: `all` takes only an enforcementLevel; set properties on the "
            "policy they belong to",
        ),
        (
            "{",
            "F:1:2: not valid JSON: Expecting property name enclosed in double quotes; fix the syntax",
        ),
        (
            '{"all": "advisory", "all": "mandatory"}',
            'F: not valid JSON: duplicate key "all"; keep one of them',
        ),
        ('{"all": NaN}', "F: not valid JSON: NaN is not JSON; write a number"),
        (
            "[]",
            "F: a policy config is a JSON object of policy names (or `all`) to enforcement levels, not a list",
        ),
        (
            b"\xff\xfe{\x00}\x00",
            "F: not UTF-8 (byte 0xff at offset 0); save the file as UTF-8 JSON",
        ),
    ],
)
def test_bad_policy_config_is_one_located_line(tmp_path: Path, content: str, expected: str) -> None:
    assert problems(tmp_path, content) == [expected]


def test_every_problem_of_a_file_is_reported(tmp_path: Path) -> None:
    found = problems(tmp_path, '{"all": "x", "zzz": "advisory"}')
    assert [line.split(":")[1].strip() for line in found] == ["all", "zzz"]


def test_policy_config_nested_too_deep_is_refused(tmp_path: Path) -> None:
    found = problems(tmp_path, '{"all": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert found[0].startswith("F: nested deeper than 16 levels;")


def test_huge_policy_config_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    found = problems(tmp_path, '{"all": "advisory", "x": "' + "a" * MAX_BYTES + '"}')
    assert found == [
        f"F: larger than {MAX_BYTES} bytes; a policy config holds one small entry per policy: "
        "remove what is not a policy setting"
    ]


def test_huge_integer_is_a_json_error_not_a_traceback(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        '{"rds-instance-configure-backup-retention": {"minimumRetentionDays": ' + "9" * 5000 + "}}",
    )
    assert found[0].startswith("F: not valid JSON:")


def test_empty_policy_config_means_the_defaults(tmp_path: Path) -> None:
    # As the Pulumi CLI does (parsePolicyPackConfig accepts blank content).
    path = tmp_path / "empty.json"
    path.write_text("  \n", encoding="utf-8")
    assert read_policy_config(path, RULES) == {}


def test_all_as_an_object_sets_every_level(tmp_path: Path) -> None:
    path = tmp_path / "all.json"
    path.write_text('{"all": {"enforcementLevel": "mandatory"}}', encoding="utf-8")
    plan = {
        "stack": "dev",
        "resources": [
            {
                "urn": "urn:pulumi:dev::p::aws:kms/key:Key::k",
                "type": "aws:kms/key:Key",
                "name": "k",
                "custom": True,
                "inputs": {},
                "outputs": {},
            }
        ],
    }
    assert {v["enforcement"] for v in evaluate_plan(plan, path)} == {"mandatory"}


def test_plan_with_a_bad_policy_config_exits_2_naming_file_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "pack.json"
    bad.write_text('{"all": "strict"}', encoding="utf-8")
    result = CliRunner().invoke(
        app, ["plan", "--program", str(PROGRAM), "--stack", "test", "--policy-config", str(bad)]
    )
    assert (result.exit_code, result.output.strip().splitlines()[-1]) == (
        2,
        f'error: {bad}: all: "strict" is not an enforcement level; use one of {LEVELS}',
    )


def test_validate_checks_the_policy_config_of_each_stack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "dev.json"
    bad.write_text('{"kms-key-enable-rotation": "always"}', encoding="utf-8")
    monkeypatch.setattr("storagectl.policy.evaluate.config_for_stack", lambda stack: bad)
    result = CliRunner().invoke(app, ["validate", "dev"])
    assert (result.exit_code, result.output.strip().splitlines()[-1]) == (
        2,
        f'{bad}: kms-key-enable-rotation: "always" is not an enforcement level; use one of {LEVELS}',
    )
