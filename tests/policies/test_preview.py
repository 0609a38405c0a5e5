"""Preview: a rule that meets an unknown value never reports a false violation."""

from __future__ import annotations

import pytest

from tests.policies import test_rules_elasticache, test_rules_kms_iam, test_rules_rds
from tests.policies.harness import UNKNOWN, changed, resource_args, run_resource

#: The credential rule judges presence, and a password that is unknown is still set.
PRESENCE_RULES = {"aws-resource-disallow-plaintext-credentials"}

CASES = [
    pytest.param(case, label, change, id=f"{case.rule}/{label}")
    for module in (test_rules_rds, test_rules_elasticache, test_rules_kms_iam)
    for case in module.CASES
    if case.rule not in PRESENCE_RULES
    for label, change in case.failing.items()
]


@pytest.mark.parametrize(("case", "label", "change"), CASES)
def test_unknown_failing_value_is_not_judged(case, label, change) -> None:
    unknown = {key: UNKNOWN for key in change}
    props = changed(changed(case.baseline, change), unknown)
    args = resource_args(case.type, props, protect=case.protect, config=case.config)
    assert run_resource(case.rule, args) == []


def test_unknown_password_still_counts_as_set() -> None:
    args = resource_args("aws:rds/instance:Instance", {"password": UNKNOWN})
    assert run_resource("aws-resource-disallow-plaintext-credentials", args)
