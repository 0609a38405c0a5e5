"""DocumentDB control plane: every cluster encrypted, TLS-only and backed up as declared."""

from __future__ import annotations

from storagectl.verify.aws import docdb


def test_document_cluster_encrypted_with_key(document_cluster, aws, record) -> None:
    """Storage is encrypted with the environment's key."""
    cluster = document_cluster.cluster
    verdict = record(
        docdb.encrypted_with_key(aws("docdb"), cluster.identifier, cluster.kms_key_arn)
    )
    assert verdict.ok, verdict.detail


def test_document_cluster_requires_tls(document_cluster, aws, record) -> None:
    """The cluster's own parameter group sets tls=enabled."""
    verdict = record(docdb.tls_required(aws("docdb"), document_cluster.cluster.identifier))
    assert verdict.ok, verdict.detail


def test_document_cluster_backup_retention(document_cluster, aws, record) -> None:
    """Automated backups are kept as long as the stack file declares."""
    minimum = document_cluster.expect.backup_retention_days
    verdict = record(
        docdb.backup_retention(aws("docdb"), document_cluster.cluster.identifier, minimum)
    )
    assert verdict.ok, verdict.detail
