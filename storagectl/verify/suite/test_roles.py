"""IAM control plane: every application role exists with its policies."""

from __future__ import annotations

from storagectl.verify.aws import iam


def test_role_has_policies(role, aws, record) -> None:
    """The application's role exists and carries attached or inline policies."""
    verdict = record(iam.has_policies(aws("iam"), role.role.role_name))
    assert verdict.ok, verdict.detail
