"""KMS control plane: every customer-managed key of the environment rotates."""

from __future__ import annotations

from storagectl.verify.aws import kms
from storagectl.verify.aws.session import region_of
from storagectl.verify.context import Context
from storagectl.verify.facts import KeyTarget
from storagectl.verify.verdict import Verdict


def test_key_rotation_enabled(key: KeyTarget, ctx: Context) -> Verdict:
    """Automatic rotation is on (in the key's own region, for DR copies too)."""
    client = ctx.aws("kms", region_of(key.arn, ctx.facts.region))
    return kms.rotation_enabled(client, key.arn)
