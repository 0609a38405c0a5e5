"""`storagectl review`: the plan diff on hand-written plans, then the command end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from storagectl.review import ReviewError, diff_plans, diff_resources, diff_values, exit_code
from storagectl.review.render import markdown
from storagectl.review.worktree import checkout, resolve_commit
from tests.driver.review_fixtures import (
    INSTANCE,
    POLICY,
    copy_project,
    edit,
    git,
    plan,
    resource,
    violation,
)

# --- diff of hand-written plans -------------------------------------------------------


def test_diff_resources_lists_resource_only_in_head_as_added() -> None:
    added, _, _ = diff_resources([], [resource("logs")])
    assert [r["name"] for r in added] == ["logs"]


def test_diff_resources_lists_resource_only_in_base_as_removed() -> None:
    _, removed, _ = diff_resources([resource("logs")], [])
    assert [r["name"] for r in removed] == ["logs"]


def test_diff_resources_reports_changed_input_by_dotted_path() -> None:
    before = resource("logs", inputs={"tags": {"owner": "a", "env": "dev"}})
    after = resource("logs", inputs={"tags": {"owner": "b", "env": "dev"}})
    _, _, changed = diff_resources([before], [after])
    assert changed[0]["properties"] == [{"path": "tags.owner", "before": "a", "after": "b"}]


def test_diff_resources_reports_changed_option() -> None:
    _, _, changed = diff_resources([resource("logs")], [resource("logs", protect=True)])
    assert changed[0]["options"] == [{"option": "protect", "before": False, "after": True}]


def test_diff_resources_ignores_component_resources() -> None:
    component = resource("env", "backend-storage:index:StorageEnvironment", custom=False)
    assert diff_resources([], [component]) == ([], [], [])


def test_diff_resources_unchanged_resource_is_not_listed() -> None:
    same = resource("logs", inputs={"forceDestroy": False})
    assert diff_resources([same], [dict(same)]) == ([], [], [])


SECRET_CASES = {
    "plaintext-to-secret": ("hunter2-plain", "[secret]", "masterUsername"),
    "secret-to-plaintext": ("[secret]", "hunter2-plain", "masterUsername"),
    "credential-key": ("hunter2-old", "hunter2-new", "password"),
}


@pytest.mark.parametrize("case", sorted(SECRET_CASES))
def test_diff_values_never_shows_secret_values(case: str) -> None:
    before, after, key = SECRET_CASES[case]
    changes = diff_values({key: before}, {key: after})
    assert changes == [{"path": key, "before": "[secret]", "after": "[secret]"}]


def test_diff_values_diffs_json_policy_documents_by_statement() -> None:
    def document(actions: list[str]) -> str:
        statement = {"Sid": "Read", "Effect": "Allow", "Action": actions, "Resource": "*"}
        return json.dumps({"Version": "2012-10-17", "Statement": [statement]})

    changes = diff_values({"policy": document(["s3:GetObject"])}, {"policy": document(["s3:*"])})
    assert changes == [
        {
            "path": "policy.Statement[Sid=Read].Action",
            "before": ["s3:GetObject"],
            "after": ["s3:*"],
        }
    ]


def test_diff_values_reordered_statements_are_no_change() -> None:
    first = {"Sid": "A", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    second = {"Sid": "B", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}
    before = json.dumps({"Statement": [first, second]})
    after = json.dumps({"Statement": [second, first]})
    assert diff_values({"policy": before}, {"policy": after}) == []


def test_diff_values_compares_lists_of_plain_values_whole() -> None:
    changes = diff_values({"ids": ["sg-a"]}, {"ids": ["sg-a", "sg-b"]})
    assert changes == [{"path": "ids", "before": ["sg-a"], "after": ["sg-a", "sg-b"]}]


def test_diff_values_tells_true_from_one() -> None:
    assert diff_values({"port": 1}, {"port": True}) == [
        {"path": "port", "before": 1, "after": True}
    ]


# --- data-loss risks ------------------------------------------------------------------


def _risks(base: list[dict[str, Any]], head: list[dict[str, Any]]) -> list[tuple[str, str]]:
    review = diff_plans(plan(*base), plan(*head))
    return [(r["kind"], r["name"]) for r in review["data_loss_risks"]]


def test_replace_forcing_change_of_stateful_resource_is_a_risk() -> None:
    before = resource("data", inputs={"objectLockEnabled": False})
    after = resource("data", inputs={"objectLockEnabled": True})
    assert _risks([before], [after]) == [("replaced", "data")]


def test_replace_forcing_change_marks_the_change_as_replacement() -> None:
    before = resource("db", INSTANCE, inputs={"kmsKeyId": "arn:aws:kms:eu-west-1:1:key/a"})
    after = resource("db", INSTANCE, inputs={"kmsKeyId": "arn:aws:kms:eu-west-1:1:key/b"})
    _, _, changed = diff_resources([before], [after])
    assert (changed[0]["replacement"], changed[0]["forces_replacement"]) == (True, ["kmsKeyId"])


def test_in_place_change_of_stateful_resource_is_no_risk() -> None:
    before = resource("db", INSTANCE, inputs={"instanceClass": "db.r6g.large"})
    after = resource("db", INSTANCE, inputs={"instanceClass": "db.r6g.xlarge"})
    assert _risks([before], [after]) == []


def test_removed_stateful_resource_is_a_risk() -> None:
    assert _risks([resource("data")], []) == [("removed", "data")]


def test_removed_stateless_resource_is_no_risk() -> None:
    assert _risks([resource("grant", POLICY)], []) == []


def test_urn_change_of_stateful_resource_is_a_risk() -> None:
    assert _risks([resource("orders-exports")], [resource("orders-exported")]) == [
        ("urn-changed", "orders-exports")
    ]


def test_risk_of_protected_resource_says_the_engine_stops() -> None:
    review = diff_plans(plan(resource("data", protect=True)), plan())
    assert "protected" in review["data_loss_risks"][0]["detail"]


# --- violations -----------------------------------------------------------------------


def test_violation_only_in_head_is_new() -> None:
    data = resource("data")
    review = diff_plans(plan(data), plan(data, violations=(violation("s3-x", data),)))
    assert [v["policy"] for v in review["new_violations"]] == ["s3-x"]


def test_violation_only_in_base_is_resolved() -> None:
    data = resource("data")
    review = diff_plans(plan(data, violations=(violation("s3-x", data),)), plan(data))
    assert [v["policy"] for v in review["resolved_violations"]] == ["s3-x"]


def test_violation_on_both_sides_is_neither_new_nor_resolved() -> None:
    data = resource("data")
    both = plan(data, violations=(violation("s3-x", data),))
    review = diff_plans(both, both)
    assert (review["new_violations"], review["resolved_violations"]) == ([], [])


def test_environment_only_in_head_is_added_with_all_its_resources() -> None:
    review = diff_plans(None, plan(resource("data")))
    assert (review["status"], [r["name"] for r in review["added"]]) == ("added", ["data"])


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        ({"errors": 0, "new_mandatory_violations": 0}, 0),
        ({"errors": 0, "new_mandatory_violations": 2}, 1),
        ({"errors": 1, "new_mandatory_violations": 2}, 2),
    ],
)
def test_exit_code_follows_errors_then_new_mandatory_violations(
    summary: dict[str, int], expected: int
) -> None:
    assert exit_code({"summary": summary}) == expected


# --- markdown -------------------------------------------------------------------------


def _document(env: dict[str, Any]) -> dict[str, Any]:
    return {"base": "main", "base_commit": "0" * 40, "head": "working tree", "environments": env}


def test_markdown_never_shows_secret_values() -> None:
    before = resource("db", INSTANCE, inputs={"masterUsername": "hunter2-plain"})
    after = resource("db", INSTANCE, inputs={"masterUsername": "[secret]"})
    text = markdown(_document({"dev": diff_plans(plan(before), plan(after))}))
    assert "hunter2" not in text


def test_markdown_folds_property_diffs_into_details() -> None:
    before = resource("logs", inputs={"forceDestroy": True})
    after = resource("logs", inputs={"forceDestroy": False})
    text = markdown(_document({"dev": diff_plans(plan(before), plan(after))}))
    assert "<details><summary>Changed (1)</summary>" in text


def test_markdown_puts_risky_environment_first() -> None:
    quiet = diff_plans(plan(resource("data")), plan(resource("data")))
    risky = diff_plans(plan(resource("data")), plan())
    text = markdown(_document({"a-quiet": quiet, "z-risky": risky}))
    assert text.index("### z-risky") < text.index("### a-quiet")


# --- git worktree ---------------------------------------------------------------------


@pytest.fixture
def tiny_repo(tmp_path: Path) -> Path:
    """A one-commit git repository."""
    (tmp_path / "README").write_text("x\n", encoding="utf-8")
    git(tmp_path, "init", "--quiet")
    git(tmp_path, "add", "README")
    git(tmp_path, "commit", "--quiet", "--message", "one")
    return tmp_path


def test_worktree_is_removed_even_when_the_review_fails(tiny_repo: Path) -> None:
    commit = resolve_commit(tiny_repo, "HEAD")
    with pytest.raises(RuntimeError), checkout(tiny_repo, commit) as tree:
        seen = tree
        raise RuntimeError("planning failed")
    assert (seen.exists(), len(git(tiny_repo, "worktree", "list").splitlines())) == (False, 1)


def test_unknown_ref_is_reported_by_name(tiny_repo: Path) -> None:
    with pytest.raises(ReviewError, match="--base no-such-branch: no such commit"):
        resolve_commit(tiny_repo, "no-such-branch")


# --- end to end -----------------------------------------------------------------------


def storagectl(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m storagectl ARGS` in `cwd`, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "storagectl", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def changed_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project with one more commit: prod gets an Aurora replica more, the
    `exports` bucket renamed, Object Lock on `uploads` and its public access block off."""
    repo = copy_project(tmp_path_factory.mktemp("project"))
    prod = repo / "stacks" / "Pulumi.prod.yaml"
    edit(prod, "db.r6g.large\n      replicas: 1\n", "db.r6g.large\n      replicas: 2\n")
    edit(prod, "exports:", "exported:")
    edit(
        prod,
        "      expirationDays: 180\n",
        "      expirationDays: 180\n      blockPublicAccess: false\n"
        "      objectLock:\n        mode: GOVERNANCE\n        days: 30\n",
    )
    git(repo, "commit", "--quiet", "--all", "--message", "prod: replica, rename, weaken")
    return repo


@pytest.fixture(scope="module")
def prod_review(changed_project: Path) -> tuple[int, dict[str, Any]]:
    """(exit code, JSON document) of `review --base HEAD~1 --env prod`."""
    done = storagectl(
        changed_project, "review", "--base", "HEAD~1", "--env", "prod", "--format", "json"
    )
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


def _prod(prod_review: tuple[int, dict[str, Any]]) -> dict[str, Any]:
    return prod_review[1]["environments"]["prod"]


BUCKET_PARTS = (
    "bucket",
    "encryption",
    "lifecycle",
    "logging",
    "ownership",
    "policy",
    "public-access-block",
    "versioning",
)


def test_review_adds_the_replica_the_renamed_bucket_and_the_lock(prod_review: Any) -> None:
    added = {r["name"] for r in _prod(prod_review)["added"]}
    assert added == {
        "backend-storage-prod-catalog-instance-3",
        "backend-storage-prod-uploads-object-lock",
        *(f"backend-storage-prod-exported-{part}" for part in BUCKET_PARTS),
    }


def test_review_removes_the_bucket_under_its_old_name(prod_review: Any) -> None:
    removed = {r["name"] for r in _prod(prod_review)["removed"]}
    assert removed == {f"backend-storage-prod-exports-{part}" for part in BUCKET_PARTS}


def test_review_flags_bucket_rename_and_object_lock_as_data_loss(prod_review: Any) -> None:
    risks = [(r["kind"], r["name"]) for r in _prod(prod_review)["data_loss_risks"]]
    assert risks == [
        ("urn-changed", "backend-storage-prod-exports-bucket"),
        ("replaced", "backend-storage-prod-uploads-bucket"),
        ("replaced", "backend-storage-prod-uploads-dr-bucket"),
    ]


def test_review_reports_the_new_mandatory_violation(prod_review: Any) -> None:
    mandatory = [
        (v["policy"], v["name"])
        for v in _prod(prod_review)["new_violations"]
        if v["enforcement"] == "mandatory"
    ]
    assert mandatory == [
        ("s3-bucket-enforce-public-access-block", "backend-storage-prod-uploads-bucket")
    ]


def test_review_exits_1_for_a_new_mandatory_violation(prod_review: Any) -> None:
    assert prod_review[0] == 1


def test_review_env_option_limits_the_environments(prod_review: Any) -> None:
    assert list(prod_review[1]["environments"]) == ["prod"]


def test_review_removes_its_worktree(changed_project: Path, prod_review: Any) -> None:
    assert len(git(changed_project, "worktree", "list").splitlines()) == 1


def test_review_of_unknown_ref_exits_2_naming_it(changed_project: Path) -> None:
    done = storagectl(changed_project, "review", "--base", "no-such-ref")
    assert (done.returncode, "no-such-ref" in done.stderr, "Traceback" in done.stderr) == (
        2,
        True,
        False,
    )


def test_review_outside_git_exits_2(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: x\nruntime: python\n", encoding="utf-8")
    done = storagectl(tmp_path, "review")
    assert (done.returncode, "not inside a git repository" in done.stderr) == (2, True)


def test_review_reports_a_failing_plan_with_its_error(tmp_path: Path) -> None:
    repo = copy_project(tmp_path)
    edit(repo / "stacks" / "Pulumi.dev.yaml", "backend-storage:buckets:", "backend-storage:bukets:")
    done = storagectl(repo, "review", "--env", "dev", "--format", "json")
    error = json.loads(done.stdout)["environments"]["dev"]["error"] or ""
    assert (done.returncode, "bukets: unknown key" in error, "Traceback" in error) == (
        2,
        True,
        False,
    )
