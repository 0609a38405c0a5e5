"""DynamoDB control plane: every table keyed, recoverable, protected and replicated as declared."""

from __future__ import annotations

from storagectl.verify.aws import dynamodb


def test_table_encrypted_with_key(table, aws, record) -> None:
    """Server-side encryption uses the environment's key."""
    verdict = record(
        dynamodb.encrypted_with_key(
            aws("dynamodb"), table.table.table_name, table.table.kms_key_arn
        )
    )
    assert verdict.ok, verdict.detail


def test_table_point_in_time_recovery(table, aws, record) -> None:
    """Point-in-time recovery is on."""
    verdict = record(dynamodb.point_in_time_recovery(aws("dynamodb"), table.table.table_name))
    assert verdict.ok, verdict.detail


def test_table_deletion_protection_as_required(table, aws, facts, record) -> None:
    """Deletion protection is on in prod and wherever the stack file asks for it."""
    required = table.expect.deletion_protection or facts.expectations.tier == "prod"
    verdict = record(
        dynamodb.deletion_protection(aws("dynamodb"), table.table.table_name, required)
    )
    assert verdict.ok, verdict.detail


def test_table_replicas_in_declared_regions(table, aws, record) -> None:
    """A global-table replica is active in every declared region, keyed in that region."""
    regions = list(table.expect.replica_regions)
    verdict = record(dynamodb.replicas_in_regions(aws("dynamodb"), table.table.table_name, regions))
    assert verdict.ok, verdict.detail


def test_table_resource_policy_admits_only_the_stacks_roles(table, aws, facts, record) -> None:
    """No resource policy opens the table to a principal outside the stack's roles."""
    allowed = [role.arn for role in facts.outputs.roles.values()]
    verdict = record(
        dynamodb.resource_policy_admits_only(aws("dynamodb"), table.table.arn, allowed)
    )
    assert verdict.ok, verdict.detail
