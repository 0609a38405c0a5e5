"""ManagedDatabase under the mock runtime, built from the shipped stack files."""

from __future__ import annotations

from pathlib import Path

import pytest

from components.parameters import CA_CERTIFICATE
from tests.plans import REPO
from tests.unit.components.shipped import Resource, Run, build, run_stack_file, urn_message

INSTANCE = "aws:rds/instance:Instance"
CLUSTER = "aws:rds/cluster:Cluster"
CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
STACKS = ("dev", "staging", "prod")
DATABASES = ("orders", "catalog")
CREDENTIAL_INPUTS = {
    "username",
    "password",
    "passwordWo",
    "manageMasterUserPassword",
    "masterUserSecretKmsKeyId",
    "dbName",
    "masterUsername",
    "masterPassword",
    "masterPasswordWo",
    "databaseName",
}


@pytest.fixture(scope="module", params=STACKS)
def run(request: pytest.FixtureRequest) -> Run:
    return build(request.param)


def writer(run: Run, logical: str) -> Resource:
    """The writer instance (instance flavour) or the primary cluster (Aurora)."""
    db = run.database(logical)
    kind = CLUSTER if run.spec.databases[logical].flavour == "aurora" else INSTANCE
    (found,) = [
        r
        for r in run.within(db, kind)
        if r.name.endswith(("-writer", "-cluster")) and not r.provider
    ]
    return found


def replicas(run: Run, logical: str) -> list[Resource]:
    """In-region read replicas (instance) or reader instances (Aurora)."""
    db = run.database(logical)
    found = [
        r for r in run.within(db, INSTANCE) if "replicateSourceDb" in r.inputs and not r.provider
    ]
    found += [
        r
        for r in run.within(db, CLUSTER_INSTANCE)
        if r.inputs["promotionTier"] > 0 and not r.provider
    ]
    return found


def dr_copies(run: Run) -> list[Resource]:
    """DR replica instances and secondary clusters of every database."""
    return [
        r
        for r in run.of_type(INSTANCE) + run.of_type(CLUSTER)
        if r.name.endswith(("-dr-replica", "-dr-cluster"))
    ]


@pytest.mark.parametrize("logical", DATABASES)
def test_writer_storage_is_encrypted_with_the_environment_key(run: Run, logical: str) -> None:
    w = writer(run, logical)
    key = run.key_arn(run.spec.databases[logical].data_classification)
    assert (w.inputs["storageEncrypted"], w.inputs["kmsKeyId"]) == (True, key), urn_message(
        w, "storage must be encrypted with the environment's key"
    )


@pytest.mark.parametrize("logical", DATABASES)
def test_writer_has_no_plain_password(run: Run, logical: str) -> None:
    w = writer(run, logical)
    assert not {"password", "masterPassword"} & set(w.inputs), urn_message(
        w, "plain password input"
    )


@pytest.mark.parametrize("logical", DATABASES)
def test_master_password_is_rds_managed_or_write_only_secret(run: Run, logical: str) -> None:
    w = writer(run, logical)
    if w.inputs.get("manageMasterUserPassword"):
        ok = w.inputs["masterUserSecretKmsKeyId"] == w.inputs["kmsKeyId"]
    else:
        ok = bool({"passwordWo", "masterPasswordWo"} & w.secret_inputs)
    assert ok, urn_message(
        w, "master password neither RDS-managed with the key nor a write-only secret"
    )


@pytest.mark.parametrize("logical", DATABASES)
def test_dev_master_password_is_managed_by_rds(logical: str) -> None:
    w = writer(build("dev"), logical)
    assert w.inputs.get("manageMasterUserPassword") is True, urn_message(w, "not RDS-managed")


def test_no_replica_carries_credentials(run: Run) -> None:
    copies = [r for n in DATABASES for r in replicas(run, n)] + dr_copies(run)
    carriers = {r.urn: sorted(CREDENTIAL_INPUTS & set(r.inputs)) for r in copies}
    assert {u: c for u, c in carriers.items() if c} == {}, "replicas with credential inputs"


def test_postgres_replicas_keep_no_backups(run: Run) -> None:
    copies = [
        r
        for n, d in run.spec.databases.items()
        if d.engine == "postgres"
        for r in replicas(run, n)
        + [c for c in dr_copies(run) if c.name.startswith(f"{run.spec.prefix}-{n}-")]
    ]
    kept = [r.urn for r in copies if r.inputs.get("backupRetentionPeriod") != 0]
    assert copies and kept == [] if run.spec.tier != "dev" else kept == [], f"with backups: {kept}"


@pytest.mark.parametrize("logical", DATABASES)
def test_parameter_group_forces_tls(run: Run, logical: str) -> None:
    db = run.database(logical)
    spec = run.spec.databases[logical]
    expected = {"name": "rds.force_ssl", "value": "1"}
    if spec.engine == "mysql":
        value = "ON" if spec.flavour == "aurora" else "1"
        expected = {"name": "require_secure_transport", "value": value}
    kinds = (
        "aws:rds/parameterGroup:ParameterGroup",
        "aws:rds/clusterParameterGroup:ClusterParameterGroup",
    )
    groups = [r for r in run.descendants(db) if r.type in kinds and not r.provider]
    (group,) = groups
    tls = [{"name": p["name"], "value": p["value"]} for p in group.inputs["parameters"]]
    assert expected in tls, urn_message(group, f"does not set {expected}")


@pytest.mark.parametrize("logical", DATABASES)
def test_writer_uses_the_component_parameter_group(run: Run, logical: str) -> None:
    w = writer(run, logical)
    kinds = (
        "aws:rds/parameterGroup:ParameterGroup",
        "aws:rds/clusterParameterGroup:ClusterParameterGroup",
    )
    (group,) = [
        r for r in run.descendants(run.database(logical)) if r.type in kinds and not r.provider
    ]
    used = w.inputs.get("parameterGroupName") or w.inputs.get("dbClusterParameterGroupName")
    assert used == group.outputs["name"], urn_message(w, f"uses {used}, not {group.urn}")


@pytest.mark.parametrize("logical", DATABASES)
def test_parameter_group_is_auto_named_per_family_and_created_before_replace(
    run: Run, logical: str
) -> None:
    kinds = (
        "aws:rds/parameterGroup:ParameterGroup",
        "aws:rds/clusterParameterGroup:ClusterParameterGroup",
    )
    (group,) = [
        r for r in run.descendants(run.database(logical)) if r.type in kinds and not r.provider
    ]
    family = group.inputs["family"].replace(".", "-")
    ok = (
        group.name.endswith(family)
        and "name" not in group.inputs
        and not group.delete_before_replace
    )
    assert ok, urn_message(
        group, "must carry the family in its name, be auto-named, create before delete"
    )


@pytest.mark.parametrize("logical", DATABASES)
def test_iam_database_authentication_is_on(run: Run, logical: str) -> None:
    w = writer(run, logical)
    assert w.inputs["iamDatabaseAuthenticationEnabled"] is True, urn_message(w, "IAM auth off")


@pytest.mark.parametrize("logical", DATABASES)
def test_port_and_admin_are_not_the_engine_defaults(run: Run, logical: str) -> None:
    w = writer(run, logical)
    admin = w.inputs.get("username") or w.inputs.get("masterUsername")
    ok = w.inputs["port"] not in (5432, 3306) and admin not in ("postgres", "admin", "root")
    assert ok, urn_message(w, f"port {w.inputs['port']}, admin {admin}")


def test_every_instance_uses_the_current_ca(run: Run) -> None:
    stale = [
        r.urn
        for r in run.of_type(INSTANCE) + run.of_type(CLUSTER_INSTANCE)
        if r.inputs.get("caCertIdentifier") != CA_CERTIFICATE
    ]
    assert stale == [], f"instances without {CA_CERTIFICATE}: {stale}"


def test_performance_insights_is_encrypted_with_the_instance_key(run: Run) -> None:
    for r in run.of_type(INSTANCE):
        if r.inputs.get("performanceInsightsEnabled"):
            assert r.inputs["performanceInsightsKmsKeyId"] == r.inputs["kmsKeyId"], urn_message(
                r, "Performance Insights not encrypted with the storage key"
            )


@pytest.mark.parametrize(
    ("logical", "exports"),
    [
        ("orders", ["postgresql", "upgrade"]),
        ("catalog", ["audit", "error", "general", "slowquery"]),
    ],
)
def test_log_exports_suit_the_engine(run: Run, logical: str, exports: list[str]) -> None:
    w = writer(run, logical)
    assert w.inputs["enabledCloudwatchLogsExports"] == exports, urn_message(w, "log exports")


@pytest.mark.parametrize("logical", DATABASES)
def test_exported_logs_have_the_tier_retention(run: Run, logical: str) -> None:
    groups = run.within(run.database(logical), "aws:cloudwatch/logGroup:LogGroup")
    days = run.spec.databases[logical].log_retention_days
    wrong = [g.urn for g in groups if g.inputs["retentionInDays"] != days]
    assert groups and wrong == [], f"log groups without {days}-day retention: {wrong}"


def test_monitoring_role_is_assumed_by_rds_monitoring_only(run: Run) -> None:
    for role in [r for r in run.of_type("aws:iam/role:Role") if r.name.endswith("-monitoring")]:
        assert '"monitoring.rds.amazonaws.com"' in role.inputs["assumeRolePolicy"], urn_message(
            role, "trust"
        )


@pytest.mark.parametrize("logical", DATABASES)
def test_dev_has_no_replicas(logical: str) -> None:
    dev = build("dev")
    assert replicas(dev, logical) == [], urn_message(dev.database(logical), "dev has replicas")


def test_dev_writer_is_single_az() -> None:
    w = writer(build("dev"), "orders")
    assert w.inputs["multiAz"] is False, urn_message(w, "dev is single-AZ")


def test_dev_has_no_dr_copy() -> None:
    assert dr_copies(build("dev")) == []


@pytest.mark.parametrize(("logical", "count"), [("orders", 2), ("catalog", 1)])
def test_prod_has_the_declared_replicas(logical: str, count: int) -> None:
    prod = build("prod")
    assert len(replicas(prod, logical)) == count, urn_message(
        prod.database(logical), "replica count"
    )


def test_prod_replica_override_sets_the_class() -> None:
    prod = build("prod")
    second = prod.named("backend-storage-prod-orders-replica-2")
    assert second.inputs["instanceClass"] == "db.r6g.2xlarge", urn_message(
        second, "override ignored"
    )


def test_prod_writer_is_multi_az() -> None:
    w = writer(build("prod"), "orders")
    assert w.inputs["multiAz"] is True, urn_message(w, "prod is multi-AZ")


def test_prod_aurora_readers_have_promotion_tiers() -> None:
    prod = build("prod")
    tiers = sorted(
        r.inputs["promotionTier"]
        for r in prod.within(prod.database("catalog"), CLUSTER_INSTANCE)
        if not r.provider
    )
    assert tiers == [0, 1], urn_message(prod.database("catalog"), f"promotion tiers {tiers}")


@pytest.mark.parametrize("index", [0, 1])
def test_prod_dr_copy_uses_the_dr_provider(index: int) -> None:
    prod = build("prod")
    copy = sorted(dr_copies(prod), key=lambda r: r.name)[index]
    assert (copy.provider, prod.region_of(copy)) == (prod.dr_provider().urn, prod.spec.dr_region), (
        urn_message(copy, "not under the DR provider")
    )


@pytest.mark.parametrize("logical", DATABASES)
def test_prod_dr_copy_is_encrypted_with_the_dr_key(logical: str) -> None:
    prod = build("prod")
    (copy,) = [r for r in dr_copies(prod) if r.name.startswith(prod.database(logical).name + "-")]
    key = prod.key_arn(prod.spec.databases[logical].data_classification, dr=True)
    assert copy.inputs["kmsKeyId"] == key, urn_message(
        copy, "not encrypted with the DR replica key"
    )


def test_prod_dr_instance_replicates_from_the_writer_arn() -> None:
    prod = build("prod")
    copy = prod.named("backend-storage-prod-orders-dr-replica")
    assert copy.inputs["replicateSourceDb"] == writer(prod, "orders").outputs["arn"], urn_message(
        copy, "source"
    )


def test_prod_aurora_dr_is_a_secondary_of_the_global_cluster() -> None:
    prod = build("prod")
    (global_cluster,) = prod.of_type("aws:rds/globalCluster:GlobalCluster")
    copy = prod.named("backend-storage-prod-catalog-dr-cluster")
    ok = (
        copy.uses(global_cluster, "globalClusterIdentifier")
        and copy.inputs["globalClusterIdentifier"]
        == global_cluster.inputs["globalClusterIdentifier"]
    )
    assert ok, urn_message(copy, "not secondary")


@pytest.mark.parametrize("logical", DATABASES)
def test_prod_has_deletion_protection_and_final_snapshot(logical: str) -> None:
    w = writer(build("prod"), logical)
    ok = (w.inputs["deletionProtection"], w.inputs["skipFinalSnapshot"]) == (True, False)
    assert ok and w.inputs["finalSnapshotIdentifier"], urn_message(
        w, "no deletion protection or final snapshot"
    )


def test_prod_stateful_resources_are_protected_and_retained() -> None:
    prod = build("prod")
    stateful = (
        [writer(prod, n) for n in DATABASES]
        + dr_copies(prod)
        + prod.of_type("aws:rds/globalCluster:GlobalCluster")
    )
    loose = [r.urn for r in stateful if not (r.protect and r.retain_on_delete)]
    assert loose == [], f"unprotected stateful resources: {loose}"


def test_dev_databases_are_not_protected() -> None:
    dev = build("dev")
    protected = [r.urn for n in DATABASES for r in dev.descendants(dev.database(n)) if r.protect]
    assert protected == [], f"protected in dev: {protected}"


@pytest.mark.parametrize("logical", DATABASES)
def test_outputs_carry_host_names_without_port(run: Run, logical: str) -> None:
    entry = run.environment_outputs["databases"][logical]
    hosts = [entry["writerEndpoint"], entry["readerEndpoint"], *entry.get("replicaEndpoints", [])]
    assert all(":" not in h for h in hosts), (
        f"{run.database(logical).urn}: endpoints with a port: {hosts}"
    )


@pytest.mark.parametrize("logical", DATABASES)
def test_outputs_carry_the_resource_id_for_rds_db_connect(run: Run, logical: str) -> None:
    entry = run.environment_outputs["databases"][logical]
    assert entry["resourceId"].startswith(("db-", "cluster-")), urn_message(
        run.database(logical), "resource id"
    )


@pytest.mark.parametrize("logical", DATABASES)
def test_outputs_carry_the_master_secret_arn(run: Run, logical: str) -> None:
    entry = run.environment_outputs["databases"][logical]
    assert entry["masterSecretArn"].startswith("arn:aws:secretsmanager:"), urn_message(
        run.database(logical), "master secret ARN"
    )


# --- engine versions: never fight automatic minor upgrades (issue 10, item 3) ------------


def test_instance_pins_the_major_version_only(run: Run) -> None:
    w = writer(run, "orders")
    pinned = (
        w.inputs["engineVersion"],
        w.inputs["autoMinorVersionUpgrade"],
        w.inputs["allowMajorVersionUpgrade"],
    )
    assert pinned == ("16", True, True), urn_message(
        w, f"engineVersion/autoMinor/allowMajor {pinned}: a pinned minor fights AWS's upgrades"
    )


def aurora_version_holders(run: Run) -> list[Resource]:
    """Every Aurora cluster (primary and secondary) and global cluster of the run."""
    return [
        r
        for r in run.of_type(CLUSTER) + run.of_type("aws:rds/globalCluster:GlobalCluster")
        if r.inputs.get("engine", "").startswith("aurora")
    ]


def test_aurora_clusters_and_global_cluster_ignore_the_running_version(run: Run) -> None:
    holders = aurora_version_holders(run)
    fighting = [r.urn for r in holders if "engineVersion" not in r.ignore_changes]
    assert holders and fighting == [], f"would undo AWS's minor upgrades: {fighting}"


def test_aurora_members_start_at_the_global_cluster_version(run: Run) -> None:
    versions = {r.inputs["engineVersion"] for r in aurora_version_holders(run)}
    assert versions == {run.spec.databases["catalog"].engine_version}, f"versions {versions}"


def test_aurora_instances_take_their_cluster_version(run: Run) -> None:
    pinned = [r.urn for r in run.of_type(CLUSTER_INSTANCE) if "engineVersion" in r.inputs]
    assert pinned == [], f"cluster instances pinning a version: {pinned}"


# --- IAM database users (issue 10, item 6) -------------------------------------------------


@pytest.mark.parametrize(
    ("logical", "users"),
    [("orders", ["orders_app", "reporting_ro"]), ("catalog", ["catalog_app"])],
)
def test_outputs_list_the_granted_iam_users(run: Run, logical: str, users: list[str]) -> None:
    entry = run.environment_outputs["databases"][logical]
    assert entry["iamUsers"] == users, urn_message(run.database(logical), f"{entry['iamUsers']}")


@pytest.mark.parametrize(
    ("logical", "expected"),
    [
        ("orders", 'GRANT rds_iam TO "reporting_ro";'),
        ("catalog", "CREATE USER IF NOT EXISTS 'catalog_app'@'%' IDENTIFIED WITH"),
    ],
)
def test_outputs_carry_the_bootstrap_of_the_iam_users(
    run: Run, logical: str, expected: str
) -> None:
    bootstrap = run.environment_outputs["databases"][logical]["iamUserBootstrap"]
    assert expected in bootstrap, urn_message(run.database(logical), bootstrap)


# --- final snapshots unique over replacements (issue 10, item 9) ---------------------------

RANDOM_ID = "random:index/randomId:RandomId"


def snapshot_suffix(run: Run, store: Resource) -> Resource:
    """The RandomId the store's final snapshot identifier is built from."""
    (found,) = [r for r in run.of_type(RANDOM_ID) if store.uses(r, "finalSnapshotIdentifier")]
    return found


def final_snapshot_holders(run: Run) -> list[Resource]:
    """Every writer, primary cluster and replication group that keeps a final snapshot."""
    kinds = (INSTANCE, CLUSTER, "aws:elasticache/replicationGroup:ReplicationGroup")
    return [
        r
        for r in run.resources
        if r.type in kinds and r.inputs.get("finalSnapshotIdentifier") is not None
    ]


def test_final_snapshot_identifier_has_a_suffix_drawn_per_incarnation(run: Run) -> None:
    holders = final_snapshot_holders(run)
    for store in holders:
        ident = store.inputs.get("identifier") or store.inputs.get("clusterIdentifier")
        ident = ident or store.inputs["replicationGroupId"]
        suffix = snapshot_suffix(run, store)
        assert store.inputs["finalSnapshotIdentifier"].startswith(f"{ident}-final-") and (
            suffix.inputs["keepers"]["identifier"] == ident
        ), urn_message(store, "final snapshot identifier not unique per incarnation")
    assert holders or run.spec.tier == "dev"


@pytest.mark.parametrize(
    ("logical", "keys"),
    [
        ("orders", {"identifier", "engine", "kmsKeyId", "username", "dbName"}),
        (
            "catalog",
            {
                "identifier",
                "engine",
                "kmsKeyId",
                "masterUsername",
                "databaseName",
                "dbSubnetGroupName",
            },
        ),
    ],
)
def test_final_snapshot_suffix_is_keyed_on_the_replace_forcing_inputs(
    logical: str, keys: set[str]
) -> None:
    prod = build("prod")
    suffix = snapshot_suffix(prod, writer(prod, logical))
    assert set(suffix.inputs["keepers"]) == keys, urn_message(suffix, "keepers")


def test_a_replacing_change_draws_a_new_suffix_and_no_change_draws_none(tmp_path: Path) -> None:
    # A new admin user replaces the instance: its successor must not reuse the suffix its
    # predecessor's final snapshot is named with. An unchanged stack keeps it (no timestamp).
    text = (REPO / "stacks" / "Pulumi.prod.yaml").read_text(encoding="utf-8")
    variant = tmp_path / "Pulumi.prod.yaml"
    variant.write_text(
        text.replace(
            "      databaseName: orders\n",
            "      databaseName: orders\n      adminUsername: orders_admin\n",
            1,
        ),
        encoding="utf-8",
    )
    before, after = build("prod"), run_stack_file("prod", variant)
    keepers = [snapshot_suffix(r, writer(r, "orders")).inputs["keepers"] for r in (before, after)]
    same = [snapshot_suffix(r, writer(r, "catalog")).inputs["keepers"] for r in (before, after)]
    assert keepers[0] != keepers[1] and same[0] == same[1], (keepers, same)


# --- credentials that survive a retry (issue 10, item 7) -----------------------------------


def test_master_password_and_its_secret_come_from_one_password_kept_in_state() -> None:
    # The writer and its secret version read the same RandomPassword: a retry after a
    # failed first deploy stores the password the database was created with.
    prod = build("prod")
    w = writer(prod, "orders")
    (password,) = [
        p
        for p in prod.within(prod.database("orders"), "random:index/randomPassword:RandomPassword")
        if w.uses(p, "passwordWo")
    ]
    (version,) = prod.within(
        prod.database("orders"), "aws:secretsmanager/secretVersion:SecretVersion"
    )
    assert version.uses(password, "secretStringWo") and password.inputs["keepers"] == {
        "version": str(prod.spec.databases["orders"].master_password_version)
    }, urn_message(version, "secret and writer do not share one stored password")
