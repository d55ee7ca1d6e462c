"""The scheduler: publishes scheduled entries when their time comes, in every server process.

A task of the app's lifespan. Each step publishes what is due (``Actions.publish_due``, which
publishes each entry once even when several processes step at the same moment), then sleeps
until the earliest scheduled entry is due, at most ``scheduler_seconds`` (entries scheduled
by another process are seen within that). A process that starts publishes at once what came due
while no server ran. A step that fails is logged and tried again at the next one.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress

from starlette.concurrency import run_in_threadpool

from liveblog.actions import Actions

log = logging.getLogger("liveblog.scheduler")
MIN_SLEEP = 0.02
"""Seconds between steps at least (a clock a little ahead of the database's cannot spin)."""


class Scheduler:
    def __init__(self, actions: Actions, interval: float) -> None:
        self.actions = actions
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.interval > 0 and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(await run_in_threadpool(self.step))

    def step(self) -> float:
        """Publish what is due; the seconds until the next step."""
        try:
            published = self.actions.publish_due()
            if published:
                log.info("published %d scheduled entries", len(published))
            due = self.actions.next_due()
        except Exception:
            log.exception("the scheduler's step failed; trying again")
            return self.interval
        if due is None:
            return self.interval
        until = (due - self.actions.clock()).total_seconds()
        return max(MIN_SLEEP, min(self.interval, until))
