"""Plain sockets, TLS contexts and host-name checks shared by the protocol checks."""

from __future__ import annotations

import ipaddress
import re
import socket
import ssl
from pathlib import Path

_LABEL = re.compile(r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)")


def host_problem(host: str) -> str | None:
    """Why `host` is no DNS name or IP address (None when it is one).

    Endpoints come from a file; a value such as `/tmp` (a Unix socket to libpq, where TLS
    is never used) or `db;rm -rf ~` (a shell word to testinfra's `nc`/`getent`) must reach
    no client library and no shell.
    """
    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        pass
    name = host[:-1] if host.endswith(".") else host
    if 0 < len(name) <= 253 and all(_LABEL.fullmatch(label) for label in name.split(".")):
        return None
    return f"not a host name or IP address: {host!r}"


def tls_context(ca_bundle: Path | None) -> ssl.SSLContext:
    """A client context that verifies the server certificate and host name.

    Without a bundle the system trust store is used; RDS and ElastiCache certificates are
    not in it, so real runs pass the AWS global bundle with `--ca-bundle`.
    """
    context = ssl.create_default_context(cafile=str(ca_bundle) if ca_bundle else None)
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def exchange(host: str, port: int, payload: bytes, timeout: float) -> bytes:
    """Send `payload` in clear text and return the first reply bytes (b"" when closed).

    Raises OSError when the port cannot be reached; a read timeout returns b"" because a
    TLS-only server waiting for a handshake simply never answers plain text.
    """
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(payload)
        try:
            return sock.recv(256)
        except (TimeoutError, ConnectionResetError):
            return b""


def recv_exact(sock: socket.socket, size: int) -> bytes:
    """Exactly `size` bytes from `sock`; ConnectionError when the peer closes first."""
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(size - len(chunks))
        if not chunk:
            raise ConnectionError("the server closed the connection")
        chunks += chunk
    return bytes(chunks)


def one_line(error: BaseException | str, limit: int = 200) -> str:
    """A message squeezed onto one line, for a report cell.

    Only for text that is already redacted: collapsing whitespace or truncating first
    could split a secret into pieces the redactor no longer recognises.
    """
    text = " ".join(str(error).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
