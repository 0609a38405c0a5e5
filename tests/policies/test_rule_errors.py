"""A rule that raises (anything but UnknownValueError) fails the plan with one located line:
the rule, what it judged, the exception; exit 2 through the CLI, never a traceback, never a
secret. As `pulumi preview` fails when a policy pack's validation throws."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from storagectl.cli import app
from storagectl.policy import PolicyConfigError, evaluate_plan
from storagectl.policy.evaluate import PolicyRuleError
from tests.plans import REPO
from tests.policies.harness import REGISTRY
from tests.policies.test_evaluate import KEY, compliant_plan

PROGRAM = REPO / "tests" / "data" / "programs" / "rule_raises"
PASSWORD = "plaintext-pw-7f3a9c"  # the fixture program's database password
HINT = "(a property shape the rule does not handle, or a bug in the pack)"


def _raising(error: Exception):
    def validate(args: Any, report: Any) -> None:
        raise error

    return validate


def test_a_raising_resource_rule_is_one_line_naming_rule_resource_and_exception(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    policy = REGISTRY["kms-key-enable-rotation"].policy
    monkeypatch.setattr(policy, "validate", _raising(KeyError("keyUsage")))
    with pytest.raises(PolicyRuleError) as raised:
        evaluate_plan(compliant_plan())
    assert raised.value.problems == [
        f"policy rule kms-key-enable-rotation failed on {KEY}: KeyError: 'keyUsage' {HINT}"
    ]


def test_a_raising_stack_rule_names_the_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    policy = REGISTRY["s3-bucket-disallow-acls"].policy
    monkeypatch.setattr(policy, "validate", _raising(AttributeError("'str' has no 'get'")))
    with pytest.raises(PolicyRuleError) as raised:
        evaluate_plan(compliant_plan())
    assert raised.value.problems == [
        "policy rule s3-bucket-disallow-acls failed on stack prod: AttributeError: "
        f"'str' has no 'get' {HINT}"
    ]


def test_every_raising_rule_gets_its_own_line(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("kms-key-enable-rotation", "s3-bucket-disallow-acls"):
        monkeypatch.setattr(REGISTRY[name].policy, "validate", _raising(TypeError("x\ny")))
    with pytest.raises(PolicyRuleError) as raised:
        evaluate_plan(compliant_plan())
    assert [line.split(" failed on ")[0] for line in raised.value.problems] == [
        "policy rule kms-key-enable-rotation",
        "policy rule s3-bucket-disallow-acls",
    ]
    assert all("TypeError: x y " in line for line in raised.value.problems)


def test_a_rule_error_is_a_policy_config_error_for_every_caller() -> None:
    # plan, plan --all, review and audit already end with exit 2 on a PolicyConfigError.
    assert issubclass(PolicyRuleError, PolicyConfigError)


def test_a_credential_quoted_by_the_exception_is_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    plan = compliant_plan()
    plan["resources"][-1]["inputs"]["password"] = PASSWORD
    policy = REGISTRY["kms-key-enable-rotation"].policy
    monkeypatch.setattr(policy, "validate", _raising(ValueError(f"bad literal {PASSWORD!r}")))
    with pytest.raises(PolicyRuleError) as raised:
        evaluate_plan(plan)
    assert PASSWORD not in str(raised.value) and "ValueError: bad literal" in str(raised.value)


def test_a_credential_at_the_cut_is_redacted_before_the_line_is_cut(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plan = compliant_plan()
    plan["resources"][-1]["inputs"]["password"] = PASSWORD
    policy = REGISTRY["kms-key-enable-rotation"].policy
    monkeypatch.setattr(policy, "validate", _raising(ValueError("x" * 195 + PASSWORD)))
    with pytest.raises(PolicyRuleError) as raised:
        evaluate_plan(plan)
    # The marker may be cut ("[sec…"); no piece of the password may remain.
    assert PASSWORD[:8] not in str(raised.value) and "x[sec" in str(raised.value)


def test_plan_of_a_program_whose_rule_raises_exits_2_with_one_located_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def quoting(args: Any, report: Any) -> None:
        if args.resource_type == "aws:rds/instance:Instance":
            int(args.props["password"])  # ValueError quoting the password

    policy = REGISTRY["rds-instance-disallow-public-access"].policy
    monkeypatch.setattr(policy, "validate", quoting)
    result = CliRunner().invoke(app, ["plan", "--program", str(PROGRAM), "--stack", "dev"])
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert (result.exit_code, result.stdout, len(errors)) == (2, "", 1), result.output
    assert errors[0].startswith(
        "error: policy rule rds-instance-disallow-public-access failed on "
        "urn:pulumi:dev::rule-raises::aws:rds/instance:Instance::db: ValueError: "
    )
    assert "Traceback" not in result.output and PASSWORD not in result.output
