"""Cache under the mock runtime, built from the shipped stack files."""

from __future__ import annotations

import json

import pytest

from tests.unit.components.shipped import Resource, Run, build, masked, urn_message

GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
USER = "aws:elasticache/user:User"
USER_GROUP = "aws:elasticache/userGroup:UserGroup"
STACKS = ("dev", "staging", "prod")
CACHES = ("sessions", "catalog")
WRITE_ONLY_SECRETS = ("passwordWo", "passwordsWo", "masterPasswordWo", "secretStringWo")


@pytest.fixture(scope="module", params=STACKS)
def run(request: pytest.FixtureRequest) -> Run:
    return build(request.param)


def group(run: Run, logical: str) -> Resource:
    (found,) = run.within(run.cache(logical), GROUP)
    return found


def users(run: Run, logical: str) -> dict[str, Resource]:
    """Users of the cache by user id."""
    return {u.inputs["userId"]: u for u in run.within(run.cache(logical), USER)}


def granted(run: Run, logical: str) -> list[str]:
    return sorted(a for a, spec in run.spec.applications.items() if logical in spec.grants.caches)


@pytest.mark.parametrize("logical", CACHES)
def test_encrypted_at_rest_with_the_environment_key(run: Run, logical: str) -> None:
    g = group(run, logical)
    key = run.key_arn(run.spec.caches[logical].data_classification)
    assert (g.inputs["atRestEncryptionEnabled"], g.inputs["kmsKeyId"]) == (True, key), urn_message(
        g, "at rest"
    )


@pytest.mark.parametrize("logical", CACHES)
def test_transit_encryption_is_required(run: Run, logical: str) -> None:
    g = group(run, logical)
    ok = (g.inputs["transitEncryptionEnabled"], g.inputs["transitEncryptionMode"]) == (
        True,
        "required",
    )
    assert ok, urn_message(g, "TLS not required")


@pytest.mark.parametrize("logical", CACHES)
def test_default_user_is_disabled(run: Run, logical: str) -> None:
    (user_group,) = run.within(run.cache(logical), USER_GROUP)
    members = [users(run, logical)[i] for i in user_group.inputs["userIds"]]
    defaults = [u for u in members if u.inputs["userName"] == "default"]
    ok = len(defaults) == 1 and defaults[0].inputs["accessString"].startswith("off ")
    assert ok, urn_message(user_group, "needs exactly one `default` user, switched off")


@pytest.mark.parametrize("logical", CACHES)
def test_one_user_per_granted_application(run: Run, logical: str) -> None:
    cache = run.cache(logical)
    apps = [u for u in users(run, logical).values() if u.inputs["userName"] != "default"]
    expected = [f"{run.spec.prefix}-{logical}-{a}" for a in granted(run, logical)]
    ids = sorted(u.name.replace("-user-", "-", 1) for u in apps)
    assert ids == expected, urn_message(cache, f"users {ids}, grants {expected}")


def test_iam_cache_users_authenticate_with_iam(run: Run) -> None:
    apps = [u for u in users(run, "sessions").values() if u.inputs["userName"] != "default"]
    wrong = [
        u.urn
        for u in apps
        if u.inputs.get("authenticationMode") != {"type": "iam"}
        or u.inputs["userId"] != u.inputs["userName"]
    ]
    assert apps and wrong == [], f"IAM users need type iam and user id = user name: {wrong}"


def test_password_cache_users_get_write_only_passwords_in_a_secret(run: Run) -> None:
    cache = run.cache("catalog")
    apps = [u for u in users(run, "catalog").values() if u.inputs["userName"] != "default"]
    secrets = run.within(cache, "aws:secretsmanager/secretVersion:SecretVersion")
    ok = all("passwordsWo" in u.secret_inputs and "passwords" not in u.inputs for u in apps)
    assert ok and len(secrets) == len(apps), urn_message(
        cache, "password users need write-only secrets"
    )


def test_password_secrets_are_encrypted_with_the_cache_key(run: Run) -> None:
    cache = run.cache("catalog")
    key = run.key_arn(run.spec.caches["catalog"].data_classification)
    secrets = run.within(cache, "aws:secretsmanager/secret:Secret")
    assert secrets and all(s.inputs["kmsKeyId"] == key for s in secrets), urn_message(
        cache, "secret key"
    )


@pytest.mark.parametrize("logical", CACHES)
def test_failover_and_multi_az_whenever_there_is_a_replica(run: Run, logical: str) -> None:
    g = group(run, logical)
    has_replica = (
        g.inputs.get("numCacheClusters", 1) > 1 or g.inputs.get("replicasPerNodeGroup", 0) > 0
    )
    ok = g.inputs["multiAzEnabled"] == has_replica and (
        g.inputs["automaticFailoverEnabled"] or not has_replica
    )
    assert ok, urn_message(g, "failover and multi-AZ must follow the replicas")


@pytest.mark.parametrize("logical", CACHES)
def test_dev_is_a_single_node(logical: str) -> None:
    g = group(build("dev"), logical)
    assert (g.inputs["numCacheClusters"], g.inputs["multiAzEnabled"]) == (1, False), urn_message(
        g, "dev"
    )


def test_prod_catalog_is_sharded() -> None:
    g = group(build("prod"), "catalog")
    shape = (g.inputs["clusterMode"], g.inputs["numNodeGroups"], g.inputs["replicasPerNodeGroup"])
    assert shape == ("enabled", 2, 1), urn_message(g, f"cluster mode {shape}")


@pytest.mark.parametrize("logical", CACHES)
def test_parameter_group_matches_the_cluster_mode(run: Run, logical: str) -> None:
    (params,) = run.within(run.cache(logical), "aws:elasticache/parameterGroup:ParameterGroup")
    expected = "yes" if run.spec.caches[logical].cluster_mode else "no"
    values = {p["name"]: p["value"] for p in params.inputs["parameters"]}
    assert values["cluster-enabled"] == expected, urn_message(params, "cluster-enabled")


@pytest.mark.parametrize("logical", CACHES)
def test_slow_log_is_delivered_to_cloudwatch(run: Run, logical: str) -> None:
    g = group(run, logical)
    (log_group,) = run.within(run.cache(logical), "aws:cloudwatch/logGroup:LogGroup")
    (delivery,) = g.inputs["logDeliveryConfigurations"]
    ok = delivery["logType"] == "slow-log" and delivery["destination"] == log_group.outputs["name"]
    assert ok, urn_message(g, "slow log not delivered to its log group")


@pytest.mark.parametrize("logical", CACHES)
def test_port_is_not_the_default(run: Run, logical: str) -> None:
    g = group(run, logical)
    assert g.inputs["port"] != 6379, urn_message(g, "default port")


@pytest.mark.parametrize("logical", CACHES)
def test_prod_cache_is_protected_with_a_final_snapshot(logical: str) -> None:
    g = group(build("prod"), logical)
    ok = g.protect and g.retain_on_delete and g.inputs.get("finalSnapshotIdentifier")
    assert ok, urn_message(g, "prod cache must be protected, retained and snapshotted")


RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword"


def generated_passwords(run: Run) -> list[str]:
    """Every password value the run knows: the RandomPasswords' results, the write-only
    inputs, and the password in each stored secret's JSON."""
    found = [r.outputs.get("result") for r in run.of_type(RANDOM_PASSWORD)]
    for r in run.resources:
        for name in WRITE_ONLY_SECRETS:
            value = r.inputs.get(name)
            if name == "secretStringWo" and isinstance(value, str):
                value = json.loads(value)["password"]
            found.append(value)
    return [p for p in found if isinstance(p, str) and p]


def test_no_secret_value_in_the_stack_outputs(run: Run) -> None:
    rendered = json.dumps(run.environment_outputs)  # secrets revealed, as with --show-secrets
    leaked = [p for p in generated_passwords(run) if p in rendered]
    assert leaked == [], f"{len(leaked)} generated password(s) in the stack outputs"


def test_every_write_only_credential_comes_from_a_random_password_in_state(run: Run) -> None:
    # A password generated by the program would differ on the retry of a failed first
    # deploy; a RandomPassword's result is kept in the state (issue 10, item 7).
    passwords = run.of_type(RANDOM_PASSWORD)
    loose = [
        (r.urn, name)
        for r in run.resources
        for name in WRITE_ONLY_SECRETS
        if name in r.inputs and not any(r.uses(p, name) for p in passwords)
    ]
    users = [u for n in CACHES for u in run.within(run.cache(n), USER)]
    assert users and loose == [], f"write-only credentials not from a RandomPassword: {loose}"


@pytest.mark.parametrize("logical", CACHES)
def test_password_version_is_a_keeper_of_each_user_password(run: Run, logical: str) -> None:
    # Bumping passwordVersion must draw a new password *and* send it (same version).
    cache = run.cache(logical)
    for user in run.within(cache, USER):
        if "passwordsWo" not in user.inputs:
            continue
        (source,) = [p for p in run.within(cache, RANDOM_PASSWORD) if user.uses(p, "passwordsWo")]
        version = str(int(user.inputs["passwordsWoVersion"]))
        assert source.inputs["keepers"] == {"version": version}, urn_message(
            source, f"keepers {source.inputs['keepers']}, user version {version}"
        )


def test_write_only_inputs_are_secret(run: Run) -> None:
    plain = [
        (r.urn, n)
        for r in run.resources
        for n in WRITE_ONLY_SECRETS
        if n in r.inputs and n not in r.secret_inputs
    ]
    assert plain == [], f"write-only credentials not marked secret: {plain}"


@pytest.mark.parametrize("logical", CACHES)
def test_outputs_list_the_user_of_each_granted_application(run: Run, logical: str) -> None:
    entry = masked(run.environment_outputs)["caches"][logical]
    assert sorted(entry["userIds"]) == granted(run, logical), urn_message(
        run.cache(logical), "userIds"
    )
