"""Redis OSS / Valkey data-plane checks (ElastiCache with TLS and RBAC) with redis-py."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import redis
import redis.exceptions
from redis.backoff import NoBackoff
from redis.retry import Retry

from .access import Access
from .deadline import bounded_check
from .tcp import exchange
from .verdict import Verdict


def _client(access: Access, *, authenticate: bool = True) -> redis.Redis:
    creds = access.credentials if authenticate else None
    return redis.Redis(
        host=access.host,
        port=access.port,
        username=creds.username if creds else None,
        password=creds.password if creds else None,
        ssl=True,
        ssl_ca_certs=str(access.ca_bundle) if access.ca_bundle else None,
        ssl_cert_reqs="required",
        ssl_check_hostname=True,
        socket_timeout=access.timeout,
        socket_connect_timeout=access.timeout,
        # One attempt: a retry would stretch a dead endpoint past the timeout.
        retry=Retry(NoBackoff(), 0),
        single_connection_client=True,
        # RESP2: redis-py 8 would open with HELLO 3, which hides the NOAUTH answer.
        protocol=2,
    )


def _bounded(access: Access, action: Callable[[], Verdict]) -> Verdict:
    return bounded_check(access, action, (redis.exceptions.RedisError, OSError, ValueError))


def plaintext_refused(access: Access) -> Verdict:
    """A plain-text PING gets no Redis answer (the port speaks TLS only)."""

    def check() -> Verdict:
        reply = exchange(access.host, access.port, b"PING\r\n", access.timeout)
        # RESP replies start with + (status) or - (error, e.g. -NOAUTH): either means a
        # plain-text session was opened, even if it was then refused authentication.
        if reply[:1] in (b"+", b"-"):
            answer = reply.split(b"\r\n", 1)[0].decode("ascii", "replace")
            return Verdict.failed(f"plaintext session opened (server answered {answer!r})")
        return Verdict.passed("no Redis answer over plaintext")

    return _bounded(access, check)


def anonymous_gets_noauth(access: Access) -> Verdict:
    """An unauthenticated command over TLS is refused with NOAUTH."""

    def check() -> Verdict:
        client = _client(access, authenticate=False)
        try:
            client.ping()
        except redis.exceptions.AuthenticationError as exc:
            return Verdict.passed(f"refused: {exc}")
        except redis.exceptions.ResponseError as exc:
            if str(exc).startswith("NOAUTH"):
                return Verdict.passed(f"refused: {exc}")
            raise
        finally:
            client.close()
        return Verdict.failed("an unauthenticated PING was answered: disable the default user")

    return _bounded(access, check)


def default_user_disabled(access: Access) -> Verdict:
    """AUTH as `default` fails; when the given user may run ACL GETUSER, `default` is off."""

    def check() -> Verdict:
        probe = _client(access, authenticate=False)
        try:
            # A random password: a `nopass` default user would still let it in.
            probe.execute_command("AUTH", "default", secrets.token_urlsafe(24))
        except redis.exceptions.AuthenticationError:
            pass
        except redis.exceptions.ResponseError as exc:
            if "WRONGPASS" not in str(exc) and "disabled" not in str(exc):
                raise
        else:
            return Verdict.failed("AUTH default succeeded with a random password (nopass)")
        finally:
            probe.close()
        flags = _default_user_flags(access) if access.credentials else None
        if flags is None:
            return Verdict.passed("AUTH default refused")
        if "off" in flags:
            return Verdict.passed("AUTH default refused; ACL GETUSER default shows off")
        return Verdict.failed("ACL GETUSER default shows the user on: turn it off")

    return _bounded(access, check)


def _default_user_flags(access: Access) -> list[str] | None:
    """Flags of the default user, or None when this user may not run ACL GETUSER."""
    client = _client(access)
    try:
        info: Any = client.acl_getuser("default")
    except redis.exceptions.NoPermissionError:
        return None
    except redis.exceptions.ResponseError as exc:
        if "NOPERM" in str(exc):
            return None
        raise
    finally:
        client.close()
    return [str(flag) for flag in (info or {}).get("flags", [])]


def user_connects(access: Access) -> Verdict:
    """The application's user authenticates over verified TLS and gets PONG."""
    access.required_credentials()

    def check() -> Verdict:
        client = _client(access)
        try:
            answered = client.ping()
        finally:
            client.close()
        if not answered:
            return Verdict.failed("PING did not answer PONG")
        return Verdict.passed("the application's user authenticated over verified TLS; PONG")

    return _bounded(access, check)


def replica_link_up(access: Access) -> Verdict:
    """The endpoint is a replica (`role:slave`) whose link to the primary is up."""

    def check() -> Verdict:
        client = _client(access)
        try:
            info = client.info("replication")
        finally:
            client.close()
        role, link = info.get("role"), info.get("master_link_status")
        if role != "slave":
            return Verdict.failed(f"role:{role}: the reader endpoint reaches no replica")
        if link != "up":
            return Verdict.failed(f"master_link_status:{link}: the replica lost its primary")
        return Verdict.passed("role:slave, master_link_status:up")

    return _bounded(access, check)
