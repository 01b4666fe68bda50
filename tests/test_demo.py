"""The demo loads a realistic world through the services, and e-mails nobody."""

from __future__ import annotations

import pytest
from django.utils import timezone

from vigie.notifications.models import OutboundEmail
from vigie.servicedesk.demo import load_demo
from vigie.servicedesk.models import Attachment, Comment, Ticket, TicketEvent, TicketStatus
from vigie.tenancy.models import Organization, OrganizationKind

pytestmark = pytest.mark.django_db


def test_demo_world_is_realistic_and_silent():
    world = load_demo()
    assert Organization.objects.filter(kind=OrganizationKind.CLIENT).count() == 3
    assert len(world.groups) == 3 and len({g.pk for g in world.groups.values()}) == 2
    assert Ticket.objects.count() == 500
    statuses = set(Ticket.objects.values_list("status", flat=True))
    assert statuses == set(TicketStatus.values), "the demo shows every state of the workflow"
    assert Comment.objects.filter(is_internal=True).exists() and Comment.objects.filter(is_internal=False).exists()
    assert Attachment.objects.exists()
    now = timezone.now()
    assert not TicketEvent.objects.filter(at__gt=now).exists()
    assert not Ticket.objects.filter(created_at__gt=now).exists()
    assert OutboundEmail.objects.count() == 0
