"""Jinja2 templates in stack-file strings, rendered in a sandbox over documented variables.

Variables available in every string value of `backend-storage:*` keys:

=============== =============================================================
``project``     the Pulumi project name (``backend-storage``)
``env``         the stack name (``dev``, ``staging``, ``prod``)
``tier``        the stack's tier
``region``      ``aws:region``
``dr_region``   ``backend-storage:drRegion`` (empty string when unset)
``account_id``  the first of ``aws:allowedAccountIds``
``name``        inside an entry of buckets/databases/caches/applications: its key
``buckets``     names of the declared buckets (likewise ``databases``,
                ``caches``, ``applications``)
=============== =============================================================

Templates cannot reach Python internals: the sandbox refuses attributes such as
``__class__``, and an undefined variable is an error, never an empty string.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jinja2 import StrictUndefined, TemplateError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment, SecurityError

_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)

ENTRY_KINDS = (
    "buckets",
    "databases",
    "caches",
    "tables",
    "documentClusters",
    "applications",
)

Report = Callable[[tuple[Any, ...], str], None]


def render_tree(
    value: Any, variables: dict[str, Any], path: tuple[Any, ...], report: Report
) -> Any:
    """Render every templated string below `value`; report failures by key path."""
    if isinstance(value, dict):
        return {
            k: render_tree(v, _scope(variables, path, k), (*path, k), report)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [render_tree(v, variables, (*path, i), report) for i, v in enumerate(value)]
    if isinstance(value, str) and ("{{" in value or "{%" in value or "{#" in value):
        return _render(value, variables, path, report)
    return value


def _scope(variables: dict[str, Any], path: tuple[Any, ...], key: Any) -> dict[str, Any]:
    # Entering `databases.<name>`: expose that entry's key as `name`.
    if len(path) == 1 and path[0] in ENTRY_KINDS:
        return {**variables, "name": key}
    return variables


def _render(text: str, variables: dict[str, Any], path: tuple[Any, ...], report: Report) -> str:
    try:
        return _ENV.from_string(text).render(variables)
    except SecurityError as exc:
        report(
            path,
            f"template refused: it reaches Python internals ({str(exc).rstrip('.')}); "
            "templates may use only the documented variables",
        )
    except UndefinedError as exc:
        message = str(exc)
        if "unsafe" in message or "__" in message:
            report(
                path,
                "template refused: it reaches Python internals "
                f"({message.rstrip('.')}); templates may use only the documented variables",
            )
        else:
            known = ", ".join(sorted(variables))
            report(path, f"template uses an undefined variable: {message} (known: {known})")
    except TemplateError as exc:
        report(path, f"template error: {exc}")
    return text
