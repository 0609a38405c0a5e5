"""Every database and cache endpoint resolves and listens, seen from the testinfra host."""

from __future__ import annotations

from storagectl.verify.facts import Endpoint


def test_endpoint_resolves(host, network_endpoint: Endpoint) -> None:
    """The endpoint's host name resolves from the vantage point."""
    assert host.addr(network_endpoint.host).is_resolvable, (
        f"{network_endpoint.host} does not resolve from {host.backend.get_pytest_id()}"
    )


def test_endpoint_port_open(host, network_endpoint: Endpoint) -> None:
    """The endpoint's port accepts TCP connections from the vantage point."""
    address = host.addr(network_endpoint.host)
    assert address.port(network_endpoint.port).is_reachable, (
        f"{network_endpoint.host}:{network_endpoint.port} is closed or filtered"
    )
