"""Final snapshot identifiers that stay unique over every replacement of a store.

RDS and ElastiCache refuse a final snapshot whose identifier already exists, so a fixed
`<identifier>-final` works once: the second replacement (or a delete after a restore
under the same identifier) fails with "DBSnapshotAlreadyExists" and leaves the old
store half-deleted. The suffix here is a `random.RandomId` whose keepers are the
store's replace-forcing inputs (the provider's ForceNew arguments, the same list
`storagectl review` uses): whatever change makes Pulumi replace the store also draws a
new suffix, so the store being deleted snapshots under the suffix of its own creation
and its successor gets a fresh one. A store removed and declared again gets a new
RandomId, and so a new suffix, too. No timestamp: a plan of unchanged inputs is
identical from one run to the next.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_random as random

SUFFIX_BYTES = 4
"""Eight hex digits: snapshot identifiers allow letters, digits and single hyphens."""


def final_snapshot_identifier(
    name: str,
    identifier: str,
    replace_forcing: Mapping[str, pulumi.Input[str]],
    parent: pulumi.Resource,
) -> pulumi.Output[str]:
    """`<identifier>-final-<8 hex digits>`, the suffix drawn again when the store is replaced.

    `replace_forcing` are the store's inputs whose change replaces it (values as strings).
    """
    suffix = random.RandomId(
        f"{name}-final-snapshot-suffix",
        byte_length=SUFFIX_BYTES,
        keepers={"identifier": identifier, **replace_forcing},
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return suffix.hex.apply(lambda digits: f"{identifier}-final-{digits}")
