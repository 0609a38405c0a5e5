"""Marks its root stack's outputs as registered, so the SDK never registers them."""

import pulumi

pulumi.export("greeting", "hello")
pulumi.runtime.get_root_resource()._outputs_registered = True
