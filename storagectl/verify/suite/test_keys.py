"""KMS control plane: every customer-managed key of the environment rotates."""

from __future__ import annotations

from storagectl.verify.aws import kms
from storagectl.verify.aws.session import region_of


def test_key_rotation_enabled(key, aws, facts, record) -> None:
    """Automatic rotation is on (in the key's own region, for DR copies too)."""
    client = aws("kms", region_of(key.arn, facts.region))
    verdict = record(kms.rotation_enabled(client, key.arn))
    assert verdict.ok, verdict.detail
