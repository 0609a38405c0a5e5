"""Declares no resource and exports one value."""

import pulumi

pulumi.export("greeting", "hello")
