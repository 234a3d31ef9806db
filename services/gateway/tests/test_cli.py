"""The command line: `serve` keeps idle connections as set, `keys ...` manage keys in PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
import pytest
import uvicorn

from modulardata.gateway import cli
from modulardata.gateway.adapters.api_keys import hash_key, key_id_for


@pytest.fixture
def cli_database(gateway_database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The CLI's settings point at the test database."""
    monkeypatch.delenv("MODULARDATA_GATEWAY_DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", gateway_database_url)
    return gateway_database_url


@pytest.mark.parametrize("command", [["create-key"], ["keys", "create"]])
def test_create_key_prints_a_working_key_once(
    cli_database: str, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    cli.main([*command, "--name", "ci"])
    printed = capsys.readouterr()
    key = printed.out.strip()
    assert len(key) >= 40
    assert key not in printed.err
    with psycopg.connect(cli_database) as conn:
        row = conn.execute(
            "SELECT key_id, name, scope, revoked_at FROM api_keys WHERE key_hash = %s",
            (hash_key(key),),
        ).fetchone()
    assert row == (key_id_for(hash_key(key)), "ci", "read-write", None)


def test_keys_are_listed_and_revoked_by_id(
    cli_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cli.main(["keys", "create", "--name", "dashboard", "--scope", "read"])
    key_id = key_id_for(hash_key(capsys.readouterr().out.strip()))
    cli.main(["keys", "revoke", key_id])
    assert f"revoked {key_id}" in capsys.readouterr().err
    cli.main(["keys", "list"])
    listed = {
        line.split("\t")[0]: line.split("\t") for line in capsys.readouterr().out.splitlines()
    }
    _, scope, created, revoked, name = listed[key_id]
    assert (scope, name) == ("read", "dashboard")
    assert datetime.fromisoformat(revoked) >= datetime.fromisoformat(created)
    with pytest.raises(SystemExit, match="no API key 'key_unknown'"):
        cli.main(["keys", "revoke", "key_unknown"])


def test_idle_connections_outlast_the_clients_pools(monkeypatch: pytest.MonkeyPatch) -> None:
    served: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: served.update(options))
    for name in ("MODULARDATA_GATEWAY_HOST", "MODULARDATA_GATEWAY_KEEP_ALIVE_S"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MODULARDATA_GATEWAY_PORT", "8123")
    cli.main(["serve"])
    # Common clients drop idle connections after 60 s: the server must keep them longer.
    assert served == {"host": "127.0.0.1", "port": 8123, "timeout_keep_alive": 75}
