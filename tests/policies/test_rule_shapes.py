"""Rules on property values of the wrong shape: a verdict, never an exception or a proxy's
memory address in a message.

A program is hostile input: a list where the provider sends a string, a NaN where it sends
a number of days. Each case below crashed a rule (or printed ``<pulumi_policy.proxy.
_ListProxy object at 0x...>``) before; each says which verdict a reviewer should get, next
to the compliant value that still passes.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pulumi_policy.proxy import UnknownValueError

from tests.policies.harness import REGISTRY, Stack, resource_args, run_resource, run_stack

ADDRESS = re.compile(r"object at 0x|pulumi_policy\.proxy")
BUCKET = "aws:s3/bucket:Bucket"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
DOCDB_PARAMS = "aws:docdb/clusterParameterGroup:ClusterParameterGroup"
RDS_PARAMS = "aws:rds/parameterGroup:ParameterGroup"
RDS_CLUSTER = "aws:rds/cluster:Cluster"
RDS_MEMBER = "aws:rds/clusterInstance:ClusterInstance"
TABLE = "aws:dynamodb/table:Table"


def _messages(found: list[Any]) -> list[str]:
    return [item[1] if isinstance(item, tuple) else item for item in found]


def _readable(found: list[Any]) -> bool:
    return not any(ADDRESS.search(message) for message in _messages(found))


# --- s3-bucket-disallow-acls: object ownership and canned ACL of another shape ---------------


def _acl_stack(ownership: Any = "BucketOwnerEnforced", acl: Any = None) -> Stack:
    stack = Stack()
    bucket = stack.add(BUCKET, "data", {} if acl is None else {"acl": acl})
    stack.add(OWNERSHIP, "data-ownership", {"rule": {"objectOwnership": ownership}},
              deps={"bucket": [bucket]})  # fmt: skip
    return stack


def test_acls_pass_with_bucket_owner_enforced() -> None:
    assert run_stack("s3-bucket-disallow-acls", _acl_stack()) == []


@pytest.mark.parametrize(
    ("ownership", "shown"),
    [
        (["BucketOwnerEnforced"], '["BucketOwnerEnforced"]'),
        ({"value": "BucketOwnerEnforced"}, '{"value": "BucketOwnerEnforced"}'),
    ],
)
def test_acls_fail_on_object_ownership_of_another_shape_naming_it(ownership, shown) -> None:
    # Only the string BucketOwnerEnforced turns ACLs off: anything else leaves them on.
    found = run_stack("s3-bucket-disallow-acls", _acl_stack(ownership))
    assert _messages(found) == [
        f"Bucket data uses ACLs because object ownership is {shown}; set object ownership to "
        "BucketOwnerEnforced and grant access through policies."
    ]


def test_acls_fail_on_a_canned_acl_list_naming_it() -> None:
    found = run_stack("s3-bucket-disallow-acls", _acl_stack(acl=["public-read"]))
    assert 'it sets the canned ACL ["public-read"];' in _messages(found)[0]


# --- docdb-cluster-parameter-group-enforce-tls --------------------------------------------


@pytest.mark.parametrize(
    "parameters",
    [True, "tls=disabled", [1, "tls", None], {"name": "tls", "value": "enabled"}],
    ids=["bool", "string", "non-objects", "single-object-enabled"],
)
def test_docdb_tls_passes_when_no_parameter_entry_turns_tls_off(parameters) -> None:
    # Entries that are not objects name no parameter (the API refuses them): TLS keeps
    # the family default, enabled.
    args = resource_args(DOCDB_PARAMS, {"family": "docdb5.0", "parameters": parameters})
    assert run_resource("docdb-cluster-parameter-group-enforce-tls", args) == []


def test_docdb_tls_fails_on_a_tls_value_of_another_shape_naming_it() -> None:
    props = {"family": "docdb5.0", "parameters": [{"name": "tls", "value": ["enabled"]}]}
    found = run_resource("docdb-cluster-parameter-group-enforce-tls",
                         resource_args(DOCDB_PARAMS, props))  # fmt: skip
    assert found == [
        'Parameter group subject sets tls=["enabled"], letting clients connect without TLS; '
        'set tls to "enabled".'
    ]


# --- rds-cluster-enable-multi-az: a zone that is not a name -------------------------------


def _cluster(*zones: Any) -> Stack:
    stack = Stack()
    cluster = stack.add(RDS_CLUSTER, "db", {"engine": "aurora-postgresql"})
    for index, zone in enumerate(zones):
        stack.add(RDS_MEMBER, f"db-{index}", {"availabilityZone": zone},
                  deps={"clusterIdentifier": [cluster]})  # fmt: skip
    return stack


def test_multi_az_passes_with_two_zone_names() -> None:
    assert run_stack("rds-cluster-enable-multi-az", _cluster("eu-west-1a", "eu-west-1b")) == []


@pytest.mark.parametrize("odd", [{"zone": "eu-west-1b"}, ["eu-west-1b"]], ids=["object", "list"])
def test_multi_az_fails_when_only_a_malformed_zone_differs(odd) -> None:
    # A pin that is not a zone name shows no second zone.
    found = run_stack("rds-cluster-enable-multi-az", _cluster("eu-west-1a", odd))
    assert len(found) == 1 and "has 2 instance(s) in one Availability Zone" in found[0][1]


# --- numbers that are not numbers: NaN and infinities --------------------------------------

NUMBERS = [
    ("docdb-cluster-configure-backup-retention", "aws:docdb/cluster:Cluster",
     "backupRetentionPeriod", 7),
    ("rds-instance-configure-backup-retention", "aws:rds/instance:Instance",
     "backupRetentionPeriod", 7),
    ("rds-instance-enable-enhanced-monitoring", "aws:rds/instance:Instance",
     "monitoringInterval", 60),
    ("elasticache-cluster-enable-automatic-backups",
     "aws:elasticache/replicationGroup:ReplicationGroup", "snapshotRetentionLimit", 1),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "type_", "key", "good"), NUMBERS)
@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "nan", "1e999"])
def test_a_non_finite_number_is_no_number_and_fails(rule, type_, key, good, bad) -> None:
    # Not a number of days or seconds: judged like an absent setting, which fails here.
    assert run_resource(rule, resource_args(type_, {key: good})) == []
    assert len(run_resource(rule, resource_args(type_, {key: bad}))) == 1


@pytest.mark.parametrize("bad", [float("nan"), float("-inf"), "1e999"])
def test_a_non_finite_kms_deletion_window_is_not_judged(bad) -> None:
    # As any non-number window: only a window shorter than 30 days is reported.
    args = resource_args("aws:kms/key:Key", {"deletionWindowInDays": bad}, protect=True)
    assert run_resource("kms-key-enable-deletion-protection", args) == []
    short = resource_args("aws:kms/key:Key", {"deletionWindowInDays": 7}, protect=True)
    assert len(run_resource("kms-key-enable-deletion-protection", short)) == 1


def test_a_non_finite_default_port_check_does_not_raise() -> None:
    props = {"engine": "postgres", "port": float("nan"), "dbSubnetGroupName": "private"}
    assert run_resource("rds-instance-disallow-default-port",
                        resource_args("aws:rds/instance:Instance", props)) == []  # fmt: skip


# --- dynamodb, rds parameter groups: names of another shape in messages -------------------


def test_autoscaling_names_an_index_of_another_shape_readably() -> None:
    stack = Stack()
    stack.add(TABLE, "orders", {"name": "orders", "billingMode": "PROVISIONED",
                                "globalSecondaryIndexes": [{"name": ["by-customer"]}]})  # fmt: skip
    found = run_stack("dynamodb-table-enable-autoscaling", stack)
    assert 'index ["by-customer"] reads' in found[0][1] and _readable(found)


def test_replica_key_region_names_a_region_of_another_shape_readably() -> None:
    props = {
        "serverSideEncryption": {"enabled": True},
        "replicas": [{"regionName": ["eu-central-1"],
                      "kmsKeyArn": "arn:aws:kms:eu-central-1:123456789012:key/2"}],
    }  # fmt: skip
    found = run_resource("dynamodb-table-enforce-replica-key-region", resource_args(TABLE, props))
    assert found == [
        'Table subject: the replica in ["eu-central-1"] uses a key of eu-central-1; use a key '
        "of each copy's own region."
    ]


def test_boolean_parameter_values_of_another_shape_are_named_readably() -> None:
    props = {"family": "mysql8.0",
             "parameters": [{"name": "require_secure_transport", "value": ["1"]}]}  # fmt: skip
    found = run_resource("rds-parameter-group-configure-boolean-values",
                         resource_args(RDS_PARAMS, props))  # fmt: skip
    assert len(found) == 1 and 'require_secure_transport=["1"]' in found[0]
    props["parameters"] = [{"name": "require_secure_transport", "value": "1"}]
    assert run_resource("rds-parameter-group-configure-boolean-values",
                        resource_args(RDS_PARAMS, props)) == []  # fmt: skip


# --- every resource rule, any JSON-shaped props: a verdict or "unknown", never a crash ------

#: Property names the resource rules read (and a few they don't).
KEYS = [
    "acl", "authToken", "autoMinorVersionUpgrade", "backupRetentionPeriod", "billingMode",
    "customerMasterKeySpec", "deletionProtection", "deletionWindowInDays", "engine",
    "engineVersion", "enabledCloudwatchLogsExports", "family", "inlinePolicies", "keyUsage",
    "monitoringInterval", "parameters", "pointInTimeRecovery", "policy", "port", "region",
    "replicas", "replicateSourceDb", "serverSideEncryption", "snapshotRetentionLimit",
    "storageEncrypted", "tags", "users", "username", "authenticationMode", "passwords",
    "assumeRolePolicy", "name", "value", "kmsKeyArn", "regionName",
]  # fmt: skip
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=8),
    st.sampled_from(["*", "true", "false", "[]", "{}", '{"Statement": 1}', "16.1", "redis"]),
)  # fmt: skip
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner,
                                                                 max_size=3),
    max_leaves=6,
)  # fmt: skip
RESOURCE_RULES = [
    (rule.name, rule.resource_types[0])
    for rule in REGISTRY
    if not rule.is_stack_rule and rule.resource_types
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(props=st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=6))
def test_no_resource_rule_raises_on_any_json_shaped_props(props) -> None:
    for name, type_ in RESOURCE_RULES:
        found: list[str] = []
        args = resource_args(type_, props)
        try:
            REGISTRY[name].policy.validate(
                args, lambda message, urn=None, into=found: into.append(message)
            )
        except UnknownValueError:  # only a value unknown in preview stops a rule
            continue
        assert _readable(found), (name, props, found)


# --- JSON texts nested past Python's recursion limit ---------------------------------------

DEEP = "[" * 100_000


@pytest.mark.parametrize(
    ("rule", "type_", "key", "violations"),
    [
        # Not a readable document (as invalid JSON): nothing in it is granted.
        ("iam-policy-disallow-full-admin", "aws:iam/policy:Policy", "policy", 0),
        ("kms-key-disallow-public-access", "aws:kms/key:Key", "policy", 0),
        # Not a tag map: the required tags are missing.
        ("aws-resource-missing-required-tags", "aws:s3/bucket:Bucket", "tags", 1),
    ],
)
def test_a_json_text_nested_too_deep_is_unreadable_not_a_crash(
    rule, type_, key, violations
) -> None:
    assert len(run_resource(rule, resource_args(type_, {key: DEEP}))) == violations


def test_provider_account_ids_nested_too_deep_name_no_account() -> None:
    from storage_policies.accounts import allowed_account_ids

    assert allowed_account_ids({"allowedAccountIds": DEEP}) == set()
