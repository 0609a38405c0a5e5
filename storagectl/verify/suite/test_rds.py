"""RDS control plane: every database encrypted, private, shaped and protected as declared."""

from __future__ import annotations

from storagectl.verify.aws import rds


def _ident(database):
    outputs = database.database
    return outputs.identifier, outputs.flavour == "aurora"


def test_database_encrypted_with_key(database, aws, record) -> None:
    """Storage is encrypted with the database's environment key."""
    identifier, aurora = _ident(database)
    verdict = record(
        rds.encrypted_with_key(aws("rds"), identifier, aurora, database.database.kms_key_arn)
    )
    assert verdict.ok, verdict.detail


def test_database_not_public(database, aws, record) -> None:
    """No instance is publicly accessible."""
    verdict = record(rds.not_public(aws("rds"), *_ident(database)))
    assert verdict.ok, verdict.detail


def test_database_multi_az_as_declared(database, aws, record) -> None:
    """Multi-AZ matches the stack file (Aurora: on when it has readers)."""
    identifier, aurora = _ident(database)
    expected = database.expect.replicas > 0 if aurora else database.expect.multi_az
    verdict = record(rds.multi_az_as_declared(aws("rds"), identifier, aurora, expected))
    assert verdict.ok, verdict.detail


def test_database_replica_count_as_declared(database, aws, record) -> None:
    """The number of replicas matches the stack file."""
    identifier, aurora = _ident(database)
    expected = database.expect.replicas
    verdict = record(rds.replica_count_as_declared(aws("rds"), identifier, aurora, expected))
    assert verdict.ok, verdict.detail


def test_database_deletion_protection_as_required(database, aws, facts, record) -> None:
    """Deletion protection is on in prod and wherever the stack file asks for it."""
    identifier, aurora = _ident(database)
    required = database.expect.deletion_protection or facts.expectations.tier == "prod"
    verdict = record(rds.deletion_protection(aws("rds"), identifier, aurora, required))
    assert verdict.ok, verdict.detail


def test_database_iam_auth_enabled(database, aws, record) -> None:
    """IAM database authentication is on."""
    verdict = record(rds.iam_auth_enabled(aws("rds"), *_ident(database)))
    assert verdict.ok, verdict.detail
