"""The config the Pulumi engine handed this program, as one mapping."""

from __future__ import annotations

from typing import Any

from pulumi.runtime import config as runtime_config


def current_config() -> dict[str, Any]:
    """All config keys of the running stack.

    The language host passes them in PULUMI_CONFIG; the mock runtime (and the offline
    engine) sets them in the SDK's config map. The SDK has no public "list all keys"
    call, so both sources are read, the explicit map winning.
    """
    merged: dict[str, Any] = dict(runtime_config.get_config_env())
    merged.update(runtime_config.CONFIG.get())
    return merged


def current_secret_keys() -> set[str]:
    """Config keys the engine marks secret (PULUMI_CONFIG_SECRET_KEYS, or the mock runtime's)."""
    keys = set(runtime_config.get_config_secret_keys_env())
    return keys | {key for key in current_config() if runtime_config.is_config_secret(key)}
