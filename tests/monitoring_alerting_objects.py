"""Alerting objects of one client, for the route walks (tests/test_ui_routes.py, tests/test_api_isolation.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from vigie.monitoring.alerting.policy import policy_for
from vigie.monitoring.models import Alert, MaintenanceWindow, NotificationChannel


def alerting_objects(world: Any, organization: Any, secret: str = "Secret du cabinet") -> dict[str, int]:
    now = timezone.now()
    window = MaintenanceWindow.objects.create(
        organization=organization, name=f"{secret} maintenance", starts_at=now, ends_at=now + timedelta(hours=1)
    )
    channel = NotificationChannel.objects.create(
        organization=organization, name=f"{secret} astreinte", kind="email", email_addresses="astreinte@x.test"
    )
    alert = Alert.objects.create(
        organization=organization,
        dedup_key=f"{secret}-key",
        source_kind="webhook",
        summary=f"{secret} alerte",
        first_seen_at=now,
        last_seen_at=now,
        fired_at=now,
    )
    policy = policy_for(organization.pk)
    return {
        "window_id": window.pk,
        "channel_id": channel.pk,
        "alert_id": alert.pk,
        "organization_id": organization.pk,
        "policy_id": policy.pk,
    }
