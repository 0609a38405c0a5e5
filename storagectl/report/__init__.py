"""Render a plan document: a rich table for terminals, Markdown for pull requests, JSON."""

from .render import render

__all__ = ["render"]
