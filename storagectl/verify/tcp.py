"""Plain sockets and TLS contexts shared by the protocol checks."""

from __future__ import annotations

import socket
import ssl
from pathlib import Path


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


def one_line(error: BaseException | str, limit: int = 200) -> str:
    """An error message squeezed onto one line, for a report cell."""
    text = " ".join(str(error).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
