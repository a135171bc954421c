"""What the overview and backends pages count: each plugin's queue and its last 24 hours.

A handful of grouped queries over indexed columns, so the page costs the
same with a hundred events or a hundred thousand.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, literal_column, select

from gateway.states import Outcome
from gateway.store import Store, views
from gateway.store.models import attempts, deliveries

#: the chart's series: how attempts ended, the rest counted together
SERIES = (Outcome.SUCCEEDED, Outcome.TRANSIENT, Outcome.OUTCOME_UNKNOWN)


@dataclass
class Queue(views.QueueHealth):
    """A plugin's queue health (the same figures as /metrics) and its last 24 hours."""

    #: hour (0 = 23 hours ago … 23 = this hour) → outcome → attempts
    hours: list[dict[str, int]] = field(default_factory=lambda: [{} for _ in range(24)])

    def total(self, outcome: str) -> int:
        return sum(hour.get(outcome, 0) for hour in self.hours)

    def other(self) -> int:
        known = set(SERIES) | {Outcome.PERMANENT}
        return sum(n for hour in self.hours for kind, n in hour.items() if kind not in known)


def _hour_bucket(dialect: str) -> Any:
    if dialect == "postgresql":
        return func.to_char(
            func.timezone("UTC", attempts.c.ended_at), literal_column("'YYYY-MM-DD HH24'")
        )
    return func.strftime("%Y-%m-%d %H", attempts.c.ended_at)


async def queues(store: Store, plugins: list[str], now: datetime) -> dict[str, Queue]:
    found = {name: Queue() for name in plugins}
    since = (now - timedelta(hours=23)).replace(minute=0, second=0, microsecond=0)
    for plugin, health in (await views.queue_health(store)).items():
        if plugin in found:
            found[plugin] = Queue(**asdict(health))
    async with store.read() as connection:
        bucket = _hour_bucket(connection.dialect.name).label("hour")
        hourly = await connection.execute(
            select(deliveries.c.plugin, attempts.c.outcome, bucket, func.count())
            .select_from(attempts.join(deliveries, deliveries.c.id == attempts.c.delivery_id))
            .where(attempts.c.ended_at >= since)
            .group_by(deliveries.c.plugin, attempts.c.outcome, bucket)
        )
        for plugin, outcome, hour, number in hourly:
            queue = found.get(plugin)
            if queue is None or not hour:
                continue
            at = datetime.strptime(hour, "%Y-%m-%d %H").replace(tzinfo=since.tzinfo)
            index = int((at - since).total_seconds() // 3600)
            if 0 <= index < 24:
                slot = queue.hours[index]
                slot[outcome or "running"] = slot.get(outcome or "running", 0) + number
    return found
