"""A real Saraban server for tests: migrations, samples and gunicorn, as an office runs it."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def saraban(args: list[str], env: dict) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "saraban.cli", *args],
        env=env, capture_output=True, text=True, timeout=180,
    )
    if done.returncode != 0:
        raise RuntimeError(f"saraban {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


@dataclass
class Server:
    base: str
    env: dict
    logins: dict[str, str]
    proc: subprocess.Popen
    log_path: Path
    tokens: dict[str, str] = field(default_factory=dict)

    def token(self, username: str) -> str:
        if username not in self.tokens:
            self.tokens[username] = saraban(["create-token", username], self.env).split()[-1]
        return self.tokens[username]

    def api(self, method: str, path: str, username: str, body=None) -> tuple[int, dict]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.base + "/api/v1" + path, data=data, method=method,
            headers={"Authorization": f"Bearer {self.token(username)}",
                     "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def attach(self, document_id: int, data: bytes, username: str = "demo-clerk") -> None:
        """Upload a file to a document through the API (multipart/form-data)."""
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                f"filename=\"letter.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").encode()
        body += data + f"\r\n--{boundary}--\r\n".encode()
        request = urllib.request.Request(
            f"{self.base}/api/v1/documents/{document_id}/files", data=body, method="POST",
            headers={"Authorization": f"Bearer {self.token(username)}",
                     "Content-Type": f"multipart/form-data; boundary={boundary}"})
        with urllib.request.urlopen(request, timeout=120) as response:
            assert response.status == 201

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def kill(self) -> None:
        """SIGKILL the master and its workers at once (its own process group), as a power
        cut or the OOM killer would: no shutdown code runs."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def worker_pids(self) -> list[int]:
        """The gunicorn workers: the master's children."""
        pid = self.proc.pid
        try:
            return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except OSError:
            return []

    def restart(self) -> None:
        """Start the server again on the same port, data and database (after stop())."""
        port = int(self.base.rsplit(":", 1)[1])
        self.proc = _serve(self.env, port, self.log_path, mode="a")
        _wait_ready(self.base, self.proc, self.log_path)

    def errors(self) -> list[str]:
        """Tracebacks the server logged."""
        text = self.log_path.read_text()
        return [block for block in text.split("\n[") if "Traceback" in block]


def start_server(root: Path, database_url: str | None = None, workers: int = 2,
                 settings: dict | None = None) -> Server:
    """Upgrade a fresh database, load the samples and serve with gunicorn on loopback
    (``settings``: more SARABAN_* variables, or None to unset one)."""
    env = {
        **os.environ,
        "SARABAN_ENV": "production",
        "SARABAN_SECRET_KEY": "test-server-secret-key-not-for-production",
        "SARABAN_INSTANCE_PATH": str(root),
        "SARABAN_DATA_DIR": str(root / "data"),
        "SARABAN_DATABASE_URL": database_url or f"sqlite:///{root / 'saraban.sqlite3'}",
        "SARABAN_SYSADMIN_TOTP": "0",  # demo-admin, a system administrator, without TOTP
    }
    for name, value in (settings or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    saraban(["db", "upgrade"], env)
    output = saraban(["load-samples", "--quiet"], env)
    logins = dict(re.findall(r"^\s+(demo-\S+)\s+(\S+)$", output, re.M))
    port = _free_port()
    log_path = root / "server.log"
    proc = _serve(env, port, log_path, workers=workers)
    base = f"http://127.0.0.1:{port}"
    _wait_ready(base, proc, log_path)
    return Server(base, env, logins, proc, log_path)


def _serve(env: dict, port: int, log_path: Path, workers: int = 2, mode: str = "w"):
    with open(log_path, mode) as log:  # a file, not a pipe nobody reads: that would block
        return subprocess.Popen(
            [sys.executable, "-m", "saraban.cli", "serve", "--host", "127.0.0.1",
             "--port", str(port), "--workers", str(workers)],
            env=env, stdout=subprocess.DEVNULL, stderr=log, text=True,
            start_new_session=True,  # a group of its own, for kill()
        )


def _wait_ready(base: str, proc, log_path: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(base + "/login", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("server did not start: " + log_path.read_text()) from None
            time.sleep(0.3)
