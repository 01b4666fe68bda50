"""Background work of the probes: results older than the retention period are deleted."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from vigie.monitoring.models import ProbeResult

BATCH = 5000


def purge_probe_results(days: int | None = None, batch: int = BATCH) -> int:
    """Delete results older than ``days`` (``VIGIE_PROBE_RESULT_RETENTION_DAYS``, 90), in batches."""
    keep = days if days is not None else int(getattr(settings, "VIGIE_PROBE_RESULT_RETENTION_DAYS", 90))
    before = timezone.now() - timedelta(days=keep)
    deleted = 0
    while True:
        ids = list(ProbeResult.objects.filter(at__lt=before).order_by().values_list("id", flat=True)[:batch])
        if not ids:
            return deleted
        deleted += ProbeResult.objects.filter(id__in=ids).delete()[0]


@db_periodic_task(crontab(minute="17", hour="3"))
def purge_probe_results_task() -> int:
    return purge_probe_results()
