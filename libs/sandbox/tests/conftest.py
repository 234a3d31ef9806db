"""Canaries that would show a successful attack, and the sandboxes the tests share."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from modulardata.sandbox.sandbox import Sandbox

SECRET_NAME = "MODULARDATA_TEST_CANARY_SECRET"


@dataclass(frozen=True)
class Canaries:
    """A file that must stay absent, a secret file and variable, and a listening socket."""

    absent_file: Path
    secret_file: Path
    secret: str
    listener: socket.socket

    @property
    def port(self) -> int:
        return int(self.listener.getsockname()[1])

    def fill(self, code: str) -> str:
        """The snippet with its placeholders pointing at the canaries."""
        return (
            code.replace("CANARY_FILE", str(self.absent_file))
            .replace("SECRET_FILE", str(self.secret_file))
            .replace("CANARY_PORT", str(self.port))
            .replace("SECRET_NAME", SECRET_NAME)
        )

    def assert_untouched(self, *outputs: object) -> None:
        """No file appeared, no connection arrived, and no output holds the secret."""
        assert not self.absent_file.exists()
        assert self.secret_file.read_text() == self.secret
        try:
            connection, _ = self.listener.accept()
        except BlockingIOError:
            pass
        else:
            connection.close()
            raise AssertionError("the canary socket received a connection")
        for output in outputs:
            assert self.secret not in str(output)


@pytest.fixture(scope="session")
def canaries(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Canaries]:
    # Set before any sandbox starts, so a leak of the service's environment would show.
    folder = tmp_path_factory.mktemp("canaries")
    os.chmod(folder, 0o755)
    secret = f"s3cr3t-{secrets.token_hex(8)}"
    secret_file = folder / "secret.txt"
    secret_file.write_text(secret)
    os.chmod(secret_file, 0o600)
    os.environ[SECRET_NAME] = secret
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)
    try:
        yield Canaries(folder / "pwned", secret_file, secret, listener)
    finally:
        listener.close()
        os.environ.pop(SECRET_NAME, None)


@pytest.fixture(scope="session")
def sandbox(canaries: Canaries) -> Iterator[Sandbox]:
    """The sandbox the tests share, started once the canaries are in place."""
    box = Sandbox()
    box.start()
    yield box
    box.close()
