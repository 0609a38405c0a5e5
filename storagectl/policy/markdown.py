"""A pull-request-comment-sized Markdown summary of violations."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from ..plan import plan_redactor

_ORDER = {"mandatory": 0, "advisory": 1}
_SEVERITY = {"critical": 0, "high": 1, "medium": 2, "low": 3}


def table_cell(text: Any) -> str:
    """`text` made safe for one Markdown table cell: pipes and newlines would break the row."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def code(text: Any) -> str:
    """`text` as an inline code span, safe in a table cell: data is shown, never parsed.

    A backtick in a name would end the span and let the rest be read as Markdown (links,
    emphasis, HTML); it is shown as a quote instead.
    """
    return "`" + table_cell(str(text).replace("`", "'")) + "`"


def to_markdown(
    plan: Mapping[str, Any], violations: Sequence[Mapping[str, Any]], *, limit: int = 30
) -> str:
    """Headline counts, then the `limit` most important violations as a table.

    Violation text is scrubbed of the plan's secrets first, before cells are escaped.
    """
    violations = plan_redactor(dict(plan)).scrub(list(violations))
    stack = plan.get("stack", "?")
    if not violations:
        return f"### Policy review: {code(stack)}\n\nNo violations. :white_check_mark:\n"
    levels = Counter(v["enforcement"] for v in violations)
    ordered = sorted(
        violations,
        key=lambda v: (
            _ORDER.get(v["enforcement"], 2),
            _SEVERITY.get(v.get("severity", ""), 4),
            v["policy"],
            v.get("name", ""),
        ),
    )
    lines = [
        f"### Policy review: {code(stack)}",
        "",
        f"**{levels.get('mandatory', 0)} mandatory**, {levels.get('advisory', 0)} advisory "
        f"violation(s) across {len({v.get('urn') for v in violations})} resource(s).",
        "",
        "| level | severity | policy | resource | controls | finding |",
        "|---|---|---|---|---|---|",
    ]
    for v in ordered[:limit]:
        controls = ", ".join(v.get("controls", [])) or "-"
        lines.append(
            f"| {v['enforcement']} | {v.get('severity', '')} | `{v['policy']}` | "
            f"{code(v.get('name', ''))} | {controls} | {table_cell(v['message'])} |"
        )
    if len(ordered) > limit:
        lines += ["", f"... and {len(ordered) - limit} more (see the JSON or SARIF report)."]
    by_policy = Counter(v["policy"] for v in violations)
    lines += ["", "<details><summary>By policy</summary>", ""]
    lines += [f"- `{name}`: {count}" for name, count in by_policy.most_common()]
    lines += ["", "</details>", ""]
    return "\n".join(lines)
