"""The demo loads a realistic world through the services, and e-mails nobody: tickets in every
state, the service levels of each client (calendars, policies, escalations, business services),
incidents tied to the services they hurt, and satisfaction surveys answered by a share of the
requesters. (The SLA clocks themselves are the engine's, tested with it.)"""

from __future__ import annotations

from collections import Counter
from datetime import time, timedelta

import holidays
import pytest
from django.db.models import F
from django.utils import timezone

from vigie.catalog.models import BusinessService, Criticality
from vigie.cmdb.impact import analyse
from vigie.cmdb.models import ConfigurationItem
from vigie.notifications.models import OutboundEmail
from vigie.servicedesk import satisfaction
from vigie.servicedesk.demo import SURVEY_COMMENTS, DemoWorld, load_demo
from vigie.servicedesk.models import (
    FINISHED_STATUSES,
    Attachment,
    Comment,
    Priority,
    SatisfactionSurvey,
    Ticket,
    TicketEvent,
    TicketStatus,
    TicketType,
)
from vigie.sla import demo as sla_demo
from vigie.sla.models import BusinessCalendar, ClockKind, EscalationAction, EscalationRule, SlaPolicy, SlaTarget, TicketSla
from vigie.tenancy.models import Organization, OrganizationKind

pytestmark = pytest.mark.django_db


def test_demo_world_is_realistic_and_silent():
    world = load_demo()
    assert Organization.objects.filter(kind=OrganizationKind.CLIENT).count() == 3
    assert len(world.groups) == 3 and len({g.pk for g in world.groups.values()}) == 2
    # 500 tickets, and the incident that the supervision demo opened from its alert.
    assert Ticket.objects.exclude(channel="monitoring").count() == 500
    assert Ticket.objects.filter(channel="monitoring").count() == 1
    statuses = set(Ticket.objects.values_list("status", flat=True))
    assert statuses == set(TicketStatus.values), "the demo shows every state of the workflow"
    assert Comment.objects.filter(is_internal=True).exists() and Comment.objects.filter(is_internal=False).exists()
    assert Attachment.objects.exists()
    now = timezone.now()
    assert not TicketEvent.objects.filter(at__gt=now).exists()
    assert not Ticket.objects.filter(created_at__gt=now).exists()
    assert OutboundEmail.objects.count() == 0
    check_calendars(world)
    check_policies(world)
    check_services(world)
    check_surveys(world)


def check_calendars(world: DemoWorld) -> None:
    office = BusinessCalendar.objects.get(organization=world.provider, name="Heures ouvrées (Paris)")
    assert (office.time_zone, office.is_24x7, office.holiday_country, office.holiday_subdivision) == (
        "Europe/Paris",
        False,
        "FR",
        "",
    )
    ranges = sorted((r.weekday, r.start, r.end) for r in office.ranges.all())
    assert ranges == [
        (day, start, end) for day in range(5) for start, end in ((time(8, 30), time(12, 30)), (time(13, 30), time(18, 0)))
    ]
    assert office.closures.filter(name="Pont de l'Ascension").count() == 3
    around = BusinessCalendar.objects.get(organization=world.provider, name="24×7")
    assert around.is_24x7 and not around.ranges.exists()
    # The client in Strasbourg has the holidays of Alsace-Moselle on its own calendar.
    lefevre = Organization.objects.get(slug="lefevre")
    assert lefevre.sites.get().city == "Strasbourg"
    regional = BusinessCalendar.objects.get(organization=lefevre)
    assert (regional.holiday_country, regional.holiday_subdivision, regional.ranges.count()) == ("FR", "6AE", 10)
    year = timezone.localdate().year
    regional_days = set(holidays.country_holidays("FR", subdiv=regional.holiday_subdivision, years=year))
    national_days = set(holidays.country_holidays("FR", years=year))
    assert {(d.month, d.day) for d in regional_days - national_days} >= {(12, 26)}, "Saint Stephen's Day"


def check_policies(world: DemoWorld) -> None:
    around = BusinessCalendar.objects.get(name="24×7")
    for client in world.clients:
        general = SlaPolicy.objects.get(organization=client, category__isnull=True)
        assert general.is_active and general.ticket_type == ""
        assert general.resolution_pause_statuses == [TicketStatus.WAITING_CUSTOMER]
        assert general.response_pause_statuses == []
        expected_calendar = "Heures ouvrées (Strasbourg)" if client.slug == "lefevre" else "Heures ouvrées (Paris)"
        assert general.calendar.name == expected_calendar
        targets = {t.priority: (t.response_minutes, t.resolution_minutes, t.calendar_id) for t in general.targets.all()}
        day = 8 * 60 + 30
        assert targets == {
            Priority.P1: (15, 240, around.pk),
            Priority.P2: (30, 480, None),
            Priority.P3: (120, 2 * day, None),
            Priority.P4: (240, 5 * day, None),
            Priority.P5: (day, 10 * day, None),
        }
        rules = {(r.clock, r.at_percent, r.action, tuple(r.priorities)): r for r in general.escalations.all()}
        warn = rules[(ClockKind.RESOLUTION, 75, EscalationAction.NOTIFY, ())]
        assert warn.notify_assignee and not warn.notify_group_lead
        lead = rules[(ClockKind.RESOLUTION, 100, EscalationAction.NOTIFY, (2, 3))]
        assert lead.notify_group_lead
        assert (ClockKind.RESOLUTION, 100, EscalationAction.RAISE_PRIORITY, (2, 3)) in rules
    # One policy for a category, tried before the client's general one.
    special = SlaPolicy.objects.get(category__isnull=False)
    assert (special.organization.slug, special.category.full_name, special.ticket_type) == (
        "garnier",
        "Réseau",
        TicketType.INCIDENT,
    )
    assert special.order < SlaPolicy.objects.get(organization=special.organization, category__isnull=True).order
    assert special.targets.count() == 5
    assert EscalationRule.objects.filter(policy=special, clock=ClockKind.RESPONSE, notify_client_manager=True).exists()
    assert SlaTarget.objects.count() == 20
    # In this worktree the engine is a stub: the clocks appear once it computes them.
    assert TicketSla.objects.count() in (0, Ticket.objects.count())


def check_services(world: DemoWorld) -> None:
    for client in world.clients:
        services = list(BusinessService.objects.filter(organization=client))
        assert 3 <= len(services) <= 5
        assert all(s.hourly_downtime_cost and s.hourly_downtime_cost > 0 for s in services)
        assert len({s.criticality for s in services}) >= 3
        assert all(s.owner is not None and s.owner.memberships.filter(organization=client).exists() for s in services)
    linked = Ticket.objects.filter(service__isnull=False)
    assert linked.count() >= 50
    assert not linked.exclude(type=TicketType.INCIDENT).exists()
    assert not linked.exclude(service__organization=F("organization")).exists()
    outages = Ticket.objects.filter(outage_started_at__isnull=False)
    assert outages.count() >= 3 and not outages.filter(service__isnull=True).exists()
    for ticket in outages:
        assert ticket.outage_started_at <= ticket.created_at
        if ticket.outage_ended_at is not None:
            assert ticket.outage_started_at < ticket.outage_ended_at <= timezone.now()
    assert outages.filter(outage_ended_at__isnull=False).exists()


def check_surveys(world: DemoWorld) -> None:
    rates = dict(Organization.objects.clients().values_list("slug", "satisfaction_percent"))
    assert rates == sla_demo.SATISFACTION_PERCENT
    surveys = SatisfactionSurvey.objects.select_related("ticket")
    assert surveys.exists()
    assert not surveys.exclude(ticket__status__in=FINISHED_STATUSES).exists()
    # Each client's sample: exactly the tickets its rate picks among those resolved for a requester.
    for survey in surveys:
        assert satisfaction.is_sampled(survey.ticket_id, rates[survey.ticket.organization.slug])
        assert survey.sent_at == survey.ticket.resolved_at
    answered = list(SatisfactionSurvey.objects.answered())
    share = len(answered) / surveys.count()
    assert 0.4 < share < 0.8, share
    ratings = Counter(s.rating for s in answered)
    assert (ratings[4] + ratings[5]) / len(answered) > 0.6, ratings
    assert ratings[1] + ratings[2] > 0, "a few requesters are not happy"
    commented = [s for s in answered if s.comment]
    known = {comment for comments in SURVEY_COMMENTS.values() for comment in comments}
    assert len(commented) >= 10 and {s.comment for s in commented} <= known
    now = timezone.now()
    for survey in answered:
        assert survey.answered_at is not None and survey.sent_at <= survey.answered_at <= min(survey.expires_at, now)
        assert survey.expires_at == survey.sent_at + timedelta(days=14)

    # Each client's CMDB: the firewall carries the vital service; one hypervisor of the cluster
    # down leaves the file server up (degraded), both down take it and its services with them.
    for client in Organization.objects.clients():
        items = ConfigurationItem.objects.filter(organization=client)
        assert items.count() >= 12 and items.filter(ci_class="laptop", users__isnull=False).exists()
        firewall = items.get(name="Pare-feu FW-01")
        assert any(s.criticality == Criticality.VITAL for s in analyse(firewall).services)
        hosts = list(items.filter(name__startswith="SRV-HYPER-"))
        one_down = analyse(hosts[0])
        assert not one_down.services and one_down.degraded
        both_down = analyse(hosts)
        assert "Partages de fichiers" in {impacted.item.name for impacted in both_down.items} and both_down.services
