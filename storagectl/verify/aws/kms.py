"""KMS checks: the environment's customer-managed keys rotate."""

from __future__ import annotations

from typing import Any

from ..verdict import Verdict
from .session import guarded


def rotation_enabled(kms: Any, key_arn: str) -> Verdict:
    """Automatic key rotation is on."""

    def check() -> Verdict:
        if not kms.get_key_rotation_status(KeyId=key_arn).get("KeyRotationEnabled"):
            return Verdict.failed("automatic rotation is off")
        return Verdict.passed("automatic rotation on")

    return guarded(
        "GetKeyRotationStatus", check, {"NotFoundException": f"key {key_arn} does not exist"}
    )
