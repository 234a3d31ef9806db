"""The whole local stack as child processes, isolated per test run.

Each run gets its own database, topic prefix, storage folder and API key on the Kafka broker and
Postgres server the Makefile started (or KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from modulardata.gateway.adapters.api_keys import create_api_key
from modulardata.readmodels.engine import make_engine

BIN = Path(sys.executable).parent
DEFAULT_KAFKA = "127.0.0.1:19092"
UNLIMITED = {
    "MODULARDATA_GATEWAY_RATE_LIMIT": "1000000/second",
    "MODULARDATA_GATEWAY_SESSION_QUEUE_LIMIT": "1000000",
}
"""Gateway limits no test trips by accident; a test of the limits sets its own in extra_env."""


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ServiceProcess:
    """One service run as a child process, its output in a log file."""

    name: str
    argv: list[str]
    env: Mapping[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the service (again, after a kill)."""
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.argv, env=dict(self.env), stdout=log, stderr=subprocess.STDOUT
        )
        log.close()

    def kill(self) -> None:
        """Kill it hard, as a crash would."""
        self._signal(signal.SIGKILL)

    def stop(self) -> None:
        """Stop it gracefully."""
        self._signal(signal.SIGTERM)

    def _signal(self, sig: signal.Signals) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_tail(self, lines: int = 40) -> str:
        """The end of its log, for failure messages."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class Stack:
    """Every service (gateway, versioning, profiler, executor, agents) on one isolated namespace."""

    database_url: str
    workdir: Path
    extra_env: Mapping[str, str] = field(default_factory=dict)
    api_key: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    topic_prefix: str = field(default_factory=lambda: f"it-{uuid.uuid4().hex[:10]}.")
    port: int = field(default_factory=free_port)
    replicas: int = 1
    """Processes of each worker service (the gateway is one)."""
    services: dict[str, ServiceProcess] = field(default_factory=dict)

    @property
    def kafka(self) -> str:
        """Bootstrap servers of the broker under test."""
        return os.environ.get("KAFKA_BOOTSTRAP_SERVERS", DEFAULT_KAFKA)

    @property
    def url(self) -> str:
        """Base URL of the gateway."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        """The environment every service of this stack runs with."""
        return {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka,
            "DATABASE_URL": self.database_url,
            "MODULARDATA_TOPIC_PREFIX": self.topic_prefix,
            "STORAGE_URL": f"file://{self.workdir / 'storage'}",
            "MODULARDATA_API_KEY": self.api_key,
            "MODULARDATA_GATEWAY_PORT": str(self.port),
            **UNLIMITED,
            **self.extra_env,
        }

    def start(self, only: Collection[str] | None = None) -> None:
        """Start every service (or `only` those) and wait until the gateway answers."""
        commands = {
            "versioning": [str(BIN / "modulardata-versioning"), "run"],
            "profiler": [str(BIN / "modulardata-profiler")],
            "executor": [str(BIN / "modulardata-executor")],
            "agents": [str(BIN / "modulardata-agents")],
            "gateway": [str(BIN / "modulardata-gateway"), "serve"],
        }
        for name, argv in commands.items():
            if only is not None and name not in only:
                continue
            copies = 1 if name == "gateway" else self.replicas
            for copy in range(1, copies + 1):
                key = name if copy == 1 else f"{name}-{copy}"
                service = ServiceProcess(key, argv, self.env, self.workdir / f"{key}.log")
                service.start()
                self.services[key] = service
        self.wait_healthy()

    def wait_healthy(self, timeout_s: float = 90) -> None:
        """Block until the gateway's health check passes."""
        self.wait_url_healthy(self.url, list(self.services.values()), timeout_s)

    @staticmethod
    def wait_url_healthy(url: str, services: list[ServiceProcess], timeout_s: float = 90) -> None:
        """Block until the gateway at `url` passes its health check; fail if a service exits."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for service in services:
                if service.process and service.process.poll() is not None:
                    raise RuntimeError(f"{service.name} exited:\n{service.log_tail()}")
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"gateway at {url} not healthy:\n{services[-1].log_tail()}")

    def stop(self) -> None:
        """Stop every service."""
        for service in self.services.values():
            service.stop()

    def create_key(self, name: str) -> str:
        """A new API key made with the gateway's own command."""
        printed = subprocess.run(
            [str(BIN / "modulardata-gateway"), "create-key", "--name", name],
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return printed.strip().splitlines()[-1].split()[-1]

    def create_keys(self, names: Sequence[str]) -> list[str]:
        """New API keys, one per name, stored as the gateway's command stores them, in one
        connection: for many keys, where the command's seconds of start-up per key add up."""

        async def create() -> list[str]:
            engine = make_engine(self.database_url, pool_size=1)
            try:
                return [await create_api_key(engine, name) for name in names]
            finally:
                await engine.dispose()

        return asyncio.run(create())

    def client(self, api_key: str | None = None) -> httpx.Client:
        """An HTTP client for the gateway, authenticated with this stack's key by default."""
        key = self.api_key if api_key is None else api_key
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)
