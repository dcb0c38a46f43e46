"""Starts and stops the built `standing serve` for the probes in this folder.

A fresh temporary data directory, a free loopback port, the server's log in a file; the operator token is read from
the data directory (never printed). Used by run_schemathesis.py and hostile_http.py.
"""

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ProbeServer:
    """`with ProbeServer(binary, settings) as server:` runs the server for the block."""

    def __init__(self, binary: str, settings: dict[str, str] | None = None, start_timeout: float = 60):
        self.binary = binary
        self.settings = settings or {}
        self.start_timeout = start_timeout
        self.directory = tempfile.mkdtemp(prefix="standing-probe-")
        self.log_path = os.path.join(self.directory, "server.log")
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.token = ""

    def __enter__(self) -> "ProbeServer":
        environment = {k: v for k, v in os.environ.items() if not k.startswith("STANDING_")}
        environment.update({
            "STANDING_DATA_DIR": os.path.join(self.directory, "data"),
            "STANDING_HOST": "127.0.0.1",
            "STANDING_PORT": str(self.port),
            "STANDING_LOG_LEVEL": "info",
        })
        environment.update(self.settings)
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen([self.binary, "serve"], stdout=subprocess.PIPE, stderr=self.log, env=environment, text=True)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            if re.search(r"standing listening on http://", line):
                token_path = os.path.join(self.directory, "data", "operator-token")
                with open(token_path, encoding="utf-8") as token_file:
                    self.token = token_file.read().strip()
                return self
        self.stop()
        raise RuntimeError(f"the server did not start; its log:\n{self.log_text()}")

    def __exit__(self, *exc) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if not self.log.closed:
            self.log.close()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_text(self) -> str:
        self.log.flush()
        with open(self.log_path, encoding="utf-8", errors="replace") as log:
            return log.read()

    def error_lines(self) -> list[str]:
        """Log lines at level error or critical (swift-log's StreamLogHandler writes the level as a word)."""
        return [line for line in self.log_text().splitlines() if re.search(r"\s(error|critical)\s", line)]
