"""Driving the real `dashboard` command from tests: a subprocess on a free port, HTTP with urllib, Server-Sent
Events read line by line. Shared by the HTTP tests and the browser tests."""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "bazinga_db.py"
STARTUP_SECONDS = 20
# Debian's Chromium (apt-get install chromium), driven by Playwright: never a browser Playwright downloads.
CHROMIUM = os.environ.get("BAZINGA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def launch_chromium(playwright: Any) -> Any:
    """The system's Chromium under Playwright (``playwright`` from ``sync_playwright()``)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


class Response(NamedTuple):
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.body)


class Stopped(NamedTuple):
    stdout: str
    stderr: str
    code: int


class Events:
    """A Server-Sent Events stream: ``next()`` returns {"event", "id", "data"} (data parsed as JSON)."""

    def __init__(self, response: Any):
        self.response = response

    def next(self, timeout: float = 5.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        event: dict[str, Any] = {}
        data: list[str] = []
        while time.monotonic() < deadline:
            line = self.response.readline().decode("utf-8")
            if not line:
                raise EOFError("the stream ended")
            line = line.rstrip("\n")
            if line == "":
                if data:
                    event["data"] = json.loads("\n".join(data))
                    return event
                continue
            if line.startswith(":"):
                continue
            field, _, value = line.partition(": ")
            if field == "data":
                data.append(value)
            elif field in ("event", "id", "retry"):
                event[field] = value
        raise TimeoutError(f"no event within {timeout} s")

    def next_of(self, kind: str, timeout: float = 5.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            event = self.next(max(0.1, deadline - time.monotonic()))
            if event.get("event") == kind:
                return event

    def close(self) -> None:
        self.response.close()


class Dashboard:
    def __init__(self, process: subprocess.Popen, first_line: str):
        self.process = process
        self.first_line = first_line
        match = re.search(r"http://[^ ]+/", first_line)
        assert match, first_line
        self.url = match.group(0)
        self.port = int(self.url.rsplit(":", 1)[1].strip("/"))

    def request(self, path: str, *, method: str = "GET", headers: dict | None = None) -> Response:
        request = urllib.request.Request(self.url.rstrip("/") + path, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Response(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return Response(error.code, dict(error.headers), error.read())

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.request(path, **kwargs)

    def json(self, path: str) -> Any:
        response = self.get(path)
        assert response.status == 200, (path, response.status, response.body[:500])
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
        return response.json()

    def events(self, path: str, headers: dict | None = None) -> Events:
        request = urllib.request.Request(self.url.rstrip("/") + path, headers=headers or {})
        response = urllib.request.urlopen(request, timeout=10)
        assert response.headers["Content-Type"] == "text/event-stream; charset=utf-8"
        return Events(response)

    def stop(self, sig: int = signal.SIGINT) -> Stopped:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            out, err = self.process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, err = self.process.communicate()
        return Stopped(self.first_line + out, err, self.process.returncode)


def launch(location: str | Path, *args: str, cwd: Path, env: dict | None = None) -> subprocess.Popen:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("BAZINGA_")}
    environment.update(env or {})
    return subprocess.Popen(
        [sys.executable, str(SCRIPT), "--db", str(location), "dashboard", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment,
        text=True,
    )


def first_line(process: subprocess.Popen, timeout: float = STARTUP_SECONDS) -> str:
    """The first stdout line ('' when the process ended without one), never waiting past ``timeout``."""
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    if not ready:
        process.kill()
        raise TimeoutError(f"the dashboard printed nothing within {timeout} s")
    return process.stdout.readline()


def start(location: str | Path, *args: str, cwd: Path, env: dict | None = None) -> Dashboard:
    """Start the real command on a free port (unless ``args`` name one) and wait for its URL line."""
    process = launch(location, *(args or ("--port", "0")), cwd=cwd, env=env)
    line = first_line(process)
    if "http://" not in line:
        out, err = process.communicate(timeout=20)
        raise AssertionError(f"the dashboard did not start: {line}{out}{err}")
    return Dashboard(process, line)
