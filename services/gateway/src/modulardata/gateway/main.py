"""The composition root: `create_app` builds the gateway from its settings."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import Depends, FastAPI

from modulardata.gateway.adapters.api_keys import register_api_key
from modulardata.gateway.adapters.link_probes import (
    BackendLinks,
    LinkWatcher,
    Probe,
    accepting_connections,
    database_probe,
    kafka_probe,
)
from modulardata.gateway.adapters.metrics import GatewayMetrics
from modulardata.gateway.adapters.rate_limits import RateLimits
from modulardata.gateway.adapters.readmodel_queries import PostgresReadModels
from modulardata.gateway.api.admission import backends_answer, within_rate_limit
from modulardata.gateway.api.deps import Resources, bearer_scheme
from modulardata.gateway.api.error_responses import install_error_handlers
from modulardata.gateway.api.idempotency_middleware import IdempotencyMiddleware
from modulardata.gateway.api.metrics_middleware import MetricsMiddleware
from modulardata.gateway.api.openapi import install_openapi
from modulardata.gateway.config import GatewaySettings
from modulardata.gateway.routes import (
    chat,
    data,
    datasets,
    diff,
    health,
    metrics,
    profiles,
    recipes,
    sessions,
    tasks,
)
from modulardata.gateway.schemas.errors import ErrorBody
from modulardata.messaging.bus import Bus, make_broker
from modulardata.messaging.topics import ensure_topics
from modulardata.readmodels.engine import make_engine
from modulardata.schema.upgrade import upgrade_to_head

log = logging.getLogger(__name__)

LOCAL_KEY_NAME = "local"


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    """The gateway app; connections are made when its lifespan starts, not here."""
    settings = settings or GatewaySettings()
    broker = make_broker(settings, client_id="modulardata-gateway")
    gateway_metrics = GatewayMetrics()
    # A connection of its own each time: one an outage left broken would pass for a new one.
    probe_engine = make_engine(
        settings.database_url, connect_timeout_s=settings.database_connect_timeout_s, pooled=False
    )
    engine = make_engine(
        settings.database_url,
        pool_size=settings.database_pool_size,
        max_overflow=0,
        pool_timeout_s=settings.database_pool_timeout_s,
        connect_timeout_s=settings.database_connect_timeout_s,
    )
    reads = engine.execution_options(isolation_level="AUTOCOMMIT")
    resources = Resources(
        settings=settings,
        engine=engine,
        reads=reads,
        read_models=PostgresReadModels(reads),
        storage=settings.open_storage(),
        bus=Bus(broker, settings),
        metrics=gateway_metrics,
        rate_limits=RateLimits(settings.rate_limit),
        links=BackendLinks(
            kafka=_watcher(
                "kafka",
                kafka_probe(broker, settings.kafka_bootstrap_servers),
                settings,
                gateway_metrics,
                quick_probe=partial(accepting_connections, settings.kafka_bootstrap_servers),
            ),
            database=_watcher("database", database_probe(probe_engine), settings, gateway_metrics),
        ),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.create_topics:
            await ensure_topics(settings)
        await upgrade_to_head(settings.database_url)
        if settings.api_key is not None:
            key_id = await register_api_key(
                resources.engine, settings.api_key.get_secret_value(), LOCAL_KEY_NAME
            )
            log.info("local API key registered as %s", key_id)
        await resources.bus.broker.start()
        try:
            async with resources.links.watched():
                yield
        finally:
            await resources.bus.broker.stop()
            await resources.engine.dispose()
            await probe_engine.dispose()

    app = FastAPI(
        title="ModularData gateway",
        version="0.1.0",
        lifespan=lifespan,
        responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 422: {"model": ErrorBody}},
    )
    app.state.resources = resources
    install_error_handlers(app)
    install_openapi(app)
    # Inside the metrics, so replayed answers are counted too.
    app.add_middleware(IdempotencyMiddleware, resources=resources)
    app.add_middleware(MetricsMiddleware, metrics=resources.metrics)
    app.include_router(health.router)
    app.include_router(metrics.router)
    for module in (sessions, datasets, chat, tasks, data, diff, profiles, recipes):
        # The rate limit comes first: an over-limit request costs no query; then a backend
        # known to be down answers 503 before the request waits on it.
        app.include_router(
            module.router,
            dependencies=[
                Depends(within_rate_limit),
                Depends(backends_answer),
                Depends(bearer_scheme),
            ],
            responses={429: {"model": ErrorBody, "description": "Over a limit; see Retry-After."}},
        )
    return app


def _watcher(
    name: str,
    probe: Probe,
    settings: GatewaySettings,
    registry: GatewayMetrics,
    *,
    quick_probe: Probe | None = None,
) -> LinkWatcher:
    return LinkWatcher(
        name,
        probe,
        interval_s=settings.link_probe_interval_s,
        timeout_s=settings.link_probe_timeout_s,
        gauge=registry.backend_up.labels(backend=name),
        quick_probe=quick_probe,
    )
