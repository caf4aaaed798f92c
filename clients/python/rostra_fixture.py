"""pytest fixtures that run Rostra, the local emulator of the Rosti API and the Rosa File
Store API, for a test session.

Copy this file next to your ``conftest.py`` (or anywhere on ``sys.path``) and enable it:

    # conftest.py
    pytest_plugins = ["rostra_fixture"]

Fixtures:

``rostra``         one Rostra for the whole session: started on free ports with a fresh
                   database in a temporary folder, stopped (SIGTERM) at the end.
``rostra_reset``   the same server, with its default tenant reset to the seed before the
                   test: data, files, clock, fault rules, journal and rate-limit counters.
``rostra_tenant``  a tenant of its own for the test (``X-Rostra-Tenant``), made from the
                   seed on first use and deleted afterwards: safe with pytest-xdist.

Which ``rostra`` runs: ``$ROSTRA_BINARY``, else ``rostra`` on ``PATH``. Extra arguments for
``rostra serve``: ``$ROSTRA_ARGS`` (split into words as a shell would). Only the standard library is used.
"""

import json
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid

import pytest

# The seed's well-known development credentials (docs/seed-data.md).
ROSTI_TOKEN = "rostidemo0000000000000000000000000000001"
ROSA_USER = ("demo", "demo-password")


class RostraError(RuntimeError):
    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


class RostraServer:
    """A ``rostra serve`` child process on free ports with a throwaway database."""

    def __init__(self, binary=None, args=(), startup_timeout=60.0):
        self.binary = binary or os.environ.get("ROSTRA_BINARY") or shutil.which("rostra")
        if not self.binary:
            raise RostraError("no rostra: set ROSTRA_BINARY or put rostra on PATH")
        self.args = list(args) + shlex.split(os.environ.get("ROSTRA_ARGS", ""))
        self.startup_timeout = startup_timeout
        self.process = None
        self.folder = None
        self.ready = None

    # --- life cycle ---------------------------------------------------------------

    def start(self):
        """Starts Rostra and waits until both APIs are healthy. On any failure the process
        is stopped and its temporary folder removed before the error (with the log) is
        raised: a failed start leaves nothing behind."""
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self):
        self.folder = tempfile.mkdtemp(prefix="rostra-")
        ready_file = os.path.join(self.folder, "ready.json")
        self.log_path = os.path.join(self.folder, "rostra.log")
        command = [self.binary, "serve", "--rosti-port", "0", "--rosa-port", "0",
                   "--db", os.path.join(self.folder, "rostra.sqlite"),
                   "--ready-file", ready_file, "--log-level", "warning"] + self.args
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        # Rostra writes the ready file (atomically) once both APIs listen on their ports.
        deadline = time.monotonic() + self.startup_timeout
        while not os.path.exists(ready_file):
            if self.process.poll() is not None:
                raise RostraError(f"rostra exited with {self.process.returncode} before it was ready:\n{self.log()}")
            if time.monotonic() > deadline:
                raise RostraError(f"rostra not ready within {self.startup_timeout} s:\n{self.log()}")
            time.sleep(0.02)
        with open(ready_file) as handle:
            self.ready = json.load(handle)
        self.wait_until_healthy(deadline)
        return self

    def wait_until_healthy(self, deadline):
        for url in (self.rosti_url, self.rosa_url):
            while True:
                try:
                    with urllib.request.urlopen(url + "__admin/health", timeout=2) as answer:
                        if json.load(answer).get("status") == "ok":
                            break
                except (urllib.error.URLError, OSError, ValueError):
                    pass
                if time.monotonic() > deadline:
                    raise RostraError(f"{url}__admin/health did not answer ok:\n{self.log()}")
                time.sleep(0.05)

    def stop(self):
        """SIGTERM, then the exit status (0 after a clean shutdown)."""
        status = None
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                status = self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                status = self.process.wait()
        elif self.process is not None:
            status = self.process.returncode
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None
        return status

    def log(self):
        try:
            with open(self.log_path, errors="replace") as handle:
                return handle.read()
        except OSError:
            return ""

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # --- where it listens -----------------------------------------------------------

    @property
    def rosti_url(self):
        """``http://127.0.0.1:<port>/``: the Rosti API."""
        return self.ready["rosti"]["url"]

    @property
    def rosa_url(self):
        """``http://127.0.0.1:<port>/``: the Rosa File Store API."""
        return self.ready["rosa"]["url"]

    @property
    def admin_url(self):
        """The admin API (either port serves it): ``http://127.0.0.1:<port>/__admin``."""
        return self.rosti_url + "__admin"

    # --- the admin API (docs/admin-api.md) -------------------------------------------

    def admin(self, method, path, body=None, tenant=None):
        """One admin call; returns the decoded JSON answer, raises on a non-2xx status."""
        headers = {"Content-Type": "application/json"}
        if tenant:
            headers["X-Rostra-Tenant"] = tenant
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.admin_url + "/" + path.lstrip("/"), data=data,
                                         headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                text = answer.read()
        except urllib.error.HTTPError as error:
            raise RostraError(f"{method} /__admin/{path}: {error.code} {error.read().decode(errors='replace')}",
                              status=error.code) from None
        return json.loads(text) if text else None

    def reset(self, tenant=None):
        return self.admin("POST", "reset", tenant=tenant)

    def delete_tenant(self, name):
        return self.admin("DELETE", "tenants/" + name)


class RostraTenant:
    """A tenant of one test: send ``headers`` with every request, API and admin alike."""

    def __init__(self, server, name):
        self.server = server
        self.name = name
        self.headers = {"X-Rostra-Tenant": name}
        self.rosti_url = server.rosti_url
        self.rosa_url = server.rosa_url

    def admin(self, method, path, body=None):
        return self.server.admin(method, path, body, tenant=self.name)

    def reset(self):
        return self.server.reset(tenant=self.name)


@pytest.fixture(scope="session")
def rostra():
    server = RostraServer().start()
    yield server
    status = server.stop()
    if status != 0:
        raise RostraError(f"rostra exited with {status} on SIGTERM")


@pytest.fixture
def rostra_reset(rostra):
    rostra.reset()
    return rostra


@pytest.fixture
def rostra_tenant(rostra):
    # Tenant names: letters, digits, . _ -, at most 64 characters.
    name = "t-" + uuid.uuid4().hex[:16]
    tenant = RostraTenant(rostra, name)
    yield tenant
    try:
        rostra.delete_tenant(name)
    except RostraError as error:
        if error.status != 404:  # 404: the test never used its tenant
            raise
