"""The demo's supervision: a real-looking board through the services."""

from __future__ import annotations

import pytest
from django.utils import timezone

from vigie.accounts.models import User
from vigie.cmdb import demo as cmdb_demo
from vigie.monitoring.demo import load_demo
from vigie.monitoring.models import Alert, Check, Ping, ProbeResult
from vigie.servicedesk.demo import build_organizations
from vigie.tenancy.models import Role

pytestmark = pytest.mark.django_db


def test_demo_supervision_shows_every_kind_of_trouble():
    import random

    world = build_organizations(random.Random(1))
    admin = User.objects.get(memberships__organization=world.provider, memberships__role=Role.ADMIN)
    cmdb_demo.load(admin, world.clients, world.employees, {})
    now = timezone.now()
    made = load_demo(now)
    clients = len(world.clients)
    assert made == 7 * clients == Check.objects.count()
    assert set(Check.objects.values_list("kind", flat=True)) == {"heartbeat", "http", "tcp", "tls", "dns", "domain"}
    assert Check.objects.filter(status="late", is_backup=True).count() == 1
    down = Check.objects.get(status="down")
    assert down.kind == "http"
    alert = Alert.objects.get(source_check=down)
    assert alert.status == "firing" and alert.severity == "critical" and alert.ticket is not None and alert.occurrences == 7
    assert Alert.objects.filter(status="firing", severity="warning", source_check__kind="tls").exists()
    assert Alert.objects.filter(status="resolved", source_kind="alertmanager").count() == clients
    assert ProbeResult.objects.filter(at__gt=now).count() == 0 and Ping.objects.filter(at__gt=now).count() == 0
    assert ProbeResult.objects.count() > 1000 and Ping.objects.filter(kind="success").count() > 20
    assert Check.objects.filter(status="up").count() >= 4 * clients
