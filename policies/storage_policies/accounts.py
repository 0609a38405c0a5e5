"""Which AWS accounts own a stack: needed to tell a cross-account grant from an own one.

A policy pack is not told the account it deploys into, but a program usually says it:

1. the rule's ``trustedAccounts`` config (explicit, always honoured);
2. ``allowedAccountIds`` of the stack's AWS providers (the default provider carries the
   stack's ``aws:allowedAccountIds`` config; explicit providers their own argument);
3. the account field of ARNs the program's resources name or return (``arn:aws:kms:
   eu-west-1:111122223333:key/...``), leaving out policy documents, where a foreign
   grantee is exactly what we are looking for.

When none of these names an account, the owner is unknown and callers must say so
rather than pass the grant silently.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pulumi_policy import PolicyResource
from pulumi_policy.proxy import UnknownValueError

_ACCOUNT = re.compile(r"^\d{12}$")
_AWS_PROVIDER = "pulumi:providers:aws"
#: Properties holding policy documents or principals: accounts there are grantees, not owners.
_DOCUMENT_KEYS = frozenset(
    {"policy", "assumeRolePolicy", "inlinePolicies", "Principal", "principals", "sourcePolicy"}
)
_MAX_DEPTH = 32


def owner_accounts(resources: Iterable[PolicyResource], trusted: Iterable[str] = ()) -> set[str]:
    """Accounts the stack belongs to (plus `trusted`); empty when the stack does not say."""
    accounts = {str(account) for account in trusted if _ACCOUNT.match(str(account))}
    providers: dict[str, Any] = {}
    for resource in resources:
        if resource.resource_type == _AWS_PROVIDER:
            providers[resource.urn] = resource
            continue
        if resource.provider is not None and resource.provider.resource_type == _AWS_PROVIDER:
            providers.setdefault(resource.provider.urn, resource.provider)
        _arn_accounts(resource.props, accounts, 0)
    for provider in providers.values():
        accounts |= allowed_account_ids(provider.props)
    return accounts


def allowed_account_ids(provider_props: Mapping[str, Any]) -> set[str]:
    """A provider's ``allowedAccountIds`` (a list, or the JSON string the engine sends)."""
    try:
        raw = provider_props.get("allowedAccountIds")
    except UnknownValueError:
        return set()
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except (ValueError, RecursionError):  # not JSON, or nested past the recursion limit
            raw = [raw]
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        return set()
    return {str(raw[i]) for i in range(len(raw)) if _ACCOUNT.match(str(raw[i]))}


def account_of(principal: str) -> str | None:
    """The account of an AWS principal: ``123456789012`` or an IAM ARN; None otherwise."""
    if _ACCOUNT.match(principal):
        return principal
    parts = principal.split(":")
    if principal.startswith("arn:") and len(parts) > 5 and _ACCOUNT.match(parts[4]):
        return parts[4]
    return None


def _arn_accounts(value: Any, found: set[str], depth: int) -> None:
    """Collect account ids of whole-string ARNs in `value`, skipping unknowns and documents."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(value, str):
        if value.startswith("arn:"):
            parts = value.split(":")
            if len(parts) > 5 and _ACCOUNT.match(parts[4]):
                found.add(parts[4])
        return
    if isinstance(value, Mapping):
        for key in list(value):
            if key in _DOCUMENT_KEYS:
                continue
            try:
                item = value[key]
            except UnknownValueError:
                continue
            _arn_accounts(item, found, depth + 1)
    elif isinstance(value, Sequence):
        for index in range(len(value)):
            try:
                item = value[index]
            except UnknownValueError:
                continue
            _arn_accounts(item, found, depth + 1)
