"""Helpers for the alerting tests: raise signals at a given time, then follow them up as the
worker would (at the same frozen time)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from vigie.monitoring.alerting import processing
from vigie.monitoring.alerting.signals import Signal, record_signals
from vigie.monitoring.models import Alert

PARIS = ZoneInfo("Europe/Paris")


def paris(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=PARIS)


def signal(organization: Any, at: datetime, *, firing: bool = True, key: str = "web-down", **extra: Any) -> Alert | None:
    """Record one signal at ``at`` and run its follow-up then; returns the alert."""
    with time_machine.travel(at, tick=False):
        touched = record_signals(
            [
                Signal(
                    organization_id=organization.pk,
                    dedup_key=key,
                    firing=firing,
                    at=at,
                    source_kind="webhook",
                    summary=extra.pop("summary", "Site web injoignable"),
                    **extra,
                )
            ]
        )
        for alert in touched:
            processing.follow_up(alert.pk, now=at)
    return Alert.objects.get(pk=touched[0].pk) if touched else None


def at_time(moment: datetime) -> Any:
    return time_machine.travel(moment, tick=False)
