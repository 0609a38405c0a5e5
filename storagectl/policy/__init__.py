"""Offline evaluation of the CrossGuard pack over a plan, and its report forms."""

from .evaluate import PolicyConfigError, config_for_stack, evaluate_plan
from .markdown import to_markdown
from .sarif import to_sarif

__all__ = ["PolicyConfigError", "config_for_stack", "evaluate_plan", "to_markdown", "to_sarif"]
