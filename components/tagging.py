"""The tags every taggable resource carries (the policy pack checks them)."""

from __future__ import annotations

from collections.abc import Mapping

from .spec import EnvironmentSpec

REQUIRED_TAGS = ("environment", "owner", "data-classification", "managed-by")


def tags_for(
    spec: EnvironmentSpec, data_classification: str, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Environment-wide tags, then the store's own; the four required tags always win."""
    return {
        **spec.tags,
        **(extra or {}),
        "environment": spec.stack,
        "owner": spec.owner,
        "data-classification": data_classification,
        "managed-by": "pulumi",
    }
