"""Every database and cache endpoint resolves and listens, seen from the testinfra host."""

from __future__ import annotations

from storagectl.verify import network
from storagectl.verify.context import Context
from storagectl.verify.facts import Endpoint
from storagectl.verify.verdict import Verdict


def test_endpoint_resolves(network_endpoint: Endpoint, ctx: Context) -> Verdict:
    """The endpoint's host name resolves from the vantage point."""
    return network.resolves(ctx.host, network_endpoint)


def test_endpoint_port_open(network_endpoint: Endpoint, ctx: Context) -> Verdict:
    """The endpoint's port accepts TCP connections from the vantage point."""
    return network.port_open(ctx.host, network_endpoint)
