"""A grouping node that makes its children use another region's provider."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws


class DisasterRecovery(pulumi.ComponentResource):
    """Parent of a component's DR-region resources.

    Children reach the DR provider through parenting (`providers=` on this node), so
    no resource threads `provider=` by hand and a DR resource cannot silently land in
    the primary region.
    """

    def __init__(
        self, name: str, provider: aws.Provider, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(
            "backend-storage:index:DisasterRecovery",
            name,
            None,
            pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(providers=[provider])),
        )
        self.register_outputs({})
