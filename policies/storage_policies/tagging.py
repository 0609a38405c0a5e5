"""Tagging rules: every taggable storage resource carries the estate's required tags, and no
tag key names a credential (tags are data anyone with tag:GetResources can read)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pulumi_policy import PolicyResource, ResourceValidationArgs, Severity, StackValidationArgs

from . import tokens
from .graph import default_tags, each_decidable
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
    controls=("BS.4",),
    causes=("tags:required",),
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


#: Which keys name a credential: the driver's redaction rule (`storagectl.redact`,
#: `is_credential_key`), restated because the pack imports nothing from the driver; a test
#: keeps the two in step. A word such as password, secret, token, api key, auth (not
#: authentication)... unless the key's last word only describes one (``secretArn``).
CREDENTIAL_WORD = re.compile(
    r"pass(?:word|wd|phrase)|pwd|secret|token|api[-_ .]?key|auth(?!entic)|credential|"
    r"private[-_ .]?key|access[-_ .]?key|session[-_ .]?key|signing[-_ .]?key|cookie",
    re.IGNORECASE,
)
# fmt: off
DESCRIPTORS = frozenset({
    "arn", "arns", "id", "ids", "name", "names", "ref", "refs", "version", "versions",
    "port", "host", "hostname", "endpoint", "url", "uri", "path", "region",
    "mode", "type", "kind", "enabled", "required", "validation", "encryption", "policy",
    "algorithm", "format",
    "count", "status", "length", "size", "ttl", "timeout", "days", "seconds", "interval",
    "period", "schedule", "rotation", "expiry", "expiration",
})
# fmt: on
_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


def names_credential(key: str) -> bool:
    """Whether a tag key names a credential (``db-password``, ``apiToken``), not a
    description of one (``secretArn``); only the part after a namespace colon counts."""
    name = key.rsplit(":", 1)[-1] or key
    if CREDENTIAL_WORD.search(name) is None:
        return False
    words = _WORDS.findall(name)
    return (words[-1].lower() if words else "") not in DESCRIPTORS


def _credential_keys(tags: Mapping[str, Any]) -> list[str]:
    return sorted(str(key) for key in tags if names_credential(str(key)))


@REGISTRY.stack_rule(
    "aws-resource-disallow-credential-tag-keys",
    "Checks that no resource tag (nor a provider default tag) has a key naming a credential "
    "(password, secret, token, API key...).",
    types=("*",),
    controls=("BS.14",),
    severity=Severity.HIGH,
    remediation="Remove the tag; keep the value in Secrets Manager and tag the resource with the "
    "secret's name or ARN under a neutral key if it must be found.",
    notes="Tags are not secret: anyone with tag:GetResources (or the service's Describe/List "
    "calls) reads them, and they are copied to snapshots and cost reports. The key alone is "
    "judged; the value is never read or printed.",
    causes=("tags:credential-key",),
)
def _credential_tags(args: StackValidationArgs, report: Report) -> None:
    def check(resource: PolicyResource) -> None:
        if _is_component(resource.resource_type):
            return
        if resource.resource_type.startswith("pulumi:providers:"):
            keys = _credential_keys(default_tags(resource.props))
            where = "default tags"
        else:
            keys = _credential_keys(as_mapping(_tags(resource)))
            where = "tags"
        if keys:
            report(
                f"{resource.name} has {where} named {', '.join(keys)}, readable by anyone who "
                "can list tags; remove them and keep credentials in Secrets Manager.",
                resource.urn,
            )

    each_decidable(args.resources, check)


def _is_component(type_token: str) -> bool:
    """Component types (``pkg:module:Type``) only pass their children's tags through their
    outputs; the children (``aws:s3/bucket:Bucket``) are judged, so each tag counts once."""
    parts = type_token.split(":")
    return len(parts) == 3 and "/" not in parts[1] and parts[:2] != ["pulumi", "providers"]


def _tags(resource: PolicyResource) -> Any:
    # Only the program's own `tags`: `tagsAll` repeats provider default tags, which are
    # reported once, on the provider.
    if "tags" not in resource.props:
        return None
    return resource.props.get("tags")
