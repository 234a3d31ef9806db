"""A Kafka broker of a test's own, run by deploy/local/kafka.sh in a folder of the test's:
a test may stop and restart it without touching the broker every other test shares."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.stack import free_port

KAFKA_SH = Path(__file__).resolve().parents[2] / "deploy" / "local" / "kafka.sh"


@dataclass
class PrivateBroker:
    """A single-node broker with its data under `run_dir`, on ports nobody else uses."""

    run_dir: Path
    port: int = field(default_factory=free_port)
    controller_port: int = field(default_factory=free_port)

    @property
    def bootstrap(self) -> str:
        """Its bootstrap servers."""
        return f"127.0.0.1:{self.port}"

    def up(self) -> None:
        """Start it (again, on the same data) and wait until it answers."""
        self._run("up")

    def down(self) -> None:
        """Stop it and wait until its process has exited."""
        self._run("down")

    def kill(self) -> None:
        """SIGKILL it, as a crash would, and wait until its port refuses connections (its
        threads end, and its sockets close, some time after the signal)."""
        pid = int((self.run_dir / "kafka" / "kafka.pid").read_text())
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while _accepts(self.port):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the killed broker (pid {pid}) still accepts connections")
            time.sleep(0.01)

    def clean(self) -> None:
        """Stop it and delete its data."""
        self._run("clean")

    def _run(self, command: str) -> None:
        env = {
            name: value for name, value in os.environ.items() if name != "KAFKA_BOOTSTRAP_SERVERS"
        }
        env |= {
            "MODULARDATA_RUN_DIR": str(self.run_dir),
            "MODULARDATA_KAFKA_PORT": str(self.port),
            "MODULARDATA_KAFKA_CONTROLLER_PORT": str(self.controller_port),
            "MODULARDATA_KAFKA_HEAP_OPTS": "-Xmx256m -Xms128m",
        }
        subprocess.run(["bash", str(KAFKA_SH), command], env=env, check=True)


def _accepts(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0
