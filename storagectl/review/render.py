"""The review as JSON (the contract) or as Markdown for a pull-request comment.

Markdown order follows what a reviewer must decide first: environments that failed to
plan, then data-loss risks and new mandatory violations, then everything else. Long lists
(added/removed/changed resources, property diffs) fold into `<details>`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from ..policy.markdown import code, table_cell
from ..redact import SECRET, Redactor, is_credential_path
from .diff import new_mandatory

VALUE_WIDTH = 120
"""Characters of a value shown in a Markdown cell; the JSON form keeps every value whole."""


def render(review: Mapping[str, Any], fmt: str) -> str:
    """The review in `fmt` (json or markdown), always redacted (see `redact_review`)."""
    review = redact_review(review)
    if fmt == "json":
        return json.dumps(review, indent=2) + "\n"
    return markdown(review)


def redact_review(review: Mapping[str, Any]) -> dict[str, Any]:
    """The review as a renderer may show it, before any truncation or escaping.

    `diff_plans` already diffs redacted plans; this pass also catches what only the review
    holds: a property path that names a credential (its key is a path, not a mapping key)
    and a plan error message quoting one.
    """
    redactor = Redactor()
    redactor.collect(dict(review))
    out: dict[str, Any] = redactor.data(dict(review))
    for env in (out.get("environments") or {}).values():
        changed = env.get("changed") if isinstance(env, dict) else None
        for entry in changed or []:
            for change in entry.get("properties") or []:
                if is_credential_path(str(change.get("path", ""))):
                    for side in ("before", "after"):
                        if change.get(side) is not None:
                            change[side] = SECRET
    return out


def _cell(value: Any) -> str:
    if value is None:
        return "_(absent)_"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    if len(text) > VALUE_WIDTH:
        text = text[: VALUE_WIDTH - 1] + "…"
    # Backticks and pipes would end the code span or the table row early.
    return "`" + text.replace("`", "'").replace("|", "\\|").replace("\n", " ") + "`"


def _quiet(env: Mapping[str, Any]) -> bool:
    return (
        env["status"] == "unchanged"
        and not env["new_violations"]
        and not env["resolved_violations"]
    )


def _severity(env: Mapping[str, Any]) -> int:
    if env["error"]:
        return 0
    if env["data_loss_risks"] or new_mandatory(env):
        return 1
    return 3 if _quiet(env) else 2


def _ordered(review: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    return sorted(review["environments"].items(), key=lambda item: (_severity(item[1]), item[0]))


def headline(name: str, env: Mapping[str, Any]) -> str:
    """One line per environment: risks and blocking findings first, then the counts."""
    if env["error"]:
        return f"{name}: could not be planned"
    if _quiet(env):
        return f"{name}: no changes"
    parts = []
    if env["data_loss_risks"]:
        parts.append(f"**{len(env['data_loss_risks'])} data-loss risk(s)**")
    mandatory = new_mandatory(env)
    if mandatory:
        parts.append(f"**{mandatory} new mandatory violation(s)**")
    parts.append(
        f"{len(env['added'])} to add, {len(env['changed'])} to change, "
        f"{len(env['removed'])} to remove"
    )
    advisory = len(env["new_violations"]) - mandatory
    if advisory:
        parts.append(f"{advisory} new advisory violation(s)")
    if env["resolved_violations"]:
        parts.append(f"{len(env['resolved_violations'])} resolved")
    status = {"added": " (new environment)", "removed": " (environment removed)"}
    return f"{name}{status.get(env['status'], '')}: " + "; ".join(parts)


def markdown(review: Mapping[str, Any]) -> str:
    """The PR comment: a summary table, then one section per environment."""
    commit = str(review.get("base_commit", ""))[:12]
    lines = [
        f"## storagectl review: {code(review['base'])} ({commit}) → {review['head']}",
        "",
        "| environment | data-loss risks | new mandatory | new advisory | resolved "
        "| add | change | remove |",
        "|---|---|---|---|---|---|---|---|",
    ]
    ordered = _ordered(review)
    for name, env in ordered:
        if env["error"]:
            lines.append(f"| {name} | plan failed | | | | | | |")
            continue
        mandatory = new_mandatory(env)
        lines.append(
            f"| {name} | {len(env['data_loss_risks'])} | {mandatory} "
            f"| {len(env['new_violations']) - mandatory} | {len(env['resolved_violations'])} "
            f"| {len(env['added'])} | {len(env['changed'])} | {len(env['removed'])} |"
        )
    for name, env in ordered:
        body = _section(env)
        lines += ["", f"### {headline(name, env)}", *(["", *body] if body else [])]
    return "\n".join(lines).rstrip() + "\n"


def _section(env: Mapping[str, Any]) -> list[str]:
    if env["error"]:
        return ["```", env["error"], "```"]
    if _quiet(env):
        return []
    lines: list[str] = []
    if env["data_loss_risks"]:
        lines += ["**Data-loss risks**", ""]
        lines += [
            f"- {code(r['name'])} ({r['type']}, {r['kind']}): {table_cell(r['detail'])}"
            for r in env["data_loss_risks"]
        ]
        lines.append("")
    lines += _violations("New violations", env["new_violations"])
    lines += _violations("Resolved violations", env["resolved_violations"])
    lines += _resources("Added", env["added"])
    lines += _resources("Removed", env["removed"])
    lines += _changed(env["changed"])
    return lines


def _violations(title: str, violations: Sequence[Mapping[str, Any]]) -> list[str]:
    if not violations:
        return []
    lines = [
        f"**{title}** ({len(violations)})",
        "",
        "| level | policy | resource | controls | finding |",
        "|---|---|---|---|---|",
    ]
    for v in violations:
        controls = ", ".join(v.get("controls", [])) or "-"
        lines.append(
            f"| {v['enforcement']} | `{v['policy']}` | {code(v['name'])} | {controls} "
            f"| {table_cell(v['message'])} |"
        )
    return [*lines, ""]


def _resources(title: str, resources: Sequence[Mapping[str, Any]]) -> list[str]:
    if not resources:
        return []
    lines = [f"<details><summary>{title} ({len(resources)})</summary>", ""]
    lines += [
        f"- {code(r['name'])} ({r['type']}{', stateful' if r['stateful'] else ''})"
        for r in resources
    ]
    return [*lines, "", "</details>", ""]


def _changed(changed: Sequence[Mapping[str, Any]]) -> list[str]:
    if not changed:
        return []
    lines = [f"<details><summary>Changed ({len(changed)})</summary>", ""]
    for entry in changed:
        replace = " — **replacement**" if entry["replacement"] else ""
        if entry.get("moved_from"):
            # Found under an alias: the engine updates it in place, it is not recreated.
            replace += f" — moved from {code(entry['moved_from'])} (alias)"
        lines += [
            f"{code(entry['name'])} ({entry['type']}){replace}",
            "",
            "| property | before | after |",
            "|---|---|---|",
        ]
        lines += [
            f"| {code(p['path'])} | {_cell(p['before'])} | {_cell(p['after'])} |"
            for p in entry["properties"]
        ]
        lines += [
            f"| option `{o['option']}` | {_cell(o['before'])} | {_cell(o['after'])} |"
            for o in entry["options"]
        ]
        lines.append("")
    return [*lines, "</details>", ""]
