"""`modulardata-gateway serve` runs uvicorn with the settings' keep-alive."""

from __future__ import annotations

from typing import Any

import pytest
import uvicorn

from modulardata.gateway import cli


def test_idle_connections_outlast_the_clients_pools(monkeypatch: pytest.MonkeyPatch) -> None:
    served: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: served.update(options))
    for name in ("MODULARDATA_GATEWAY_HOST", "MODULARDATA_GATEWAY_KEEP_ALIVE_S"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MODULARDATA_GATEWAY_PORT", "8123")
    cli.main(["serve"])
    # Common clients drop idle connections after 60 s: the server must keep them longer.
    assert served == {"host": "127.0.0.1", "port": 8123, "timeout_keep_alive": 75}
