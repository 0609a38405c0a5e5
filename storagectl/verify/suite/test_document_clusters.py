"""DocumentDB control plane: every cluster encrypted, TLS-only and backed up as declared."""

from __future__ import annotations

from storagectl.verify.aws import docdb
from storagectl.verify.context import Context
from storagectl.verify.facts import DocumentClusterTarget
from storagectl.verify.verdict import Verdict


def test_document_cluster_encrypted_with_key(
    document_cluster: DocumentClusterTarget, ctx: Context
) -> Verdict:
    """Storage is encrypted with the environment's key."""
    cluster = document_cluster.cluster
    return docdb.encrypted_with_key(ctx.aws("docdb"), cluster.identifier, cluster.kms_key_arn)


def test_document_cluster_requires_tls(
    document_cluster: DocumentClusterTarget, ctx: Context
) -> Verdict:
    """The cluster's own parameter group sets tls=enabled."""
    return docdb.tls_required(ctx.aws("docdb"), document_cluster.cluster.identifier)


def test_document_cluster_backup_retention(
    document_cluster: DocumentClusterTarget, ctx: Context
) -> Verdict:
    """Automated backups are kept as long as the stack file declares."""
    minimum = document_cluster.expect.backup_retention_days
    return docdb.backup_retention(ctx.aws("docdb"), document_cluster.cluster.identifier, minimum)
