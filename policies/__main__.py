"""Entry point the Pulumi CLI runs for `pulumi preview --policy-pack policies`.

Every rule defaults to advisory; `config/<env>.json` raises security rules to mandatory
per environment (`--policy-pack-config policies/config/prod.json`).
"""

from pulumi_policy import EnforcementLevel, PolicyPack
from storage_policies import REGISTRY

PolicyPack(
    name="backend-storage",
    policies=REGISTRY.policies(),
    enforcement_level=EnforcementLevel.ADVISORY,
    description="FSBP controls for S3, RDS, ElastiCache, DynamoDB, DocumentDB, KMS and IAM, "
    "plus cross-resource storage rules (regional keys, replication roles, protection, tags, "
    "credentials, cache authentication) and day-2 traps (pinned minor versions, "
    "kms:ReplicateKey, replica expiration, final snapshot names, parameter formats).",
)
