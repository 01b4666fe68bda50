"""Huey's periodic metric maintenance: rollups of closed hours and days, then retention."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from vigie.monitoring.metrics.rollups import maintain


@db_periodic_task(crontab(minute="7"))
def maintain_metrics() -> None:
    maintain(timezone.now())
