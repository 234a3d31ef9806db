"""The body of the readiness probe."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from modulardata.gateway.schemas.examples import shown


@shown({"status": "ok"})
class Health(BaseModel):
    """The gateway can serve requests."""

    status: Literal["ok"] = "ok"
