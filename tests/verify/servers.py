"""Real database and cache servers for the tests: loopback only, temporary folders.

Primary and replica of a pair listen on the same port on two loopback addresses
(127.0.0.1 and 127.0.0.2), because a stack's outputs carry one port per store.
PostgreSQL refuses to run as root, so when the tests run as root its commands run as
the `postgres` system user in a folder handed to that user.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pymysql
import redis

from tests.verify.certs import TlsFiles

PRIMARY_HOST, REPLICA_HOST = "127.0.0.1", "127.0.0.2"


def free_port() -> int:
    """A TCP port free on both loopback addresses used by a pair."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind((PRIMARY_HOST, 0))
            port = probe.getsockname()[1]
        with contextlib.suppress(OSError), socket.socket() as other:
            other.bind((REPLICA_HOST, port))
            return port
    raise RuntimeError("no port free on both loopback addresses")


def wait_until(predicate, what: str, timeout: float = 60.0) -> None:
    """Poll `predicate` until true; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if predicate():
                return
        time.sleep(0.2)
    raise RuntimeError(f"timed out waiting for {what}")


def port_open(host: str, port: int) -> bool:
    """Whether a TCP connection to host:port succeeds now."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _private_dir(prefix: str, owner: str | None) -> Path:
    # Not under pytest's tmp_path: that tree is private to root, and postgres must enter it.
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    if owner:
        shutil.chown(folder, owner, owner)
    return folder


# --- PostgreSQL -----------------------------------------------------------------------


def pg_bin() -> Path:
    """The newest PostgreSQL server binaries folder on this machine."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3])
    )
    if not candidates:
        raise RuntimeError("PostgreSQL binaries not found: run scripts/install-servers")
    return candidates[-1].parent


def _pg_user() -> str | None:
    return "postgres" if os.geteuid() == 0 else None


def _pg(*args: str) -> None:
    user = _pg_user()
    command = [str(pg_bin() / args[0]), *args[1:]]
    if user:
        command = ["runuser", "-u", user, "--", *command]
    subprocess.run(command, check=True, capture_output=True, timeout=120)


@dataclass
class PostgresPair:
    """A TLS-only PostgreSQL primary with one streaming replica (pg_basebackup -R)."""

    port: int
    password: str
    user: str = "storage_admin"
    root: Path = field(default_factory=Path)

    @property
    def primary_data(self) -> Path:
        return self.root / "primary"

    @property
    def replica_data(self) -> Path:
        return self.root / "replica"

    def primary_pid(self) -> int:
        """The postmaster's process id."""
        return int((self.primary_data / "postmaster.pid").read_text().split()[0])

    def stop_primary(self) -> None:
        """Stop the primary now."""
        _pg("pg_ctl", "-D", str(self.primary_data), "-m", "immediate", "-w", "stop")

    def start_primary(self) -> None:
        """Start the primary again."""
        _pg(
            "pg_ctl",
            "-D",
            str(self.primary_data),
            "-l",
            str(self.root / "primary.log"),
            "-w",
            "start",
        )

    def admin(self) -> psycopg.Connection:
        """A superuser connection to the primary over its Unix socket (trust)."""
        return psycopg.connect(
            host=str(self.root / "sock-primary"),
            port=self.port,
            user=self.user,
            dbname="postgres",
            autocommit=True,
        )

    def stop_replica(self) -> None:
        """Stop the replica now."""
        _pg("pg_ctl", "-D", str(self.replica_data), "-m", "immediate", "-w", "stop")

    def start_replica(self) -> None:
        """Start the replica again."""
        _pg(
            "pg_ctl",
            "-D",
            str(self.replica_data),
            "-l",
            str(self.root / "replica.log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        """Stop both servers (ignoring ones already down) and remove the folder."""
        for data in (self.replica_data, self.primary_data):
            with contextlib.suppress(subprocess.CalledProcessError):
                _pg("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


def start_postgres_pair(tls: TlsFiles, password: str) -> PostgresPair:
    """Start a primary (hostssl-only pg_hba, scram) and a streaming replica."""
    owner = _pg_user()
    pair = PostgresPair(port=free_port(), password=password, root=_private_dir("verify-pg-", owner))
    pwfile = pair.root / "pw"
    pwfile.write_text(password)
    for sock in ("sock-primary", "sock-replica"):
        (pair.root / sock).mkdir()
    if owner:
        for path in (pwfile, pair.root / "sock-primary", pair.root / "sock-replica"):
            shutil.chown(path, owner, owner)
    _pg(
        "initdb",
        "-D",
        str(pair.primary_data),
        "-U",
        pair.user,
        "--pwfile",
        str(pwfile),
        "--auth-local=trust",
        "--auth-host=scram-sha-256",
        "--no-sync",
        "-E",
        "UTF8",
    )
    for source, name in ((tls.server_cert, "server.crt"), (tls.server_key, "server.key")):
        target = pair.primary_data / name
        shutil.copy(source, target)
        target.chmod(0o600)
        if owner:
            shutil.chown(target, owner, owner)
    with (pair.primary_data / "postgresql.conf").open("a") as conf:
        conf.write(
            f"listen_addresses = '{PRIMARY_HOST}'\nport = {pair.port}\n"
            f"unix_socket_directories = '{pair.root / 'sock-primary'}'\n"
            "ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n"
            "wal_level = replica\nmax_wal_senders = 4\nshared_buffers = 16MB\n"
            "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
        )
    # TLS only: every TCP line is hostssl, so a plaintext connection has no matching entry.
    (pair.primary_data / "pg_hba.conf").write_text(
        "local all all trust\nlocal replication all trust\n"
        "hostssl all all 127.0.0.0/8 scram-sha-256\n"
        "hostssl replication all 127.0.0.0/8 scram-sha-256\n"
    )
    _pg("pg_ctl", "-D", str(pair.primary_data), "-l", str(pair.root / "primary.log"), "-w", "start")
    _pg(
        "pg_basebackup",
        "-h",
        str(pair.root / "sock-primary"),
        "-p",
        str(pair.port),
        "-U",
        pair.user,
        "-D",
        str(pair.replica_data),
        "-R",
        "-X",
        "stream",
        "--no-sync",
    )
    with (pair.replica_data / "postgresql.conf").open("a") as conf:
        conf.write(
            f"listen_addresses = '{REPLICA_HOST}'\n"
            f"unix_socket_directories = '{pair.root / 'sock-replica'}'\n"
        )
    pair.start_replica()
    wait_until(lambda: _streaming(pair), "the PostgreSQL replica to stream")
    return pair


def _streaming(pair: PostgresPair) -> bool:
    with psycopg.connect(
        host=str(pair.root / "sock-primary"), port=pair.port, user=pair.user, dbname="postgres"
    ) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"
        ).fetchone()
    return bool(row and row[0] == 1)


@contextlib.contextmanager
def frozen(pid: int) -> Iterator[None]:
    """SIGSTOP a server process (it accepts TCP in the kernel but never answers), then resume."""
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


def machine_postgres() -> Iterator[int]:
    """The machine's default PostgreSQL cluster on 5432, started if it is not running."""
    started = False
    if not port_open(PRIMARY_HOST, 5432):
        subprocess.run(
            ["pg_ctlcluster", pg_bin().parts[-2], "main", "start"], check=True, timeout=60
        )
        started = True
    try:
        yield 5432
    finally:
        if started:
            subprocess.run(
                ["pg_ctlcluster", pg_bin().parts[-2], "main", "stop"], check=False, timeout=60
            )


# --- MariaDB --------------------------------------------------------------------------


@dataclass
class MariaDBPair:
    """A MariaDB primary (binlog) and a read-only replica, TLS with secure transport required."""

    port: int
    password: str
    user: str = "storage_admin"
    root: Path = field(default_factory=Path)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def admin(self, which: str = "primary") -> pymysql.connections.Connection:
        """A root connection over the server's Unix socket."""
        return pymysql.connect(
            unix_socket=str(self.root / f"{which}.sock"), user="root", autocommit=True
        )

    def set_secure_transport(self, required: bool) -> None:
        """Switch `require_secure_transport` on the primary at run time."""
        with self.admin() as conn, conn.cursor() as cursor:
            cursor.execute(f"SET GLOBAL require_secure_transport = {'ON' if required else 'OFF'}")

    def stop(self) -> None:
        """Stop both servers and remove the folder."""
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGCONT)
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(self.root, ignore_errors=True)


def _mariadbd(
    pair: MariaDBPair, which: str, host: str, server_id: int, tls: TlsFiles, *extra: str
) -> None:
    data = pair.root / which
    log = (pair.root / f"{which}.out").open("wb")
    pair.processes[which] = subprocess.Popen(
        [
            "mariadbd",
            "--no-defaults",
            f"--datadir={data}",
            "--user=root",
            f"--port={pair.port}",
            f"--bind-address={host}",
            f"--socket={pair.root / f'{which}.sock'}",
            f"--pid-file={pair.root / f'{which}.pid'}",
            f"--log-error={pair.root / f'{which}.err'}",
            f"--server-id={server_id}",
            f"--ssl-ca={tls.ca_cert}",
            f"--ssl-cert={tls.server_cert}",
            f"--ssl-key={tls.server_key}",
            "--require-secure-transport=ON",
            "--skip-name-resolve",
            "--innodb-buffer-pool-size=16M",
            "--innodb-log-file-size=16M",
            "--innodb-flush-log-at-trx-commit=0",
            "--sync-binlog=0",
            *extra,
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    wait_until(lambda: pair.admin(which).ping() is None, f"MariaDB {which}")


def start_mariadb_primary(tls: TlsFiles, password: str) -> MariaDBPair:
    """Start a lone MariaDB primary (a "pair" without replica) with the master user."""
    pair = MariaDBPair(
        port=free_port(), password=password, root=_private_dir("verify-maria-", None)
    )
    _install_mariadb(pair)
    _mariadbd(pair, "primary", PRIMARY_HOST, 1, tls)
    with pair.admin() as conn, conn.cursor() as cursor:
        cursor.execute(f"CREATE USER '{pair.user}'@'%%' IDENTIFIED BY %s", (password,))
        cursor.execute(f"GRANT ALL PRIVILEGES ON *.* TO '{pair.user}'@'%' WITH GRANT OPTION")
    return pair


@functools.cache
def _mariadb_template() -> Path:
    """A freshly installed data folder, made once per test process and copied per server.

    `mariadb-install-db` takes about 5 s; copying its result takes a fraction of that.
    """
    root = _private_dir("verify-maria-template-", None)
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    subprocess.run(
        [
            "mariadb-install-db",
            "--no-defaults",
            f"--datadir={root / 'data'}",
            "--user=root",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return root / "data"


def _install_mariadb(pair: MariaDBPair) -> None:
    shutil.copytree(_mariadb_template(), pair.root / "primary")


def start_mariadb_pair(tls: TlsFiles, password: str, replication_password: str) -> MariaDBPair:
    """Start a primary and a replica (GTID, TLS replication) from one fresh data folder."""
    pair = MariaDBPair(
        port=free_port(), password=password, root=_private_dir("verify-maria-", None)
    )
    _install_mariadb(pair)
    shutil.copytree(pair.root / "primary", pair.root / "replica")
    _mariadbd(pair, "primary", PRIMARY_HOST, 1, tls, "--log-bin=primary-bin", "--binlog-format=ROW")
    with pair.admin() as conn, conn.cursor() as cursor:
        cursor.execute(f"CREATE USER '{pair.user}'@'%%' IDENTIFIED BY %s", (password,))
        cursor.execute(f"GRANT ALL PRIVILEGES ON *.* TO '{pair.user}'@'%' WITH GRANT OPTION")
        cursor.execute("CREATE USER 'replicator'@'%%' IDENTIFIED BY %s", (replication_password,))
        cursor.execute("GRANT REPLICATION SLAVE ON *.* TO 'replicator'@'%'")
    _mariadbd(pair, "replica", REPLICA_HOST, 2, tls, "--read-only=ON", "--relay-log=replica-relay")
    with pair.admin("replica") as conn, conn.cursor() as cursor:
        cursor.execute(
            "CHANGE MASTER TO MASTER_HOST=%s, MASTER_PORT=%s, MASTER_USER='replicator', "
            "MASTER_PASSWORD=%s, MASTER_SSL=1, MASTER_SSL_CA=%s, MASTER_USE_GTID=slave_pos",
            (PRIMARY_HOST, pair.port, replication_password, str(tls.ca_cert)),
        )
        cursor.execute("START SLAVE")
    wait_until(lambda: _replicating(pair), "the MariaDB replica to replicate")
    return pair


def _replicating(pair: MariaDBPair) -> bool:
    with pair.admin("replica") as conn, conn.cursor(pymysql.cursors.DictCursor) as cursor:
        cursor.execute("SHOW REPLICA STATUS")
        row = cursor.fetchone() or {}
    return row.get("Slave_IO_Running") == "Yes" and row.get("Seconds_Behind_Master") == 0


# --- Redis ----------------------------------------------------------------------------


@dataclass
class RedisServer:
    """One redis-server process."""

    host: str
    port: int
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        """Terminate the server."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.process.pid, signal.SIGCONT)
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _redis(folder: Path, name: str, host: str, port: int, lines: list[str]) -> RedisServer:
    conf = folder / f"{name}.conf"
    conf.write_text(
        "\n".join([f"bind {host}", 'save ""', "appendonly no", f"dir {folder}", *lines]) + "\n"
    )
    log = (folder / f"{name}.log").open("wb")
    process = subprocess.Popen(["redis-server", str(conf)], stdout=log, stderr=subprocess.STDOUT)
    server = RedisServer(host, port, process)
    wait_until(lambda: port_open(host, port), f"redis {name}", timeout=20)
    return server


def start_redis_pair(
    folder: Path, tls: TlsFiles, app_password: str, replication_password: str
) -> tuple[RedisServer, RedisServer]:
    """A TLS-only primary (default user off, an app user) and a TLS replica."""
    port = free_port()
    common = [
        "port 0",
        f"tls-port {port}",
        f"tls-cert-file {tls.server_cert}",
        f"tls-key-file {tls.server_key}",
        f"tls-ca-cert-file {tls.ca_cert}",
        "tls-auth-clients no",
        "tls-replication yes",
        "repl-diskless-sync-delay 0",
        "user default off",
        f"user app on >{app_password} ~* &* +@all -@dangerous +info",
        f"user replicator on >{replication_password} +psync +replconf +ping",
    ]
    primary = _redis(folder, "primary", PRIMARY_HOST, port, common)
    replica = _redis(
        folder,
        "replica",
        REPLICA_HOST,
        port,
        [
            *common,
            f"replicaof {PRIMARY_HOST} {port}",
            "masteruser replicator",
            f"masterauth {replication_password}",
        ],
    )
    wait_until(lambda: _link_up(replica, tls, app_password), "the Redis replica's link", timeout=30)
    return primary, replica


def _link_up(replica: RedisServer, tls: TlsFiles, app_password: str) -> bool:
    client = redis.Redis(
        host=replica.host,
        port=replica.port,
        username="app",
        password=app_password,
        ssl=True,
        ssl_ca_certs=str(tls.ca_cert),
        socket_timeout=2,
    )
    with contextlib.closing(client):
        return client.info("replication").get("master_link_status") == "up"


def start_tls_redis(folder: Path, name: str, tls: TlsFiles, users: list[str]) -> RedisServer:
    """One TLS-only Redis with the given ACL `user ...` lines (a fault server of a test's own)."""
    port = free_port()
    lines = [
        "port 0",
        f"tls-port {port}",
        f"tls-cert-file {tls.server_cert}",
        f"tls-key-file {tls.server_key}",
        f"tls-ca-cert-file {tls.ca_cert}",
        "tls-auth-clients no",
        *users,
    ]
    return _redis(folder, name, PRIMARY_HOST, port, lines)


def start_plain_redis(folder: Path) -> RedisServer:
    """A plaintext Redis whose default user is on without a password (what not to deploy)."""
    port = free_port()
    return _redis(folder, "plain", PRIMARY_HOST, port, [f"port {port}"])
