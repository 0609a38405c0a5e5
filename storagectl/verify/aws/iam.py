"""IAM checks: every application role exists and carries its policies."""

from __future__ import annotations

from typing import Any

from ..verdict import Verdict
from .session import guarded


def has_policies(iam: Any, role_name: str) -> Verdict:
    """The role exists and has at least one attached or inline policy."""

    def check() -> Verdict:
        iam.get_role(RoleName=role_name)
        attached = iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]
        inline = iam.list_role_policies(RoleName=role_name)["PolicyNames"]
        if not attached and not inline:
            return Verdict.failed("the role has no policies: its grants were not applied")
        return Verdict.passed(f"{len(attached)} attached, {len(inline)} inline polic(ies)")

    return guarded("GetRole", check, {"NoSuchEntity": f"role {role_name} does not exist"})
