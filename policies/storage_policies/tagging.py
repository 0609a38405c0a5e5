"""Tagging rule: every taggable storage resource carries the estate's required tags."""

from __future__ import annotations

from pulumi_policy import ResourceValidationArgs, Severity

from . import tokens
from .graph import default_tags
from .props import as_mapping
from .registry import REGISTRY, Report

REQUIRED_TAGS = ["environment", "owner", "data-classification", "managed-by"]


@REGISTRY.resource_rule(
    "aws-resource-missing-required-tags",
    "Checks that taggable storage resources carry the required tags (environment, owner, "
    "data-classification, managed-by), directly or through the provider's default tags.",
    types=tokens.TAGGABLE,
    severity=Severity.LOW,
    security=False,
    remediation="Add the missing tags to the resource's tags or to the provider's default_tags.",
    config={
        "requiredTags": {"type": "array", "items": {"type": "string"}, "default": REQUIRED_TAGS}
    },
)
def _required_tags(args: ResourceValidationArgs, report: Report) -> None:
    required = list(args.get_config().get("requiredTags", REQUIRED_TAGS))
    # Only tag *keys* are read: an unknown tag value is still a tag that is present.
    present = set(as_mapping(args.props.get("tags")))
    if args.provider is not None:
        present |= set(default_tags(args.provider.props))
    missing = [tag for tag in required if tag not in present]
    if missing:
        report(f"{args.name} is missing the tags {', '.join(missing)}; add them to its tags.")
