"""Control-plane checks against moto: compliant resources pass, non-compliant ones fail."""

from __future__ import annotations

import pytest

from storagectl.verify.aws import elasticache, iam, kms, rds, s3
from storagectl.verify.aws.session import client
from storagectl.verify.verdict import NotVerifiable
from tests.verify.aws_world import DR_REGION, REGION

# Real servers (or moto) on loopback: deselect with `-m "not servers"`.
pytestmark = pytest.mark.servers


def _checks(endpoint):
    def c(service, region=REGION):
        return client(service, region, endpoint, 5.0)

    return {
        "s3_encrypted_with_key": lambda w: s3.encrypted_with_key(c("s3"), w.bucket, w.key_arn),
        "s3_public_access_blocked": lambda w: s3.public_access_blocked(c("s3"), w.bucket),
        "s3_versioning_enabled": lambda w: s3.versioning_enabled(c("s3"), w.bucket),
        "s3_tls_only_policy": lambda w: s3.tls_only_policy(c("s3"), w.bucket),
        "s3_replicates_to": lambda w: s3.replicates_to(
            c("s3"), w.bucket, f"arn:aws:s3:::{w.dr_bucket}"
        ),
        "rds_encrypted_with_key": lambda w: rds.encrypted_with_key(
            c("rds"), w.database, False, w.key_arn
        ),
        "rds_not_public": lambda w: rds.not_public(c("rds"), w.database, False),
        "rds_multi_az": lambda w: rds.multi_az_as_declared(c("rds"), w.database, False, True),
        "rds_replica_count": lambda w: rds.replica_count_as_declared(
            c("rds"), w.database, False, 1
        ),
        "rds_deletion_protection": lambda w: rds.deletion_protection(
            c("rds"), w.database, False, True
        ),
        "rds_iam_auth": lambda w: rds.iam_auth_enabled(c("rds"), w.database, False),
        "aurora_encrypted_with_key": lambda w: rds.encrypted_with_key(
            c("rds"), w.aurora_cluster, True, w.key_arn
        ),
        "aurora_not_public": lambda w: rds.not_public(c("rds"), w.aurora_cluster, True),
        "aurora_multi_az": lambda w: rds.multi_az_as_declared(
            c("rds"), w.aurora_cluster, True, True
        ),
        "aurora_replica_count": lambda w: rds.replica_count_as_declared(
            c("rds"), w.aurora_cluster, True, 1
        ),
        "aurora_deletion_protection": lambda w: rds.deletion_protection(
            c("rds"), w.aurora_cluster, True, True
        ),
        "aurora_iam_auth": lambda w: rds.iam_auth_enabled(c("rds"), w.aurora_cluster, True),
        "elasticache_at_rest": lambda w: elasticache.encrypted_at_rest(
            c("elasticache"), w.replication_group, w.key_arn
        ),
        "elasticache_in_transit": lambda w: elasticache.encrypted_in_transit(
            c("elasticache"), w.replication_group
        ),
        "elasticache_failover": lambda w: elasticache.automatic_failover(
            c("elasticache"), w.replication_group
        ),
        "kms_rotation": lambda w: kms.rotation_enabled(c("kms"), w.key_arn),
        "kms_dr_rotation": lambda w: kms.rotation_enabled(c("kms", DR_REGION), w.dr_key_arn),
        "iam_role_policies": lambda w: iam.has_policies(c("iam"), w.role),
    }


CHECKS = list(_checks("http://unused"))


@pytest.mark.parametrize("name", CHECKS)
def test_aws_check_passes_when_compliant(name, moto_endpoint, compliant) -> None:
    verdict = _checks(moto_endpoint)[name](compliant)
    assert verdict.ok, verdict.detail


@pytest.mark.parametrize("name", CHECKS)
def test_aws_check_fails_when_noncompliant(name, moto_endpoint, noncompliant) -> None:
    verdict = _checks(moto_endpoint)[name](noncompliant)
    assert not verdict.ok


def test_aws_user_group_check_not_verifiable_on_moto(moto_endpoint, compliant) -> None:
    # moto has no DescribeUserGroups: the check must say so rather than pass or fail.
    ec = client("elasticache", REGION, moto_endpoint, 5.0)
    with pytest.raises(NotVerifiable, match="DescribeUserGroups"):
        elasticache.default_user_disabled(ec, compliant.replication_group, compliant.user_group)


def test_aws_user_group_check_fails_when_group_detached(moto_endpoint, noncompliant) -> None:
    ec = client("elasticache", REGION, moto_endpoint, 5.0)
    verdict = elasticache.default_user_disabled(
        ec, noncompliant.replication_group, noncompliant.user_group
    )
    assert not verdict.ok and "not attached" in verdict.detail


def test_aws_missing_resource_fails_clearly(moto_endpoint) -> None:
    verdict = rds.not_public(client("rds", REGION, moto_endpoint, 5.0), "no-such-db", False)
    assert verdict.detail == "instance no-such-db does not exist"


def test_aws_dead_endpoint_fails_within_timeout() -> None:
    dead = client("s3", REGION, "http://127.0.0.1:9", 1.0)
    verdict = s3.versioning_enabled(dead, "any")
    assert not verdict.ok and "cannot reach" in verdict.detail


# --- DescribeUsers is paginated: the default user may be on any page ------------------


def _stubbed_user_group(default_access: str, pages: list[list[str]]):
    import boto3
    from botocore.stub import Stubber

    ec = boto3.client(
        "elasticache", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
    )
    stub = Stubber(ec)
    stub.add_response(
        "describe_replication_groups",
        {"ReplicationGroups": [{"ReplicationGroupId": "rg", "UserGroupIds": ["ug"]}]},
        {"ReplicationGroupId": "rg"},
    )
    stub.add_response(
        "describe_user_groups",
        {"UserGroups": [{"UserGroupId": "ug", "UserIds": ["ug-default", "app"]}]},
        {"UserGroupId": "ug"},
    )
    for index, names in enumerate(pages):
        users = [
            {
                "UserId": "ug-default" if name == "default" else name,
                "UserName": name,
                "AccessString": default_access if name == "default" else "on ~* +@all",
            }
            for name in names
        ]
        response: dict = {"Users": users}
        if index < len(pages) - 1:
            response["Marker"] = f"page-{index + 1}"
        stub.add_response("describe_users", response)
    stub.activate()
    return ec, stub


@pytest.mark.parametrize(("access", "ok"), [("off -@all", True), ("on ~* +@all", False)])
def test_aws_default_user_found_on_a_later_page(access, ok) -> None:
    pages = [[f"other-{i}" for i in range(100)], ["app", "default"]]
    ec, stub = _stubbed_user_group(access, pages)
    verdict = elasticache.default_user_disabled(ec, "rg", "ug")
    stub.assert_no_pending_responses()
    assert verdict.ok == ok, verdict.detail
