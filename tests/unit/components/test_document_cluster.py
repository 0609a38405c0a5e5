"""DocumentCluster (DocumentDB) under the mock runtime: encryption, TLS, tiers, access."""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from components.document_cluster import cluster_parameters, parameter_family
from components.spec import DocumentClusterSpec
from stackspec import SpecError, build_spec
from tests.plans import REPO
from tests.unit.components.shipped import Resource, Run, build, masked, urn_message

CLUSTER = "aws:docdb/cluster:Cluster"
INSTANCE = "aws:docdb/clusterInstance:ClusterInstance"
PARAMS = "aws:docdb/clusterParameterGroup:ClusterParameterGroup"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
SG = "aws:ec2/securityGroup:SecurityGroup"
RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SECRET = "aws:secretsmanager/secret:Secret"
COMPONENT = "backend-storage:docdb:DocumentCluster"
STACKS = ("dev", "staging", "prod")
PROD_CONFIG = yaml.safe_load((REPO / "stacks" / "Pulumi.prod.yaml").read_text())["config"]


@pytest.fixture(scope="module", params=STACKS)
def run(request: pytest.FixtureRequest) -> Run:
    return build(request.param)


def component(run: Run) -> Resource:
    return run.named(f"{run.spec.prefix}-profiles", COMPONENT)


def cluster(run: Run) -> Resource:
    (found,) = run.within(component(run), CLUSTER)
    return found


def test_storage_is_encrypted_with_the_environment_key(run: Run) -> None:
    c = cluster(run)
    key = run.key_arn(run.spec.document_clusters["profiles"].data_classification)
    assert (c.inputs["storageEncrypted"], c.inputs["kmsKeyId"]) == (True, key), urn_message(
        c, "storage encryption"
    )


def test_cluster_uses_its_own_parameter_group_requiring_tls(run: Run) -> None:
    c = cluster(run)
    (params,) = run.within(component(run), PARAMS)
    values = {p["name"]: p["value"] for p in params.inputs["parameters"]}
    ok = (
        c.inputs["dbClusterParameterGroupName"] == params.outputs["name"]
        and values["tls"] == "enabled"
        and values["audit_logs"] == "enabled"
        and params.inputs["family"] == "docdb5.0"
    )
    assert ok, urn_message(params, f"parameters {values}")


def test_master_password_is_managed_by_documentdb(run: Run) -> None:
    c = cluster(run)
    typed = {"masterPassword", "masterPasswordWo"} & set(c.inputs)
    assert c.inputs["manageMasterUserPassword"] is True and not typed, urn_message(
        c, f"master password inputs {typed}"
    )


def test_master_secret_arn_is_the_managed_secret(run: Run) -> None:
    c = cluster(run)
    entry = run.environment_outputs["documentClusters"]["profiles"]
    assert entry["masterSecretArn"] == c.outputs["masterUserSecrets"][0]["secretArn"]


def test_audit_and_profiler_logs_are_exported_into_retained_log_groups(run: Run) -> None:
    c = cluster(run)
    groups = {
        g.inputs["name"]: g.inputs["retentionInDays"] for g in run.within(component(run), LOG_GROUP)
    }
    ident = c.inputs["clusterIdentifier"]
    retention = run.spec.document_clusters["profiles"].log_retention_days
    assert c.inputs["enabledCloudwatchLogsExports"] == ["audit", "profiler"]
    assert groups == {
        f"/aws/docdb/{ident}/audit": retention,
        f"/aws/docdb/{ident}/profiler": retention,
    }, urn_message(c, f"log groups {groups}")


@pytest.mark.parametrize(("stack", "count"), [("dev", 1), ("staging", 2), ("prod", 3)])
def test_instances_per_tier(stack: str, count: int) -> None:
    run = build(stack)
    instances = run.within(component(run), INSTANCE)
    tiers = sorted(i.inputs["promotionTier"] for i in instances)
    assert tiers == list(range(count)), f"{stack}: promotion tiers {tiers}"


def test_backup_retention_follows_the_tier(run: Run) -> None:
    c = cluster(run)
    expected = {"dev": 1, "staging": 7, "prod": 35}[run.spec.stack]
    assert c.inputs["backupRetentionPeriod"] == expected, urn_message(c, "retention")


def test_prod_cluster_is_protected_with_a_final_snapshot() -> None:
    c = cluster(build("prod"))
    ok = (
        c.protect
        and c.retain_on_delete
        and c.inputs["deletionProtection"]
        and c.inputs["skipFinalSnapshot"] is False
        and c.inputs["finalSnapshotIdentifier"] == "backend-storage-prod-profiles-final"
    )
    assert ok, urn_message(c, "prod cluster must be protected, retained and snapshotted")


def test_dev_cluster_can_be_deleted() -> None:
    c = cluster(build("dev"))
    shape = (c.protect, c.inputs["deletionProtection"], c.inputs["skipFinalSnapshot"])
    assert shape == (False, False, True), urn_message(c, f"dev {shape}")


def test_port_is_not_the_default(run: Run) -> None:
    c = cluster(run)
    assert c.inputs["port"] == 27018, urn_message(c, "port")


def test_security_group_admits_declared_clients_and_granted_groups_only(run: Run) -> None:
    (group,) = run.within(component(run), SG)
    spec = run.spec.document_clusters["profiles"]
    granted = {
        g
        for app in run.spec.applications.values()
        if (grant := app.grants.document_clusters.get("profiles"))
        for g in grant.security_group_ids
    }
    rules = [r for r in run.of_type(RULE) if r.uses(group, "securityGroupId")]
    admitted = {
        (
            r.inputs.get("referencedSecurityGroupId") or r.inputs.get("cidrIpv4"),
            r.inputs["fromPort"],
        )
        for r in rules
    }
    declared = {
        (c, 27018) for c in (*spec.allowed_security_group_ids, *spec.allowed_cidr_blocks, *granted)
    }
    assert granted and admitted == declared, urn_message(group, f"admits {admitted}")


def test_each_granted_application_gets_its_own_secret_under_the_cluster_key(run: Run) -> None:
    secrets = run.within(component(run), SECRET)
    key = run.key_arn(run.spec.document_clusters["profiles"].data_classification)
    entry = masked(run.environment_outputs)["documentClusters"]["profiles"]
    assert sorted(entry["userSecretArns"]) == ["reporting"]
    assert len(secrets) == 1 and secrets[0].inputs["kmsKeyId"] == key


def test_granted_role_reads_only_its_own_secret(run: Run) -> None:
    access = run.named(f"{run.spec.prefix}-reporting", "backend-storage:iam:ApplicationAccess")
    statements = {
        s["Sid"]: s
        for p in run.within(access, "aws:iam/policy:Policy")
        for s in json.loads(p.inputs["policy"])["Statement"]
    }
    secret = run.environment_outputs["documentClusters"]["profiles"]["userSecretArns"]["reporting"]
    read = statements["SecretProfilesDocumentsRead"]
    assert (read["Action"], read["Resource"]) == ("secretsmanager:GetSecretValue", secret)


def test_no_generated_password_reaches_the_outputs(run: Run) -> None:
    values = [
        json.loads(v.inputs["secretStringWo"])["password"]
        for v in run.within(component(run), "aws:secretsmanager/secretVersion:SecretVersion")
    ]
    rendered = json.dumps(run.environment_outputs)
    assert values and not [v for v in values if v in rendered]


def test_parameter_family_follows_the_engine_version() -> None:
    assert [parameter_family(v) for v in ("5.0.0", "4.0.0", "8.0")] == [
        "docdb5.0",
        "docdb4.0",
        "docdb8.0",
    ]


def test_stack_parameters_come_after_the_secure_ones() -> None:
    spec = DocumentClusterSpec.model_validate(
        {
            "engineVersion": "5.0.0",
            "instanceClass": "db.r6g.large",
            "replicas": 0,
            "backupRetentionDays": 7,
            "backupWindow": "02:00-03:00",
            "maintenanceWindow": "sun:03:30-sun:04:30",
            "deletionProtection": True,
            "finalSnapshot": True,
            "logRetentionDays": 30,
            "parameters": {"tls": "disabled", "ttl_monitor": "disabled"},
        }
    )
    values = cluster_parameters(spec)
    # The opt-out wins, visibly: the policy pack sees `tls=disabled` in the group.
    assert (values["tls"], values["ttl_monitor"], values["audit_logs"]) == (
        "disabled",
        "disabled",
        "enabled",
    )


def test_config_map_hands_over_the_table_and_the_cluster_without_secrets() -> None:
    prod = build("prod")
    (config,) = [r for r in prod.of_type("kubernetes:core/v1:ConfigMap") if "reporting" in r.name]
    data = config.inputs["data"]
    nosql = {k: v for k, v in data.items() if k.startswith(("TABLE_", "DOCUMENTS_"))}
    cluster = prod.environment_outputs["documentClusters"]["profiles"]
    table = prod.environment_outputs["tables"]["carts"]
    assert nosql == {
        "TABLE_CARTS_NAME": table["name"],
        "TABLE_CARTS_ARN": table["arn"],
        "TABLE_CARTS_REGION": "eu-west-1",
        "TABLE_CARTS_ACCESS": "read",
        "DOCUMENTS_PROFILES_HOST": cluster["endpoint"],
        "DOCUMENTS_PROFILES_READER_HOST": cluster["readerEndpoint"],
        "DOCUMENTS_PROFILES_PORT": "27018",
        "DOCUMENTS_PROFILES_TLS": "true",
        "DOCUMENTS_PROFILES_USER": "reporting_ro",
        "DOCUMENTS_PROFILES_PASSWORD_SECRET_ARN": cluster["userSecretArns"]["reporting"],
    }


def test_document_cluster_named_like_a_database_is_refused() -> None:
    config = copy.deepcopy(PROD_CONFIG)
    config["backend-storage:documentClusters"]["catalog"] = config[
        "backend-storage:documentClusters"
    ]["profiles"]
    with pytest.raises(SpecError) as raised:
        build_spec(config, "backend-storage", "prod", None)
    assert "backend-storage:documentClusters.catalog: shares its name" in str(raised.value)
