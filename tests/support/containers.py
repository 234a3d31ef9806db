"""The service images run as containers on the host's network, two of each service, against the
broker and database of the test run: the container end-to-end test's stack.

The images are those `make images` builds (deploy/images/build.sh, which also sets podman up on
machines without a Docker engine); the containers run as the cluster runs them: read-only root
filesystem, a tmpfs /tmp, no capability, and the executor as root of a user namespace of its
own with the sandbox's four capabilities (deploy/k8s/base/executor-sandbox.md).
"""

from __future__ import annotations

import os
import resource
import secrets
import shutil
import subprocess
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.support.images import ROOT, SERVICES, image_name
from tests.support.stack import UNLIMITED, free_port

RUN_DIR = Path(os.environ.get("MODULARDATA_RUN_DIR", ROOT / ".run"))
REPLICAS = 2
SANDBOX_CAPABILITIES = ("SYS_ADMIN", "SETUID", "SETGID", "KILL")
EXECUTOR_USER_NAMESPACE = ("--uidmap", "0:200000:65536", "--gidmap", "0:200000:65536")
"""As `hostUsers: false` gives a pod: its root is host uid 200000."""


def build_images() -> float:
    """Build (or find cached) every service image; the seconds it took."""
    started = time.monotonic()
    build = ROOT / "deploy" / "images" / "build.sh"
    subprocess.run(["bash", str(build)], check=True, timeout=3600)
    return time.monotonic() - started


def engine() -> list[str]:
    """The container command `make images` built with: docker where an engine answers, else
    podman with the settings build.sh wrote for these hosts."""
    if (
        shutil.which("docker")
        and subprocess.run(["docker", "info"], capture_output=True).returncode == 0
    ):
        return ["docker"]
    return ["env", f"CONTAINERS_CONF={RUN_DIR / 'images' / 'containers.conf'}", "podman"]


def _ulimits() -> list[str]:
    """The host's own limits, which podman may not raise, the process limit within pid_max
    (as build.sh measured)."""
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    pid_max = int(Path("/proc/sys/kernel/pid_max").read_text())
    nproc = min(resource.getrlimit(resource.RLIMIT_NPROC)[1], pid_max)
    return ["--ulimit", f"nofile={nofile}:{nofile}", "--ulimit", f"nproc={nproc}:{nproc}"]


@dataclass
class Container:
    """One service container."""

    service: str
    name: str
    env: Mapping[str, str]
    health_port: int

    def start(self, command: list[str]) -> None:
        """Run it in the background."""
        privileges = ["--cap-drop", "ALL", "--security-opt", "no-new-privileges"]
        if self.service == "executor":
            privileges += [*EXECUTOR_USER_NAMESPACE, "--user", "0"]
            for capability in SANDBOX_CAPABILITIES:
                privileges += ["--cap-add", capability]
        environment = [f"--env={key}={value}" for key, value in self.env.items()]
        run = [*command, "run", "--detach", "--name", self.name, "--network", "host"]
        confined = ["--read-only", "--tmpfs", "/tmp", *_ulimits(), *privileges]
        subprocess.run(
            [*run, *confined, *environment, image_name(self.service)],
            check=True,
            capture_output=True,
            timeout=60,
        )

    def logs(self, command: list[str]) -> str:
        """What the service wrote to its stdout and stderr."""
        printed = subprocess.run(
            [*command, "logs", self.name], capture_output=True, text=True, timeout=60
        )
        return printed.stdout + printed.stderr

    def remove(self, command: list[str]) -> None:
        """Stop it as an orchestrator would (SIGTERM, then its grace period), and remove it."""
        for action in (["stop", "--time", "20"], ["rm", "--force"]):
            subprocess.run([*command, *action, self.name], capture_output=True, timeout=60)


@dataclass
class ContainerStack:
    """Two containers of every service on one isolated namespace of the shared broker and
    database, storage on an S3 server on loopback."""

    database_url: str
    kafka: str
    storage_env: Mapping[str, str]
    api_key: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    topic_prefix: str = field(default_factory=lambda: f"it-ctr-{uuid.uuid4().hex[:10]}.")
    partitions: int = REPLICAS
    containers: list[Container] = field(default_factory=list)
    command: list[str] = field(default_factory=engine)
    readiness: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Each container's readiness answer, by name, once `wait_ready` returned."""

    def env(self) -> dict[str, str]:
        """What every container of the stack runs with."""
        return {
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka,
            "DATABASE_URL": self.database_url,
            "MODULARDATA_TOPIC_PREFIX": self.topic_prefix,
            "MODULARDATA_TOPIC_PARTITIONS": str(self.partitions),
            "MODULARDATA_API_KEY": self.api_key,
            "MODULARDATA_EXECUTOR_WORKERS": "1",
            # One consumer per container, so each holds one of the partitions.
            "MODULARDATA_PROFILER_READ_WORKERS": "1",
            **UNLIMITED,
            **self.storage_env,
        }

    def of(self, service: str) -> list[Container]:
        """The containers of one service."""
        return [c for c in self.containers if c.service == service]

    def gateway_urls(self) -> list[str]:
        """The base URLs of the gateway containers."""
        return [f"http://127.0.0.1:{c.health_port}" for c in self.of("gateway")]

    def start(self) -> None:
        """Start every container; `wait_ready` waits for them."""
        run = uuid.uuid4().hex[:6]
        for service in SERVICES:
            for replica in range(REPLICAS):
                port = free_port()
                listen = "GATEWAY" if service == "gateway" else "HEALTH"
                own = {
                    f"MODULARDATA_{listen}_PORT": str(port),
                    f"MODULARDATA_{listen}_HOST": "127.0.0.1",
                }
                container = Container(
                    service, f"md-{run}-{service}-{replica}", {**self.env(), **own}, port
                )
                self.containers.append(container)
                container.start(self.command)

    def wait_ready(self, timeout_s: float = 240) -> None:
        """Wait until every container answers ready, keeping the answers in `readiness`."""
        deadline = time.monotonic() + timeout_s
        for container in self.containers:
            path = "/healthz" if container.service == "gateway" else "/readyz"
            url = f"http://127.0.0.1:{container.health_port}{path}"
            while True:
                try:
                    response = httpx.get(url, timeout=5)
                    if response.status_code == 200:
                        self.readiness[container.name] = response.json()
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    logs = container.logs(self.command)[-3000:]
                    raise TimeoutError(f"{container.name} not ready:\n{logs}")
                time.sleep(0.5)

    def print_logs(self, lines: int = 30) -> None:
        """The end of every container's log, for a failing test's report."""
        for container in self.containers:
            tail = "\n".join(container.logs(self.command).splitlines()[-lines:])
            print(f"---- {container.name} ----\n{tail}")

    def remove(self) -> None:
        """Stop and remove every container."""
        for container in self.containers:
            container.remove(self.command)
