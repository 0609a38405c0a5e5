"""Jinja2 templates in stack-file strings, rendered in a bounded sandbox over documented variables.

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
``__class__``, and an undefined variable is an error, never an empty string. Work and
size are bounded (see `stackspec.sandbox`), and every failure is reported at the key
path of the value, never raised. Only values written in the stack file are templates:
the caller's `renderable` says which (a decrypted secret is never rendered).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jinja2 import TemplateError, TemplateSyntaxError, UndefinedError

from .sandbox import (
    BoundedSandbox,
    Budget,
    FileBudgetSpent,
    SecurityError,
    TemplateLimit,
    TemplateRefused,
    refused_construct,
)

ENTRY_KINDS = ("buckets", "databases", "caches", "applications")

Report = Callable[[tuple[Any, ...], str], None]
Renderable = Callable[[tuple[Any, ...], str], bool]


def is_template(value: Any) -> bool:
    """Whether a string holds Jinja2 markup."""
    return isinstance(value, str) and ("{{" in value or "{%" in value or "{#" in value)


class _Renderer:
    """Renders the templates of one stack file under one time budget."""

    def __init__(self, report: Report, renderable: Renderable | None) -> None:
        self.report = report
        self.renderable = renderable
        self.budget = Budget()
        self.environment: BoundedSandbox | None = None
        self.compiled: dict[str, Any] = {}
        self.spent = False

    def tree(self, value: Any, variables: dict[str, Any], path: tuple[Any, ...]) -> Any:
        if isinstance(value, dict):
            return {
                k: self.tree(v, _scope(variables, path, k), (*path, k)) for k, v in value.items()
            }
        if isinstance(value, list):
            return [self.tree(v, variables, (*path, i)) for i, v in enumerate(value)]
        if is_template(value) and (self.renderable is None or self.renderable(path, value)):
            return self.render(value, variables, path)
        return value

    def render(self, text: str, variables: dict[str, Any], path: tuple[Any, ...]) -> str:
        if self.spent:  # the file's budget was reported once, at the value that spent it
            return text
        try:
            return self._render(text, variables)
        except TemplateLimit as exc:
            self.spent = isinstance(exc, FileBudgetSpent)
            self.report(path, f"template exceeds a limit: {exc}")
        except TemplateRefused as exc:
            self.report(path, f"template refused: {exc}")
        except SecurityError as exc:
            self.report(
                path,
                f"template refused: it reaches Python internals ({str(exc).rstrip('.')}); "
                "templates may use only the documented variables",
            )
        except UndefinedError as exc:
            message = str(exc)
            if "unsafe" in message or "__" in message:
                self.report(
                    path,
                    "template refused: it reaches Python internals "
                    f"({message.rstrip('.')}); templates may use only the documented variables",
                )
            else:
                known = ", ".join(sorted(variables))
                self.report(
                    path, f"template uses an undefined variable: {message} (known: {known})"
                )
        except TemplateSyntaxError as exc:
            self.report(path, f"template syntax error: {_short(exc.message or str(exc))}")
        except TemplateError as exc:
            self.report(path, f"template error: {_short(str(exc))}")
        except RecursionError:
            self.report(path, "template error: it recurses too deeply (a macro calling itself?)")
        except MemoryError:
            self.report(path, "template error: it ran out of memory")
        except ZeroDivisionError:
            self.report(path, "template error: division by zero")
        except Exception as exc:  # OverflowError, ValueError, TypeError...: user input, located
            self.report(path, f"template error: {type(exc).__name__}: {_short(str(exc))}")
        return text

    def _render(self, text: str, variables: dict[str, Any]) -> str:
        self.budget.check()
        template = self.compiled.get(text)
        if template is None:
            if self.environment is None:
                self.environment = BoundedSandbox(self.budget)
            parsed = self.environment.parse(text)
            refused = refused_construct(parsed)
            if refused is not None:
                raise TemplateRefused(refused)
            template = self.environment.from_string(parsed)
            self.compiled[text] = template
        return str(template.render(variables))


def _short(message: str) -> str:
    return message if len(message) <= 200 else message[:197] + "..."


def render_tree(
    value: Any,
    variables: dict[str, Any],
    path: tuple[Any, ...],
    report: Report,
    renderable: Renderable | None = None,
) -> Any:
    """Render every templated string below `value`; report failures by key path.

    `renderable(path, text)` says whether the string at `path` may be rendered (None:
    all may); one time budget covers the whole call.
    """
    return _Renderer(report, renderable).tree(value, variables, path)


def _scope(variables: dict[str, Any], path: tuple[Any, ...], key: Any) -> dict[str, Any]:
    # Entering `databases.<name>`: expose that entry's key as `name`.
    if len(path) == 1 and path[0] in ENTRY_KINDS:
        return {**variables, "name": key}
    return variables
