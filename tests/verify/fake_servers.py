"""Hostile look-alikes of PostgreSQL and MySQL that ask for the password in clear text.

Each fake accepts connections on loopback, optionally pretends to offer TLS (with a
certificate the client should not trust), then requests cleartext authentication
(PostgreSQL `AuthenticationCleartextPassword`, MySQL an auth switch to
`mysql_clear_password`) and records every byte it receives, decrypted where TLS was
negotiated. A client that never hands them the password passes; one that does is caught.
A silent listener (accepts, never answers) stands in for a frozen or black-holed host.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import struct
import threading
from collections.abc import Callable
from pathlib import Path

_SSL_REQUEST = 80877103
_GSSENC_REQUEST = 80877104


class Recorder:
    """A socket wrapper that keeps every byte received from the client."""

    def __init__(self, sock: socket.socket, sink: bytearray, lock: threading.Lock) -> None:
        self.sock = sock
        self._sink = sink
        self._lock = lock

    def recv_exact(self, size: int) -> bytes:
        """Exactly `size` bytes, recorded; ConnectionError when the client hangs up."""
        data = bytearray()
        while len(data) < size:
            chunk = self.sock.recv(size - len(data))
            if not chunk:
                raise ConnectionError("client closed")
            with self._lock:
                self._sink += chunk
            data += chunk
        return bytes(data)

    def drain(self) -> None:
        """Record whatever else the client sends until it closes or goes quiet."""
        with contextlib.suppress(OSError):
            while chunk := self.sock.recv(4096):
                with self._lock:
                    self._sink += chunk

    def upgrade(self, context: ssl.SSLContext) -> None:
        """Become the TLS server of this connection (fails if the client refuses the cert)."""
        self.sock = context.wrap_socket(self.sock, server_side=True)


class FakeServer:
    """A threaded loopback listener running `handler` for each connection."""

    def __init__(self, handler: Callable[[Recorder], None], host: str = "127.0.0.1") -> None:
        self.host = host
        self.received = bytearray()
        self.connections = 0
        self._lock = threading.Lock()
        self._handler = handler
        self._listener = socket.create_server((host, 0))
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()

    def _run(self, conn: socket.socket) -> None:
        conn.settimeout(3)
        recorder = Recorder(conn, self.received, self._lock)
        with contextlib.suppress(OSError, ValueError, ConnectionError, struct.error):
            self._handler(recorder)
        with contextlib.suppress(OSError):
            recorder.sock.close()

    def stop(self) -> None:
        """Stop accepting connections."""
        self._listener.close()


def tls_server_context(cert: Path, key: Path) -> ssl.SSLContext:
    """A TLS server context presenting `cert`."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


# --- PostgreSQL -----------------------------------------------------------------------


def postgres_handler(
    tls: ssl.SSLContext | None, error_text: str | None = None
) -> Callable[[Recorder], None]:
    """Answer SSLRequest with TLS (`tls`) or "N", then ask for a cleartext password.

    With `error_text`, answer the startup with an ErrorResponse carrying that text
    instead (a server that echoes something secret back).
    """

    def handle(client: Recorder) -> None:
        while True:
            length, code = struct.unpack("!II", client.recv_exact(8))
            if code == _SSL_REQUEST and tls is not None:
                client.sock.sendall(b"S")
                client.upgrade(tls)
            elif code in (_SSL_REQUEST, _GSSENC_REQUEST):
                client.sock.sendall(b"N")
            else:
                client.recv_exact(length - 8)  # the rest of the StartupMessage
                break
        if error_text is not None:
            fields = b"SFATAL\0C08P01\0M" + error_text.encode() + b"\0\0"
            client.sock.sendall(b"E" + struct.pack("!I", len(fields) + 4) + fields)
            return
        client.sock.sendall(b"R" + struct.pack("!II", 8, 3))  # AuthenticationCleartextPassword
        client.drain()

    return handle


# --- MySQL ----------------------------------------------------------------------------

_CLIENT_SSL = 0x800
_CAPABILITIES = (
    0x1  # LONG_PASSWORD
    | 0x8  # CONNECT_WITH_DB
    | 0x200  # PROTOCOL_41
    | 0x8000  # SECURE_CONNECTION
    | 0x80000  # PLUGIN_AUTH
    | 0x200000  # PLUGIN_AUTH_LENENC_CLIENT_DATA
)


def _packet(sequence: int, payload: bytes) -> bytes:
    return struct.pack("<I", len(payload))[:3] + bytes([sequence]) + payload


def _read_packet(client: Recorder) -> tuple[int, bytes]:
    header = client.recv_exact(4)
    length = int.from_bytes(header[:3], "little")
    return header[3], client.recv_exact(length)


def mysql_handler(tls: ssl.SSLContext | None) -> Callable[[Recorder], None]:
    """Greet (offering TLS only with `tls`), then switch the client to mysql_clear_password."""

    def handle(client: Recorder) -> None:
        capabilities = _CAPABILITIES | (_CLIENT_SSL if tls else 0)
        scramble = b"0123456789abcdefghij"
        greeting = (
            b"\x0a8.0.36-fake\0"
            + struct.pack("<I", 7)
            + scramble[:8]
            + b"\0"
            + struct.pack("<H", capabilities & 0xFFFF)
            + bytes([45])  # utf8mb4
            + struct.pack("<H", 2)
            + struct.pack("<H", capabilities >> 16)
            + bytes([21])
            + b"\0" * 10
            + scramble[8:]
            + b"\0mysql_native_password\0"
        )
        client.sock.sendall(_packet(0, greeting))
        sequence, response = _read_packet(client)
        if tls is not None and len(response) == 32:  # SSLRequest: upgrade, then the response
            client.upgrade(tls)
            sequence, response = _read_packet(client)
        client.sock.sendall(_packet(sequence + 1, b"\xfemysql_clear_password\0"))
        sequence, _ = _read_packet(client)
        denied = b"\xff" + struct.pack("<H", 1045) + b"#28000Access denied"
        client.sock.sendall(_packet(sequence + 1, denied))
        client.drain()

    return handle


# --- silent ---------------------------------------------------------------------------


def silent_handler(client: Recorder) -> None:
    """Accept and say nothing: the client must give up on its own."""
    client.sock.settimeout(60)
    client.drain()
