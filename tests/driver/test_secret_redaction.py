"""No credential reaches any output: plan (every format), review, validate, program logs.

Two subjects: a copy of the shipped `dev` stack file with credential-named keys at several
depths, and a small foreign program handing credentials to resources in every shape a plan
holds them (tests/data/secret_program). Each secret is looked for in every form a renderer
could turn it into: as written, JSON-escaped, whitespace-collapsed, and its first and last
sixteen characters (truncation).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from storagectl.cli import app
from storagectl.plan import redact_plan
from storagectl.planner import plan_stack
from storagectl.redact import SECRET
from storagectl.report import render
from storagectl.review import render as render_review
from storagectl.review.diff import diff_plans
from storagectl.review.run import summarize
from tests.driver.review_fixtures import resource
from tests.plans import REPO, plan_of

LONG = ("pass wörd\twith  spaces ✓ " + "".join(f"{i:03d}Zq" for i in range(60)))[:300]
"""Whitespace (a tab, a double space), unicode and 300 characters: reformatting bait."""
STACK_SECRETS = {
    "dbPassword": LONG,
    "app.password": "app-param-secret-5521",
    "apiToken": "tag-api-token-7781",
    "client-secret": "client-secret-Σ-3319",
}
PROGRAM = REPO / "tests" / "data" / "secret_program"
PROGRAM_SECRETS = (
    "plain db pässword\twith tab 4711",
    "app-secret-value-0815",
    "api-token-value-2342",
    "wrapped-secret-value-1337",
    "client-secret-value-9999",
)
PLAN_FORMATS = ("table", "json", "markdown", "sarif")


def forms(secret: str) -> set[str]:
    """What a renderer could make of `secret`: escaped, collapsed or truncated."""
    return {
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        " ".join(secret.split()),
        secret[:16],
        secret[-16:],
    }


def leaks(text: str, secrets: Any) -> list[str]:
    """Every form of every secret found in `text` (empty when nothing leaked)."""
    return sorted(form for secret in secrets for form in forms(secret) if form in text)


def with_credentials(config: dict[str, Any]) -> dict[str, Any]:
    """The dev stack's config plus credential-named keys at several depths."""
    config = dict(config)
    databases = config["backend-storage:databases"]
    databases["orders"]["parameters"] = {
        "dbPassword": STACK_SECRETS["dbPassword"],
        "app.password": STACK_SECRETS["app.password"],
    }
    config["backend-storage:tags"]["apiToken"] = STACK_SECRETS["apiToken"]
    config["other-app:identity"] = {
        "issuer": "https://login.example.com",
        "provider": {"client-secret": STACK_SECRETS["client-secret"]},
    }
    return config


def write_stack(path: Path, config: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump({"config": config}, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def stack_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    shipped = yaml.safe_load((REPO / "stacks" / "Pulumi.dev.yaml").read_text(encoding="utf-8"))
    target = tmp_path_factory.mktemp("stack") / "Pulumi.dev.yaml"
    return write_stack(target, with_credentials(shipped["config"]))


@pytest.fixture(scope="module")
def stack_plan(stack_file: Path) -> tuple[dict[str, Any], list[str]]:
    notes: list[str] = []
    return plan_stack(REPO, "dev", stack_file, notify=notes.append), notes


@pytest.fixture(scope="module")
def program_plan() -> tuple[dict[str, Any], list[str]]:
    notes: list[str] = []
    return plan_stack(PROGRAM, "test", PROGRAM / "Pulumi.test.yaml", notify=notes.append), notes


@pytest.mark.parametrize("fmt", PLAN_FORMATS)
def test_stack_plan_shows_no_credential_in_any_format(stack_plan: Any, fmt: str) -> None:
    assert leaks(render(stack_plan[0], fmt), STACK_SECRETS.values()) == []


@pytest.mark.parametrize("fmt", PLAN_FORMATS)
def test_program_plan_shows_no_credential_in_any_format(program_plan: Any, fmt: str) -> None:
    assert leaks(render(program_plan[0], fmt), PROGRAM_SECRETS) == []


def test_program_log_lines_show_no_credential(program_plan: Any) -> None:
    notes = program_plan[1]
    assert (len(notes), leaks("\n".join(notes), PROGRAM_SECRETS)) == (2, [])


def test_redacting_a_redacted_plan_changes_nothing(stack_plan: Any) -> None:
    assert redact_plan(stack_plan[0]) == stack_plan[0]


def test_plan_keeps_what_is_not_secret_beside_what_is(stack_plan: Any) -> None:
    identity = stack_plan[0]["config"]["other-app:identity"]
    assert identity == {
        "issuer": "https://login.example.com",
        "provider": {"client-secret": SECRET},
    }


def test_credential_named_parameter_is_masked_by_its_name(stack_plan: Any) -> None:
    groups = [
        r
        for r in stack_plan[0]["resources"]
        if r["type"] == "aws:rds/parameterGroup:ParameterGroup"
    ]
    parameters = {p["name"]: p["value"] for g in groups for p in g["inputs"].get("parameters", [])}
    assert (parameters["app.password"], parameters["dbPassword"]) == (SECRET, SECRET)


def test_credential_named_tag_is_masked_on_every_resource(stack_plan: Any) -> None:
    tagged = [
        r["inputs"]["tags"]
        for r in stack_plan[0]["resources"]
        if "apiToken" in (r["inputs"].get("tags") or {})
    ]
    assert tagged and {tags["apiToken"] for tags in tagged} == {SECRET}


def test_settings_named_like_credentials_stay_visible_to_reviewers(stack_plan: Any) -> None:
    # The policy pack judges `authenticationMode.type`; reviewers must see it too.
    modes = [
        r["inputs"]["authenticationMode"]
        for r in stack_plan[0]["resources"]
        if r["inputs"].get("authenticationMode")
    ]
    assert {"type": "iam"} in modes


def test_program_plan_masks_every_shape(program_plan: Any) -> None:
    inputs = {r["name"]: r["inputs"] for r in program_plan[0]["resources"] if r["custom"]}
    task = json.loads(inputs["app-task"]["containerDefinitions"])
    assert (
        inputs["db-password"]["value"],
        inputs["app-params"]["parameters"][0],
        task[0]["environment"][0]["value"],
        inputs["assets"]["tags"],
        inputs["app-config"]["data"]["DB_PASSWORD"],
        inputs["app-secret"]["stringData"],
        program_plan[0]["outputs"]["settings"],
    ) == (
        SECRET,
        {"name": "app.password", "value": SECRET},
        SECRET,
        {"apiToken": SECRET, "team": "web"},
        SECRET,
        SECRET,
        {"region": "eu-central-1", "apiToken": SECRET},
    )


def test_plan_cli_shows_no_credential_on_stdout_or_stderr() -> None:
    result = CliRunner().invoke(
        app, ["plan", "--program", str(PROGRAM), "--stack", "test", "--format", "json"]
    )
    assert (result.exit_code, leaks(result.output, PROGRAM_SECRETS)) == (0, [])


def test_validate_of_a_valid_stack_shows_no_credential(stack_file: Path) -> None:
    result = CliRunner().invoke(app, ["validate", str(stack_file)])
    assert (result.exit_code, leaks(result.output, STACK_SECRETS.values())) == (0, [])


def test_validate_errors_about_credential_keys_do_not_echo_them(tmp_path: Path) -> None:
    shipped = yaml.safe_load((REPO / "stacks" / "Pulumi.dev.yaml").read_text(encoding="utf-8"))
    config = with_credentials(shipped["config"])
    # Wrong types, so the loader's messages quote the values it got.
    config["backend-storage:databases"]["orders"]["parameters"]["dbPassword"] = 987654321
    config["backend-storage:tags"]["apiToken"] = 55667788
    bad = write_stack(tmp_path / "Pulumi.dev.yaml", config)
    result = CliRunner().invoke(app, ["validate", str(bad)])
    lines = result.output.splitlines()
    assert (
        result.exit_code,
        any("parameters.dbPassword" in line for line in lines),
        any("tags.apiToken" in line for line in lines),
        leaks(result.output, ["987654321", "55667788", *STACK_SECRETS.values()]),
    ) == (2, True, True, [])


@pytest.mark.parametrize("command", [["destroy", "dev"], ["apply", "dev", "--check"]])
def test_deploy_commands_errors_about_credential_keys_do_not_echo_them(
    tmp_path: Path, command: list[str]
) -> None:
    shipped = yaml.safe_load((REPO / "stacks" / "Pulumi.dev.yaml").read_text(encoding="utf-8"))
    config = with_credentials(shipped["config"])
    config["backend-storage:tags"]["apiToken"] = 55667788
    bad = write_stack(tmp_path / "Pulumi.dev.yaml", config)
    result = CliRunner().invoke(app, [*command, "--config-file", str(bad)])
    assert (
        result.exit_code,
        "tags.apiToken" in result.output,
        leaks(result.output, ["55667788", *STACK_SECRETS.values()]),
    ) == (2, True, [])


def test_validate_of_an_unparsable_file_does_not_echo_credentials(tmp_path: Path) -> None:
    bad = tmp_path / "Pulumi.dev.yaml"
    bad.write_text(
        f'config:\n  app:dbPassword: "{STACK_SECRETS["app.password"]}"\n  x: [\n', encoding="utf-8"
    )
    result = CliRunner().invoke(app, ["validate", str(bad)])
    assert (result.exit_code, leaks(result.output, STACK_SECRETS.values())) == (2, [])


@pytest.fixture(scope="module")
def review(stack_plan: Any) -> dict[str, Any]:
    """The review of the shipped dev stack gaining the credentials.

    Built from the two plans directly (`run_review` plans each side in a `storagectl plan
    --format json` process: the plan tests above cover that output).
    """
    environments = {"dev": diff_plans(plan_of("dev"), stack_plan[0])}
    return {
        "base": "HEAD",
        "base_commit": "0" * 40,
        "head": "working tree",
        "environments": environments,
        "summary": summarize(environments),
    }


@pytest.mark.parametrize("fmt", ["json", "markdown"])
def test_review_shows_no_credential_in_any_format(review: dict[str, Any], fmt: str) -> None:
    text = render_review(review, fmt)
    assert (review["summary"]["errors"], leaks(text, STACK_SECRETS.values())) == (0, [])


def test_review_reports_the_credential_change_masked(review: dict[str, Any]) -> None:
    changes = [
        p
        for entry in review["environments"]["dev"]["changed"]
        for p in entry["properties"]
        if p["path"] == "tags.apiToken"
    ]
    assert changes and all((p["before"], p["after"]) == (None, SECRET) for p in changes)


def test_review_of_an_unredacted_base_plan_shows_no_credential() -> None:
    # A base planned by an older storagectl may hold plaintext; the review must not.
    secret = STACK_SECRETS["app.password"]
    old = resource(
        "db",
        inputs={
            "parameters": [{"name": "app.password", "value": secret}],
            "tags": {"apiToken": secret},
        },
    )
    new = resource(
        "db", inputs={"parameters": [{"name": "app.password", "value": SECRET}], "tags": {}}
    )
    base = {
        "stack": "dev",
        "resources": [old],
        "violations": [
            {
                "policy": "p",
                "enforcement": "advisory",
                "urn": old["urn"],
                "name": "db",
                "type": old["type"],
                "message": f"tag apiToken is {secret}",
            }
        ],
    }
    head = {"stack": "dev", "resources": [new], "violations": []}
    document = {
        "base": "HEAD",
        "base_commit": "0" * 40,
        "head": "working tree",
        "environments": {"dev": diff_plans(base, head)},
        "summary": {},
    }
    text = render_review(document, "json") + render_review(document, "markdown")
    assert leaks(text, [secret]) == []


MARKUP_NAMES = [
    "x[/]y",
    "db[bold red]x",
    "arn:aws:secretsmanager:eu-west-1:1:secret:app:secret:-AbC",
]


def markup_plan(name: str) -> dict[str, Any]:
    bucket = resource(name, provider=None, inputs={}, outputs={})
    return {
        "project": "p[/]",
        "stack": "dev[red]",
        "preview": False,
        "config": {"aws:region": "eu-west-1"},
        "resources": [bucket],
        "outputs": {},
        "violations": [
            {
                "policy": "s3-bucket-enable-versioning",
                "enforcement": "advisory",
                "urn": bucket["urn"],
                "name": name,
                "type": bucket["type"],
                "message": f"{name} :secret: [/]",
                "controls": [],
                "severity": "low",
                "remediation": "",
            }
        ],
        "summary": {
            "resources": 1,
            "custom_resources": 1,
            "components": 0,
            "providers": 0,
            "protected": 0,
            "stateful": 1,
            "by_type": {bucket["type"]: 1},
            "violations": {"mandatory": 0, "advisory": 1},
        },
    }


@pytest.mark.parametrize("name", MARKUP_NAMES)
def test_plan_table_prints_markup_and_emoji_codes_literally(name: str) -> None:
    text = render(markup_plan(name), "table", width=400)
    assert (name in text, f"{name} :secret: [/]" in text, "p[/] / dev[red]" in text) == (
        True,
        True,
        True,
    )


def test_plan_error_of_a_failing_program_does_not_echo_its_credentials(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: failing\nruntime: python\n", encoding="utf-8")
    (tmp_path / "Pulumi.test.yaml").write_text(
        f'config:\n  failing:dbPassword: "{PROGRAM_SECRETS[0]}"\n', encoding="utf-8"
    )
    (tmp_path / "__main__.py").write_text(
        "import pulumi\n"
        "raise ValueError('cannot connect with ' + pulumi.Config().require('dbPassword'))\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["plan", "--program", str(tmp_path), "--stack", "test"])
    assert (
        result.exit_code,
        "ValueError" in result.output,
        leaks(result.output, PROGRAM_SECRETS),
    ) == (2, True, [])


def test_plan_markdown_shows_names_as_code_that_cannot_be_closed() -> None:
    text = render(markup_plan("a`b](http://x)|c"), "markdown")
    assert "`a'b](http://x)\\|c`" in text


def test_review_markdown_shows_names_as_code_that_cannot_be_closed() -> None:
    head = {"stack": "dev", "resources": [resource("a`b*c*")], "violations": []}
    document = {
        "base": "main`x",
        "base_commit": "0" * 40,
        "head": "working tree",
        "environments": {"dev": diff_plans(None, head)},
        "summary": {},
    }
    text = render_review(document, "markdown")
    assert ("`a'b*c*`" in text, "`main'x`" in text) == (True, True)
