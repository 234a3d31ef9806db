"""Readiness: the gateway is up, its database answers and holds the read models it serves."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.exc import DBAPIError

from modulardata.gateway.adapters import readmodel_queries
from modulardata.gateway.api.deps import EngineDep
from modulardata.gateway.exceptions import Unavailable
from modulardata.gateway.schemas.errors import ErrorBody
from modulardata.gateway.schemas.health import Health

router = APIRouter(tags=["health"])


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
