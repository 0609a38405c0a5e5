"""RDS control plane: every database encrypted, private, shaped and protected as declared."""

from __future__ import annotations

from storagectl.verify.aws import rds
from storagectl.verify.context import Context
from storagectl.verify.facts import DatabaseTarget
from storagectl.verify.verdict import Verdict


def _ident(database: DatabaseTarget) -> tuple[str, bool]:
    outputs = database.database
    return outputs.identifier, outputs.flavour == "aurora"


def test_database_encrypted_with_key(database: DatabaseTarget, ctx: Context) -> Verdict:
    """Storage is encrypted with the database's environment key."""
    identifier, aurora = _ident(database)
    return rds.encrypted_with_key(ctx.aws("rds"), identifier, aurora, database.database.kms_key_arn)


def test_database_not_public(database: DatabaseTarget, ctx: Context) -> Verdict:
    """No instance is publicly accessible."""
    return rds.not_public(ctx.aws("rds"), *_ident(database))


def test_database_multi_az_as_declared(database: DatabaseTarget, ctx: Context) -> Verdict:
    """Multi-AZ matches the stack file (Aurora: on when it has readers)."""
    identifier, aurora = _ident(database)
    expected = database.expect.replicas > 0 if aurora else database.expect.multi_az
    return rds.multi_az_as_declared(ctx.aws("rds"), identifier, aurora, expected)


def test_database_replica_count_as_declared(database: DatabaseTarget, ctx: Context) -> Verdict:
    """The number of replicas matches the stack file."""
    identifier, aurora = _ident(database)
    expected = database.expect.replicas
    return rds.replica_count_as_declared(ctx.aws("rds"), identifier, aurora, expected)


def test_database_deletion_protection_as_required(
    database: DatabaseTarget, ctx: Context
) -> Verdict:
    """Deletion protection is on in prod and wherever the stack file asks for it."""
    identifier, aurora = _ident(database)
    required = database.expect.deletion_protection or ctx.facts.expectations.tier == "prod"
    return rds.deletion_protection(ctx.aws("rds"), identifier, aurora, required)


def test_database_iam_auth_enabled(database: DatabaseTarget, ctx: Context) -> Verdict:
    """IAM database authentication is on."""
    return rds.iam_auth_enabled(ctx.aws("rds"), *_ident(database))
