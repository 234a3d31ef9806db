"""What sealing event payloads costs: appending and reading the log with and without it.

"Sealed" is the event store as it runs (`eventstore.append` / `read_after`: the session's key
looked up, AES-256-GCM per payload, the key joined in on read); "plain" is the same code with
the event type stored in clear, as `SessionDeleted` is. Both run on a throwaway database on the
given server, one event per transaction as the handlers append.

    uv run python bench/sealing_bench.py --events 2000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid

import psycopg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from modulardata.contracts.envelope import Envelope
from modulardata.contracts.events import SessionDeleted, VersionCommitted
from modulardata.contracts.values import ColumnSchema
from modulardata.readmodels.engine import make_engine
from modulardata.schema.upgrade import upgrade_to_head
from modulardata.versioning import eventlog, eventstore, sealing

SESSIONS = 20
READ_BATCH = 500


def _envelopes(count: int) -> list[Envelope]:
    """`count` VersionCommitted events (about 1 KB of payload each) over a few sessions."""
    sessions = [uuid.uuid4() for _ in range(SESSIONS)]
    columns = tuple(ColumnSchema(name=f"column_{i}", dtype="string") for i in range(12))
    envelopes = []
    for i in range(count):
        session_id = sessions[i % SESSIONS]
        event = VersionCommitted(
            session_id=session_id,
            node_id=uuid.uuid4(),
            parent_id=uuid.uuid4(),
            storage_uri=f"file:///storage/sessions/{session_id}/nodes/{i}.parquet",
            content_hash="0" * 64,
            row_count=1000 + i,
            column_count=len(columns),
            columns=columns,
            description="Dropped rows where age is missing and trimmed the name column",
        )
        envelopes.append(Envelope.wrap(event, session_id=session_id, correlation_id=uuid.uuid4()))
    return envelopes


async def _append(engine: AsyncEngine, stream: str, version: int, envelope: Envelope) -> None:
    async with engine.begin() as conn:
        await eventstore.append(conn, stream, version, [envelope])


async def _read_all(engine: AsyncEngine) -> int:
    read, position = 0, 0
    async with engine.connect() as conn:
        while batch := await eventstore.read_after(conn, position, READ_BATCH):
            read, position = read + len(batch), batch[-1].position
    return read


async def _measure(engine: AsyncEngine, envelopes: list[Envelope]) -> tuple[list[float], float]:
    async with engine.begin() as conn:
        await conn.execute(text("DROP TRIGGER IF EXISTS events_append_only ON events"))
        await conn.execute(text("TRUNCATE events, session_keys RESTART IDENTITY"))
    versions: dict[str, int] = {}
    appends = []
    for envelope in envelopes:
        stream = f"session-{envelope.session_id}"
        version = versions.get(stream, 0)
        started = time.perf_counter()
        await _append(engine, stream, version, envelope)
        appends.append(time.perf_counter() - started)
        versions[stream] = version + 1
    started = time.perf_counter()
    assert await _read_all(engine) == len(envelopes)
    return appends, time.perf_counter() - started


def _crypto_us(envelopes: list[Envelope]) -> tuple[float, float]:
    key = sealing.new_key()
    started = time.perf_counter()
    sealed = [sealing.seal(key, e.payload, e.message_id) for e in envelopes]
    sealed_s = time.perf_counter() - started
    started = time.perf_counter()
    for e, s in zip(envelopes, sealed, strict=True):
        sealing.unseal(key, s, e.message_id)
    unsealed_s = time.perf_counter() - started
    return 1e6 * sealed_s / len(envelopes), 1e6 * unsealed_s / len(envelopes)


async def _run(database_url: str, count: int, rounds: int) -> None:
    await upgrade_to_head(database_url)
    engine = make_engine(database_url)
    try:
        envelopes = _envelopes(count)
        payload = statistics.mean(len(json.dumps(e.payload)) for e in envelopes)
        print(f"{count} events of ~{payload:.0f} B payload over {SESSIONS} sessions")
        seal_us, unseal_us = _crypto_us(envelopes)
        print(f"AES-GCM alone: seal {seal_us:.1f} us, unseal {unseal_us:.1f} us per event")
        modes = {"plain": {VersionCommitted.TYPE}, "sealed": set()}
        runs: dict[str, list[tuple[list[float], float]]] = {name: [] for name in modes}
        for _ in range(rounds):  # the modes take turns, so a busy machine slows both alike
            for name, clear in modes.items():
                # The store's one switch: types stored in clear skip the key and the cipher.
                eventlog.STORED_IN_CLEAR = frozenset({SessionDeleted.TYPE, *clear})
                runs[name].append(await _measure(engine, envelopes))
        for name, measured in runs.items():
            appends = sorted(t for run_appends, _ in measured for t in run_appends)
            p50 = 1000 * statistics.median(appends)
            p95 = 1000 * appends[round(0.95 * (len(appends) - 1))]
            reads = min(read_s for _, read_s in measured)
            print(
                f"{name:>6}: append p50 {p50:.2f} ms, p95 {p95:.2f} ms;"
                f" read all {1000 * reads:.0f} ms ({1e6 * reads / count:.0f} us/event)"
            )
    finally:
        await engine.dispose()


def main() -> None:
    """Measure on a throwaway database and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--server",
        default="postgresql://postgres@127.0.0.1:15432/postgres",
        help="a PostgreSQL database URL; the bench makes and drops its own database there",
    )
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    name = f"bench_sealing_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        asyncio.run(_run(args.server.rsplit("/", 1)[0] + "/" + name, args.events, args.rounds))
    finally:
        with psycopg.connect(args.server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
