"""Security groups and subnet groups of databases and caches: declared clients only."""

from __future__ import annotations

import pytest

from tests.unit.components.shipped import Resource, Run, build, urn_message

SG = "aws:ec2/securityGroup:SecurityGroup"
RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
STORES = [
    ("databases", "orders"),
    ("databases", "catalog"),
    ("caches", "sessions"),
    ("caches", "catalog"),
]


@pytest.fixture(scope="module", params=("dev", "staging", "prod"))
def run(request: pytest.FixtureRequest) -> Run:
    return build(request.param)


def component(run: Run, kind: str, logical: str) -> Resource:
    return run.database(logical) if kind == "databases" else run.cache(logical)


def primary_group(run: Run, kind: str, logical: str) -> Resource:
    (group,) = [g for g in run.within(component(run, kind, logical), SG) if not g.provider]
    return group


def engine_port(run: Run, kind: str, logical: str) -> int:
    return int(run.environment_outputs[kind][logical]["port"])


@pytest.mark.parametrize(("kind", "logical"), STORES)
def test_security_group_admits_only_declared_clients_on_the_engine_port(
    run: Run, kind: str, logical: str
) -> None:
    group = primary_group(run, kind, logical)
    store = getattr(run.spec, kind)[logical]
    port = engine_port(run, kind, logical)
    rules = [r for r in run.of_type(RULE) if r.uses(group, "securityGroupId")]
    admitted = {
        (
            r.inputs.get("referencedSecurityGroupId") or r.inputs.get("cidrIpv4"),
            r.inputs["ipProtocol"],
            r.inputs["fromPort"],
            r.inputs["toPort"],
        )
        for r in rules
    }
    declared = {
        (c, "tcp", port, port)
        for c in (*store.allowed_security_group_ids, *store.allowed_cidr_blocks)
    }
    assert admitted == declared, urn_message(group, f"admits {admitted}, declared {declared}")


@pytest.mark.parametrize(("kind", "logical"), STORES)
def test_security_group_has_no_inline_rules(run: Run, kind: str, logical: str) -> None:
    group = primary_group(run, kind, logical)
    inline = {"ingress", "egress"} & {k for k, v in group.inputs.items() if v}
    assert not inline, urn_message(group, f"inline {inline}")


@pytest.mark.parametrize(("kind", "logical"), STORES)
def test_subnet_group_uses_the_stack_subnets(run: Run, kind: str, logical: str) -> None:
    kinds = ("aws:rds/subnetGroup:SubnetGroup", "aws:elasticache/subnetGroup:SubnetGroup")
    (subnets,) = [
        r
        for r in run.descendants(component(run, kind, logical))
        if r.type in kinds and not r.provider
    ]
    assert subnets.inputs["subnetIds"] == list(run.spec.network.subnet_ids), urn_message(
        subnets, "subnets"
    )


@pytest.mark.parametrize("logical", ["orders", "catalog"])
def test_prod_dr_network_is_in_the_dr_vpc_and_admits_only_dr_clients(logical: str) -> None:
    prod = build("prod")
    (group,) = [g for g in prod.within(prod.database(logical), SG) if g.provider]
    rules = [r for r in prod.of_type(RULE) if r.uses(group, "securityGroupId")]
    spec = prod.spec.databases[logical]
    expected = len(spec.dr_allowed_security_group_ids) + len(spec.dr_allowed_cidr_blocks)
    ok = group.inputs["vpcId"] == prod.spec.network.dr_vpc_id and len(rules) == expected
    assert ok, urn_message(group, "DR security group must sit in the DR VPC with DR clients only")
