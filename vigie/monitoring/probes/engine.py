"""The probe engine: one asyncio loop running many checks at once, with a concurrency cap.

The loop claims due checks while it has free slots, runs each as a task, and hands finished
runs to a single database thread that writes them in batches (one transaction, a bulk insert of
results and one executemany of check updates). The event loop never waits on the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from django.db import InterfaceError, OperationalError, close_old_connections, connection
from django.utils import timezone

from vigie.monitoring.probes import store
from vigie.monitoring.probes.base import ProbeJob
from vigie.monitoring.probes.runner import ProbeResources, run_probe

logger = logging.getLogger(__name__)
T = TypeVar("T")
# httpx logs every request at INFO: thousands of lines a minute from a probe, and real CPU.
for _noisy in ("httpx", "httpcore"):
    logging.getLogger(_noisy).setLevel(logging.WARNING)

FLUSH_SIZE = 500
FLUSH_SECONDS = 0.2
POLL_SECONDS = 0.1
HEALTH_CHECK_SECONDS = 30.0


def _close_connection() -> None:
    connection.close()


def process_name(name: str = "") -> str:
    """``name`` or the host name, with the process id: what ``ProbeResult.probe_name`` shows."""
    return (name or f"{socket.gethostname()[:40]}:{os.getpid()}")[:64]


@dataclass
class EngineStats:
    claimed: int = 0
    completed: int = 0
    recorded: int = 0
    released: int = 0
    batches: int = 0
    claim_seconds: float = 0.0
    write_seconds: float = 0.0


@dataclass
class ProbeEngine:
    name: str = ""
    concurrency: int = 500
    batch_size: int = 500
    stats: EngineStats = field(default_factory=EngineStats)

    def __post_init__(self) -> None:
        self.name = process_name(self.name)
        self._token = f"{socket.gethostname()[:24]}:{os.getpid()}:{secrets.token_hex(4)}"
        self._sequence = 0
        self._stopping = asyncio.Event()
        self._policies = store.PolicyCache()
        # Two database threads, each with its own connection: claiming the next batch does not
        # wait for the previous batch's results to be written.
        self._claimer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vigie-probe-claim")
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vigie-probe-write")
        self._running: dict[asyncio.Task[None], ProbeJob] = {}
        self._finished: list[store.Completed] = []
        self._flushing: asyncio.Future[int] | None = None
        self._wake = asyncio.Event()
        self._resources: ProbeResources | None = None
        self._checked_at: dict[int, float] = {}

    # -- database thread ------------------------------------------------------------------------

    async def _in_db(self, function: Callable[..., T], *args: Any, executor: ThreadPoolExecutor | None = None) -> T:
        def call() -> T:
            # Health-check the connection now and then, not on every call (with SQLite's
            # CONN_MAX_AGE of 0, close_old_connections would reopen the database each time).
            now, thread = time.monotonic(), threading.get_ident()
            if now - self._checked_at.get(thread, 0.0) > HEALTH_CHECK_SECONDS:
                self._checked_at[thread] = now
                close_old_connections()
            try:
                return function(*args)
            except (OperationalError, InterfaceError):
                connection.close()  # reconnect on the next call
                raise

        return await asyncio.get_running_loop().run_in_executor(executor or self._claimer, call)

    def _next_claim(self) -> str:
        self._sequence += 1
        return f"{self._token}#{self._sequence}"[:64]

    # -- the loop -------------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop claiming; in-flight runs finish and are recorded (SIGTERM, Ctrl+C)."""
        self._stopping.set()
        self._wake.set()

    async def run(self, once: bool = False, grace_seconds: float = 30.0) -> EngineStats:
        self._resources = ProbeResources()
        cutoff: datetime | None = timezone.now() if once else None
        try:
            while not self._stopping.is_set():
                claimed = await self._claim(cutoff)
                if once and not claimed and not self._running:
                    break
                await self._maybe_flush()
                if claimed == 0 or len(self._running) >= self.concurrency:
                    await self._sleep(POLL_SECONDS)
            await self._drain(grace_seconds)
        finally:
            await self._flush()
            if self._resources is not None:
                await self._resources.aclose()
            for executor in (self._claimer, self._writer):
                await self._in_db(_close_connection, executor=executor)
                executor.shutdown(wait=True)
        return self.stats

    async def _claim(self, cutoff: datetime | None) -> int:
        free = self.concurrency - len(self._running)
        # Claim in chunks (not one by one as slots free up): fewer, larger transactions.
        if free < min(self.batch_size, self.concurrency) // 4 or free <= 0:
            return 0
        started = time.perf_counter()
        try:
            jobs = await self._in_db(store.claim_batch, self._next_claim(), min(free, self.batch_size), self._policies, cutoff)
        except Exception:
            logger.exception("claiming checks failed; trying again")
            return 0
        finally:
            self.stats.claim_seconds += time.perf_counter() - started
        self.stats.claimed += len(jobs)
        if jobs:
            self.stats.batches += 1
        for job in jobs:
            task = asyncio.create_task(self._run_one(job))
            self._running[task] = job
            task.add_done_callback(self._done)
        return len(jobs)

    async def _run_one(self, job: ProbeJob) -> None:
        assert self._resources is not None
        outcome = await run_probe(job, self._resources)
        self._finished.append(store.Completed(job, outcome, timezone.now()))
        self.stats.completed += 1

    def _done(self, task: asyncio.Task[None]) -> None:
        self._running.pop(task, None)
        self._wake.set()

    async def _sleep(self, seconds: float) -> None:
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    async def _maybe_flush(self) -> None:
        if self._flushing is not None and self._flushing.done():
            self._flushing = None
        if self._flushing is None and self._finished:
            oldest = self._finished[0].finished_at
            if len(self._finished) >= FLUSH_SIZE or (timezone.now() - oldest).total_seconds() >= FLUSH_SECONDS:
                batch, self._finished = self._finished, []
                self._flushing = asyncio.ensure_future(self._write(batch))

    async def _write(self, batch: list[store.Completed]) -> int:
        started = time.perf_counter()
        try:
            recorded = await self._in_db(store.write_results, batch, self.name, executor=self._writer)
        except Exception:
            logger.exception("writing %s probe results failed; their claims will expire and be run again", len(batch))
            return 0
        finally:
            self.stats.write_seconds += time.perf_counter() - started
        self.stats.recorded += recorded
        return recorded

    async def _flush(self) -> None:
        if self._flushing is not None:
            await self._flushing
            self._flushing = None
        if self._finished:
            batch, self._finished = self._finished, []
            await self._write(batch)

    async def _drain(self, grace_seconds: float) -> None:
        """Let in-flight runs finish; past the grace period, cancel them and release their claims."""
        if self._running:
            _done, pending = await asyncio.wait(list(self._running), timeout=grace_seconds)
            if pending:
                unfinished = [self._running[task] for task in pending if task in self._running]
                for task in pending:
                    task.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
                self.stats.released += await self._in_db(store.release, unfinished)
