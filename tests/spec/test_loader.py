"""The stack-file loader: layering, templates, and every error form, pinned."""

from __future__ import annotations

from pathlib import Path

import pytest

from stackspec import SpecError, load_stack_file
from tests.plans import REPO

PROD = (REPO / "stacks" / "Pulumi.prod.yaml").read_text(encoding="utf-8")


def broken(tmp_path: Path, text: str, stack: str = "prod") -> list[str]:
    """Write `text` as a stack file, load it, return the error lines (fails if it loads)."""
    path = tmp_path / f"Pulumi.{stack}.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_stack_file(path)
    return [str(p).replace(str(tmp_path) + "/", "") for p in caught.value.problems]


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """1-based line number of the nth line containing `needle`."""
    hits = [i + 1 for i, line in enumerate(text.splitlines()) if needle in line]
    return hits[nth - 1]


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_shipped_stack_files_are_valid(stack: str) -> None:
    spec = load_stack_file(REPO / "stacks" / f"Pulumi.{stack}.yaml")
    assert spec.tier == stack


def test_out_of_range_number_names_file_line_and_key(tmp_path: Path) -> None:
    text = PROD.replace(
        "      replicas: 1\n      dataClassification: internal\n      allowedSecurityGroupIds",
        "      replicas: 9\n      dataClassification: internal\n      allowedSecurityGroupIds",
        1,
    )
    assert broken(tmp_path, text) == [
        f"Pulumi.prod.yaml:{line_of(text, 'replicas: 9')}: "
        "backend-storage:databases.catalog.replicas: must be between 0 and 5 (got 9)"
    ]


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    text = PROD.replace("      databaseName: orders\n", "      databseName: orders\n")
    assert broken(tmp_path, text) == [
        f"Pulumi.prod.yaml:{line_of(text, 'databseName')}: "
        "backend-storage:databases.orders.databseName: unknown key (did you mean 'databaseName'?); "
        "allowed keys: instanceClass, replicas, multiAz, backupRetentionDays, backupWindow, "
        "maintenanceWindow, deletionProtection, finalSnapshot, allocatedStorage, maxAllocatedStorage, "
        "performanceInsightsRetentionDays, monitoringInterval, maxReplicaLagSeconds, "
        "crossRegionReplica, logRetentionDays, flavour, engine, engineVersion, port, adminUsername, "
        "databaseName, parameters, allowedSecurityGroupIds, allowedCidrBlocks, "
        "drAllowedSecurityGroupIds, drAllowedCidrBlocks, replicaOverrides, masterPasswordVersion, "
        "dataClassification, tags"
    ]


def test_unknown_top_level_key_suggests_the_right_one(tmp_path: Path) -> None:
    text = PROD.replace("  backend-storage:caches:", "  backend-storage:cashes:")
    lines = broken(tmp_path, text)
    assert lines[0].startswith(
        f"Pulumi.prod.yaml:{line_of(text, 'cashes')}: backend-storage:cashes: "
        "unknown key (did you mean 'caches'?)"
    )


def test_yaml_syntax_error_gives_line_and_column(tmp_path: Path) -> None:
    text = PROD.replace(
        "  backend-storage:owner: platform-team\n",
        "  backend-storage:owner: platform-team\n   oops: [\n",
    )
    (line,) = broken(tmp_path, text)
    # libyaml says "... in this context", PyYAML's pure-Python parser "... here".
    assert line.startswith(
        f"Pulumi.prod.yaml:{line_of(text, 'oops')}:8: YAML syntax error: mapping values are not allowed"
    )


def test_template_reaching_python_internals_is_refused(tmp_path: Path) -> None:
    text = PROD.replace('cost-center: "4711"', "cost-center: \"{{ ''.__class__ }}\"")
    assert broken(tmp_path, text) == [
        f"Pulumi.prod.yaml:{line_of(text, '__class__')}: backend-storage:tags.cost-center: "
        "template refused: it reaches Python internals (access to attribute '__class__' of 'str' "
        "object is unsafe); templates may use only the documented variables"
    ]


def test_template_calling_into_internals_is_refused(tmp_path: Path) -> None:
    text = PROD.replace('cost-center: "4711"', 'cost-center: "{{ cycler.__init__.__globals__ }}"')
    (line,) = broken(tmp_path, text)
    assert "template refused" in line


def test_template_with_undefined_variable_is_an_error(tmp_path: Path) -> None:
    text = PROD.replace('cost-center: "4711"', 'cost-center: "{{ team }}"')
    (line,) = broken(tmp_path, text)
    assert (
        "backend-storage:tags.cost-center: template uses an undefined variable: 'team' is undefined"
        in line
    )


def test_grant_to_missing_bucket_is_an_error(tmp_path: Path) -> None:
    text = PROD.replace(
        "          uploads:\n            access: read\n",
        "          upload:\n            access: read\n",
    )
    assert broken(tmp_path, text) == [
        f"Pulumi.prod.yaml:{line_of(text, 'upload:')}: "
        "backend-storage:applications.orders-api.grants.buckets.upload: no bucket named 'upload' "
        "is declared in backend-storage:buckets (did you mean 'uploads'?)"
    ]


def test_application_without_identity_is_an_error(tmp_path: Path) -> None:
    start = PROD.index("    reporting:\n      identity:")
    end = PROD.index("      grants:", start)
    text = PROD[:start] + "    reporting:\n" + PROD[end:]
    assert broken(tmp_path, text) == [
        f"Pulumi.prod.yaml:{line_of(text, '    reporting:')}: "
        "backend-storage:applications.reporting.identity: is required: who the application "
        "is: `kubernetes: {namespace, serviceAccount, mechanism}` or "
        "`service: <principal>.amazonaws.com`"
    ]


def test_all_problems_are_reported_not_only_the_first(tmp_path: Path) -> None:
    text = PROD.replace("backend-storage:tier: prod", "backend-storage:tier: production").replace(
        "backend-storage:owner: platform-team", "backend-storage:owner: ''"
    )
    lines = broken(tmp_path, text)
    assert [line.split(": ", 2)[1] for line in lines] == [
        "backend-storage:tier",
        "backend-storage:owner",
    ]


def test_dr_without_region_is_an_error(tmp_path: Path) -> None:
    text = PROD.replace("  backend-storage:drRegion: eu-central-1\n", "")
    assert broken(tmp_path, text) == [
        f"Pulumi.prod.yaml:{line_of(text, 'config:')}: backend-storage:drRegion: is required: a store replicates to the DR "
        "region (set backend-storage:drRegion, or turn DR off in defaults)"
    ]


def test_cross_region_replica_without_dr_vpc_is_an_error(tmp_path: Path) -> None:
    text = PROD.replace("    drVpcId: vpc-0f1e2d3c4b5a69788\n", "")
    assert broken(tmp_path, text) == [
        f"Pulumi.prod.yaml:{line_of(text, 'backend-storage:network:')}: "
        "backend-storage:network.drVpcId: is required: a database has a cross-region replica; "
        "name the VPC of the DR region that drSubnetIds belong to"
    ]


def test_duplicate_keys_are_an_error(tmp_path: Path) -> None:
    text = PROD.replace(
        "  backend-storage:owner: platform-team\n",
        "  backend-storage:owner: platform-team\n  backend-storage:owner: someone-else\n",
    )
    assert broken(tmp_path, text) == [
        f"Pulumi.prod.yaml:{line_of(text, 'someone-else')}:3: backend-storage:owner: "
        "duplicate key: YAML keeps only the last one; remove one of them"
    ]


def test_secure_value_is_never_echoed(tmp_path: Path) -> None:
    text = PROD.replace(
        "backend-storage:owner: platform-team",
        "backend-storage:owner:\n    secure: v1:c2VjcmV0LW93bmVyLXZhbHVl",
    ).replace("backend-storage:tier: prod", "backend-storage:tier:\n    secure: v1:dGllcg==")
    joined = "\n".join(broken(tmp_path, text))
    assert "got a secret value" in joined and "dGllcg" not in joined and "[secret]" not in joined


def test_missing_file_is_a_spec_error(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as caught:
        load_stack_file(tmp_path / "Pulumi.nope.yaml")
    assert "cannot read the file" in str(caught.value)


class TestPrecedence:
    """Built-in tier defaults < stack `defaults` < a store's own keys."""

    def test_tier_default_applies(self) -> None:
        spec = load_stack_file(REPO / "stacks" / "Pulumi.prod.yaml")
        assert spec.databases["orders"].replicas == 2

    def test_entry_key_overrides_tier_default(self) -> None:
        spec = load_stack_file(REPO / "stacks" / "Pulumi.prod.yaml")
        assert spec.databases["catalog"].replicas == 1

    def test_stack_defaults_override_tier_defaults(self, tmp_path: Path) -> None:
        text = PROD.replace(
            "  backend-storage:owner: platform-team\n",
            "  backend-storage:owner: platform-team\n  backend-storage:defaults:\n    databases:\n      replicas: 3\n",
        )
        path = tmp_path / "Pulumi.prod.yaml"
        path.write_text(text, encoding="utf-8")
        spec = load_stack_file(path)
        assert (spec.databases["orders"].replicas, spec.databases["catalog"].replicas) == (3, 1)

    def test_dr_default_reaches_buckets(self) -> None:
        spec = load_stack_file(REPO / "stacks" / "Pulumi.prod.yaml")
        assert (spec.buckets["invoices"].replication, spec.buckets["exports"].replication) == (
            True,
            False,
        )

    def test_templates_render_documented_variables(self) -> None:
        spec = load_stack_file(REPO / "stacks" / "Pulumi.staging.yaml")
        assert spec.tags["stack"] == "backend-storage-staging"


def test_bad_default_is_reported_once_at_its_own_key(tmp_path: Path) -> None:
    text = PROD.replace(
        "  backend-storage:owner: platform-team\n",
        "  backend-storage:owner: platform-team\n  backend-storage:defaults:\n    databases:\n      replicas: 7\n",
    )
    assert broken(tmp_path, text) == [
        f"Pulumi.prod.yaml:{line_of(text, 'replicas: 7')}: "
        "backend-storage:defaults.databases.replicas: must be between 0 and 5 (got 7)"
    ]


def test_missing_keys_say_how_to_set_them(tmp_path: Path) -> None:
    text = "config:\n  aws:region: eu-west-1\n"
    assert broken(tmp_path, text) == [
        "Pulumi.prod.yaml:1: aws:allowedAccountIds: is required: set aws:allowedAccountIds to a "
        "list holding the 12-digit account id",
        "Pulumi.prod.yaml:1: backend-storage:network: is required: set backend-storage:network "
        "to {vpcId, subnetIds} of the private subnets",
        "Pulumi.prod.yaml:1: backend-storage:owner: is required: set backend-storage:owner to "
        "the team that owns the environment",
        "Pulumi.prod.yaml:1: backend-storage:tier: is required: set backend-storage:tier to dev, "
        "staging or prod",
    ]


README_ERRORS = {
    "syntax": b"config:\n  aws:region: eu-west-1\n  backend-storage:owner: platform-team\n"
    b"   oops: [\n",
    "encoding": b"config:\n  aws:region: eu-west-1\n  x: caf\xe9\n",
    "tag": b"config:\n  aws:region: eu-west-1\n  backend-storage:tags:\n    a: 1\n"
    b"    x: !!binary aGk=\n",
}


@pytest.mark.parametrize("case", sorted(README_ERRORS))
def test_readme_error_examples_are_what_the_loader_prints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("### Errors", 1)[1].split("```\n", 2)[1]
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "Pulumi.x.yaml").write_bytes(README_ERRORS[case])
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SpecError) as caught:
        load_stack_file(Path("stacks/Pulumi.x.yaml"))
    (problem,) = caught.value.problems
    assert str(problem) in block.splitlines()


def test_a_date_stays_the_text_written_and_serialises(tmp_path: Path) -> None:
    # `plan` serialises the config to JSON: a datetime.date there was a crash with no file.
    import json

    from stackspec import read_stack_file

    path = tmp_path / "Pulumi.prod.yaml"
    path.write_text(PROD + "  aws:created: 2024-01-01\n  aws:at: 2001-12-14t21:59:43.10-05:00\n")
    config = read_stack_file(path).config
    assert (config["aws:created"], config["aws:at"]) == (
        "2024-01-01",
        "2001-12-14t21:59:43.10-05:00",
    )
    json.dumps(config)
    load_stack_file(path)


def test_keys_are_the_text_written_so_entry_names_never_mix_types(tmp_path: Path) -> None:
    text = PROD.replace(
        "    invoices:\n", "    1:\n      dataClassification: internal\n    invoices:\n", 1
    )
    lines = broken(tmp_path, text)
    assert any("backend-storage:buckets.1" in line for line in lines), lines


def test_merge_keys_are_honoured(tmp_path: Path) -> None:
    text = PROD.replace(
        '  backend-storage:tags:\n    cost-center: "4711"\n',
        '  backend-storage:tags:\n    <<: &base {cost-center: "4711", team: a}\n    team: b\n',
    )
    assert text != PROD
    path = tmp_path / "Pulumi.prod.yaml"
    path.write_text(text, encoding="utf-8")
    tags = load_stack_file(path).tags
    assert (tags["cost-center"], tags["team"]) == ("4711", "b")


def test_an_alias_bomb_is_refused_in_milliseconds(tmp_path: Path) -> None:
    import time

    laughs = "".join(f"  l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 10))
    started = time.monotonic()
    lines = broken(tmp_path, "config:\n  l0: &l0 [lol]\n" + laughs)
    assert time.monotonic() - started < 0.5
    assert lines == [
        "Pulumi.prod.yaml:7:12: l5.0: the document holds more than 25,000 values once aliases "
        "are expanded (an alias counts as the size of what it names): refused as an alias "
        "bomb or a runaway file"
    ]


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("structure/billion-laughs-353.yaml", "alias bomb"),
        ("structure/recursive-alias-map.yaml", "recursive alias"),
        ("structure/deep-flow-list-5000.yaml", "nested more than 64"),
        ("tags/python-object.yaml", "is not allowed"),
        ("keys/complex-list-key.yaml", "a key must be"),
        ("encoding/surrogate-escape.yaml", "lone surrogate"),
        ("structure/two-documents.yaml", "more than one YAML document"),
    ],
)
def test_without_libyaml_the_pure_python_parser_gives_the_same_errors(
    monkeypatch: pytest.MonkeyPatch, name: str, says: str
) -> None:
    from stackspec import safe_yaml

    monkeypatch.setattr(safe_yaml, "USE_LIBYAML", False)
    with pytest.raises(SpecError, match=says):
        load_stack_file(REPO / "tests" / "data" / "hostile_stacks" / name)


def test_without_libyaml_the_shipped_stacks_load(monkeypatch: pytest.MonkeyPatch) -> None:
    from stackspec import safe_yaml

    monkeypatch.setattr(safe_yaml, "USE_LIBYAML", False)
    assert load_stack_file(REPO / "stacks" / "Pulumi.prod.yaml").tier == "prod"
