"""The body of the readiness probe."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class Health(BaseModel):
    """The gateway can serve requests."""

    status: Literal["ok"] = "ok"
