"""Names AWS needs to be stable or short, derived from `<project>-<env>-<logical>`."""

from __future__ import annotations

import re

from .spec import EnvironmentSpec


def resource_name(spec: EnvironmentSpec, logical: str) -> str:
    """Pulumi resource name: `<project>-<env>-<logical>`."""
    return f"{spec.prefix}-{logical}"


def identifier(spec: EnvironmentSpec, logical: str, max_length: int = 63) -> str:
    """A physical identifier (RDS, ElastiCache): lower-case, dashes, within AWS's length limit.

    Stable names are used where AWS addresses the resource by name (DB identifiers make
    the endpoints and the `rds-db:connect` ARNs predictable); the environment is kept
    whole and the project shortened first, so two environments never collide.
    """
    base = f"{spec.prefix}-{logical}"
    if len(base) > max_length:
        short_project = re.sub(r"[^a-z0-9]", "", spec.project)[:8]
        base = f"{short_project}-{spec.stack}-{logical}"[:max_length]
    return base.rstrip("-")
