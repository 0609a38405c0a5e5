"""DynamoDB control plane: every table keyed, recoverable, protected and replicated as declared."""

from __future__ import annotations

from storagectl.verify.aws import dynamodb
from storagectl.verify.context import Context
from storagectl.verify.facts import TableTarget
from storagectl.verify.verdict import Verdict


def test_table_encrypted_with_key(table: TableTarget, ctx: Context) -> Verdict:
    """Server-side encryption uses the environment's key."""
    return dynamodb.encrypted_with_key(
        ctx.aws("dynamodb"), table.table.table_name, table.table.kms_key_arn
    )


def test_table_point_in_time_recovery(table: TableTarget, ctx: Context) -> Verdict:
    """Point-in-time recovery is on."""
    return dynamodb.point_in_time_recovery(ctx.aws("dynamodb"), table.table.table_name)


def test_table_deletion_protection_as_required(table: TableTarget, ctx: Context) -> Verdict:
    """Deletion protection is on in prod and wherever the stack file asks for it."""
    required = table.expect.deletion_protection or ctx.facts.expectations.tier == "prod"
    return dynamodb.deletion_protection(ctx.aws("dynamodb"), table.table.table_name, required)


def test_table_replicas_in_declared_regions(table: TableTarget, ctx: Context) -> Verdict:
    """A global-table replica is active in every declared region, keyed in that region."""
    regions = list(table.expect.replica_regions)
    return dynamodb.replicas_in_regions(ctx.aws("dynamodb"), table.table.table_name, regions)


def test_table_resource_policy_admits_only_the_stacks_roles(
    table: TableTarget, ctx: Context
) -> Verdict:
    """No resource policy opens the table to a principal outside the stack's roles."""
    allowed = [role.arn for role in ctx.facts.outputs.roles.values()]
    return dynamodb.resource_policy_admits_only(ctx.aws("dynamodb"), table.table.arn, allowed)
