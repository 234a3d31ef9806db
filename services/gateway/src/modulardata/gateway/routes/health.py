"""Liveness (the process answers HTTP) and readiness (its database answers and holds the read
models it serves)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.exc import DBAPIError

from modulardata.gateway.adapters import readmodel_queries
from modulardata.gateway.api.deps import EngineDep
from modulardata.gateway.exceptions import Unavailable
from modulardata.gateway.schemas.errors import ErrorBody
from modulardata.gateway.schemas.health import Health

router = APIRouter(tags=["health"])


@router.get("/livez", include_in_schema=False)
async def livez() -> dict[str, str]:
    """200 while the process serves HTTP: nothing it depends on is asked, so an outage of the
    database or the broker makes it unready (`/healthz`), never restarted."""
    return {"status": "live"}


@router.get("/healthz", responses={503: {"model": ErrorBody}})
async def healthz(engine: EngineDep) -> Health:
    """200 when the gateway can serve requests, 503 when the database cannot yet."""
    try:
        missing = await readmodel_queries.missing_read_models(engine)
    except DBAPIError as exc:
        raise Unavailable("the database does not answer", code="database_unavailable") from exc
    if missing:
        raise Unavailable(
            f"the database lacks read models (run modulardata-migrate): {missing}",
            code="read_models_missing",
        )
    return Health()
