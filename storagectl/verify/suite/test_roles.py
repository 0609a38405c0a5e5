"""IAM control plane: every application role exists with its policies."""

from __future__ import annotations

from storagectl.verify.aws import iam
from storagectl.verify.context import Context
from storagectl.verify.facts import RoleTarget
from storagectl.verify.verdict import Verdict


def test_role_has_policies(role: RoleTarget, ctx: Context) -> Verdict:
    """The application's role exists and carries attached or inline policies."""
    return iam.has_policies(ctx.aws("iam"), role.role.role_name)
