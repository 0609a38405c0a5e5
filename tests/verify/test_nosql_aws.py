"""DynamoDB and DocumentDB control-plane checks against moto: compliant passes, open fails."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from botocore.stub import Stubber

from components import outputs as out
from storagectl.verify.aws import docdb, dynamodb
from storagectl.verify.aws.session import client
from storagectl.verify.errors import VerifyInputError
from storagectl.verify.expectations import (
    DocumentClusterExpectation,
    Expectations,
    TableExpectation,
    check_consistency,
    expectations_from_spec,
)
from storagectl.verify.outputs import load_outputs
from storagectl.verify.runner import run_verify
from tests.verify.aws_world import DR_REGION, REGION
from tests.verify.nosql_world import NoSqlShape, build_nosql_shape

# moto on loopback: deselect with `-m "not servers"`.
pytestmark = pytest.mark.servers


@pytest.fixture(scope="module")
def good(moto_endpoint: str) -> NoSqlShape:
    return build_nosql_shape(moto_endpoint, "good", compliant=True)


@pytest.fixture(scope="module")
def bad(moto_endpoint: str) -> NoSqlShape:
    return build_nosql_shape(moto_endpoint, "bad", compliant=False)


def _checks(endpoint: str):
    def c(service: str):
        return client(service, REGION, endpoint, 5.0)

    return {
        "table_encrypted_with_key": lambda w: dynamodb.encrypted_with_key(
            c("dynamodb"), w.table, w.key_arn
        ),
        "table_point_in_time_recovery": lambda w: dynamodb.point_in_time_recovery(
            c("dynamodb"), w.table
        ),
        "table_deletion_protection": lambda w: dynamodb.deletion_protection(
            c("dynamodb"), w.table, True
        ),
        "table_resource_policy": lambda w: dynamodb.resource_policy_admits_only(
            c("dynamodb"), w.table_arn, [w.role_arn]
        ),
        "cluster_encrypted_with_key": lambda w: docdb.encrypted_with_key(
            c("docdb"), w.cluster, w.key_arn
        ),
        "cluster_requires_tls": lambda w: docdb.tls_required(c("docdb"), w.cluster),
        "cluster_backup_retention": lambda w: docdb.backup_retention(c("docdb"), w.cluster, 7),
    }


CHECKS = list(_checks("http://unused"))


@pytest.mark.parametrize("name", CHECKS)
def test_nosql_check_passes_when_compliant(name: str, moto_endpoint: str, good) -> None:
    verdict = _checks(moto_endpoint)[name](good)
    assert verdict.ok, verdict.detail


@pytest.mark.parametrize("name", CHECKS)
def test_nosql_check_fails_when_open(name: str, moto_endpoint: str, bad) -> None:
    verdict = _checks(moto_endpoint)[name](bad)
    assert not verdict.ok, verdict.detail


def test_table_key_check_names_the_wrong_key(moto_endpoint: str, good, bad) -> None:
    ddb = client("dynamodb", REGION, moto_endpoint, 5.0)
    verdict = dynamodb.encrypted_with_key(ddb, good.table, bad.key_arn)
    assert not verdict.ok and good.key_arn in verdict.detail


def test_table_without_replicas_fails_the_declared_replica_region(moto_endpoint, good) -> None:
    ddb = client("dynamodb", REGION, moto_endpoint, 5.0)
    verdict = dynamodb.replicas_in_regions(ddb, good.table, [DR_REGION])
    assert not verdict.ok and verdict.detail == f"no replica in {DR_REGION}"


def test_table_without_declared_replicas_passes(moto_endpoint, good) -> None:
    ddb = client("dynamodb", REGION, moto_endpoint, 5.0)
    assert dynamodb.replicas_in_regions(ddb, good.table, []).ok


def test_missing_table_fails_clearly(moto_endpoint) -> None:
    ddb = client("dynamodb", REGION, moto_endpoint, 5.0)
    verdict = dynamodb.point_in_time_recovery(ddb, "no-such-table")
    assert not verdict.ok and "no-such-table" in verdict.detail


def test_missing_cluster_fails_clearly(moto_endpoint) -> None:
    verdict = docdb.backup_retention(client("docdb", REGION, moto_endpoint, 5.0), "nope", 7)
    assert verdict.detail == "cluster nope does not exist"


# Global-table replicas: moto has none, so AWS's documented DescribeTable answer is replayed
# through botocore's Stubber, which validates it against the service model.

DR_KEY = f"arn:aws:kms:{DR_REGION}:123456789012:key/mrk-1"


def _described(replicas: list[dict]) -> dict:
    return {"Table": {"TableName": "carts", "TableStatus": "ACTIVE", "Replicas": replicas}}


@pytest.mark.parametrize(
    ("replicas", "ok", "detail"),
    [
        (
            [{"RegionName": DR_REGION, "ReplicaStatus": "ACTIVE", "KMSMasterKeyId": DR_KEY}],
            True,
            f"replicas active in {DR_REGION}",
        ),
        (
            [{"RegionName": DR_REGION, "ReplicaStatus": "CREATING", "KMSMasterKeyId": DR_KEY}],
            False,
            f"replica in {DR_REGION} is CREATING",
        ),
        (
            [
                {
                    "RegionName": DR_REGION,
                    "ReplicaStatus": "ACTIVE",
                    "KMSMasterKeyId": DR_KEY.replace(DR_REGION, REGION),
                }
            ],
            False,
            f"replica in {DR_REGION} is encrypted with a key of {REGION}",
        ),
        (
            [{"RegionName": "us-east-1", "ReplicaStatus": "ACTIVE"}],
            False,
            f"no replica in {DR_REGION}",
        ),
    ],
)
def test_replica_check_reads_the_tables_replica_list(replicas, ok, detail) -> None:
    ddb = client("dynamodb", REGION, "http://127.0.0.1:9", 1.0)
    with Stubber(ddb) as stub:
        stub.add_response("describe_table", _described(replicas), {"TableName": "carts"})
        verdict = dynamodb.replicas_in_regions(ddb, "carts", [DR_REGION])
    assert (verdict.ok, verdict.detail) == (ok, detail)


# End to end: `storagectl verify` over outputs holding only a table and a cluster ----------

ENV = "nosqltest"
EXPECT = Expectations(
    tier="prod",
    tables={"carts": TableExpectation(deletion_protection=True)},
    document_clusters={"profiles": DocumentClusterExpectation(backup_retention_days=35)},
)


def _outputs(tmp_path: Path, shape: NoSqlShape) -> Path:
    document = {
        out.ENVIRONMENT: {
            out.ENV_NAME: ENV,
            out.ENV_TIER: "prod",
            out.ENV_REGION: REGION,
            out.ENV_DR_REGION: DR_REGION,
            out.ENV_ACCOUNT_ID: "123456789012",
        },
        out.ROLES: {
            "reporting": {
                out.ROLE_ARN: shape.role_arn,
                out.ROLE_NAME: shape.role_arn.rsplit("/", 1)[-1],
            }
        },
        out.TABLES: {
            "carts": {
                out.TABLE_NAME: shape.table,
                out.TABLE_ARN: shape.table_arn,
                out.TABLE_REGION: REGION,
                out.TABLE_KMS_KEY_ARN: shape.key_arn,
                out.TABLE_INDEXES: [],
                out.TABLE_REPLICA_REGIONS: [],
                out.TABLE_REPLICA_KMS_KEY_ARNS: {},
            }
        },
        out.DOCUMENT_CLUSTERS: {
            "profiles": {
                out.DOCUMENT_ENDPOINT: f"{shape.cluster}.cluster-x.{REGION}.docdb.amazonaws.com",
                out.DOCUMENT_PORT: 27018,
                out.DOCUMENT_IDENTIFIER: shape.cluster,
                out.DOCUMENT_KMS_KEY_ARN: shape.key_arn,
            }
        },
    }
    path = tmp_path / f"{shape.table}.json"
    path.write_text(json.dumps(document))
    return path


def _verify(path: Path, endpoint: str) -> tuple[int, dict[str, str]]:
    report = io.StringIO()
    status = run_verify(
        ENV,
        path,
        expectations=EXPECT,
        aws_endpoint=endpoint,
        output_format="json",
        timeout=5,
        out=report,
        err=io.StringIO(),
    )
    lines = json.loads(report.getvalue())["checks"]
    return status, {f"{c['check']}[{c['target']}]": c["status"] for c in lines}


NOSQL_CHECKS = {
    "table_encrypted_with_key[carts]",
    "table_point_in_time_recovery[carts]",
    "table_deletion_protection_as_required[carts]",
    "table_resource_policy_admits_only_the_stacks_roles[carts]",
    "document_cluster_encrypted_with_key[profiles]",
    "document_cluster_requires_tls[profiles]",
    "document_cluster_backup_retention[profiles]",
}


def test_verify_passes_a_compliant_table_and_cluster(tmp_path, moto_endpoint, good) -> None:
    status, lines = _verify(_outputs(tmp_path, good), moto_endpoint)
    assert status == 0 and {k for k, v in lines.items() if v == "pass"} >= NOSQL_CHECKS, lines


def test_verify_fails_every_check_of_an_open_table_and_cluster(
    tmp_path, moto_endpoint, bad
) -> None:
    status, lines = _verify(_outputs(tmp_path, bad), moto_endpoint)
    assert status == 1 and {k for k, v in lines.items() if v == "fail"} >= NOSQL_CHECKS, lines


def test_outputs_missing_a_table_key_name_the_key_path(tmp_path, good) -> None:
    path = _outputs(tmp_path, good)
    document = json.loads(path.read_text())
    del document[out.TABLES]["carts"][out.TABLE_KMS_KEY_ARN]
    path.write_text(json.dumps(document))
    with pytest.raises(VerifyInputError) as raised:
        load_outputs(path)
    assert "tables.carts.kmsKeyArn" in str(raised.value)


def test_outputs_without_a_declared_cluster_are_refused(tmp_path, good) -> None:
    path = _outputs(tmp_path, good)
    document = json.loads(path.read_text())
    del document[out.DOCUMENT_CLUSTERS]
    path.write_text(json.dumps(document))
    with pytest.raises(VerifyInputError, match=r"documentClusters\.profiles"):
        check_consistency(load_outputs(path), EXPECT)


def test_expectations_follow_the_prod_stack_file() -> None:
    from stackspec import load_stack_file

    spec = load_stack_file(Path(__file__).parents[2] / "stacks" / "Pulumi.prod.yaml")
    expected = expectations_from_spec(spec)
    assert expected.tables["carts"] == TableExpectation(
        deletion_protection=True, replica_regions=("eu-central-1",)
    )
    assert expected.document_clusters["profiles"] == DocumentClusterExpectation(
        backup_retention_days=35, deletion_protection=True
    )
