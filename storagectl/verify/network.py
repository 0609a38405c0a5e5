"""Name resolution and TCP reachability, seen from the testinfra host (`--hosts`).

testinfra interpolates the host name into shell commands (`getent ahosts NAME`,
`nc -w 1 -z NAME PORT`), so only a validated host name or IP address is handed to it.
"""

from __future__ import annotations

from typing import Any

from .facts import Endpoint
from .tcp import host_problem
from .verdict import Verdict


def resolves(host: Any, endpoint: Endpoint) -> Verdict:
    """The endpoint's host name resolves from the vantage point."""
    problem = host_problem(endpoint.host)
    if problem:
        return Verdict.failed(problem)
    addresses = host.addr(endpoint.host).ip_addresses
    if not addresses:
        return Verdict.failed(f"{endpoint.host} does not resolve from {_where(host)}")
    return Verdict.passed(f"{endpoint.host} resolves to {', '.join(sorted(addresses)[:3])}")


def port_open(host: Any, endpoint: Endpoint) -> Verdict:
    """The endpoint's port accepts TCP connections from the vantage point."""
    problem = host_problem(endpoint.host)
    if problem:
        return Verdict.failed(problem)
    if not host.addr(endpoint.host).port(endpoint.port).is_reachable:
        return Verdict.failed(f"{endpoint.host}:{endpoint.port} is closed or filtered")
    return Verdict.passed(f"{endpoint.host}:{endpoint.port} accepts TCP connections")


def _where(host: Any) -> str:
    return str(host.backend.get_pytest_id())
