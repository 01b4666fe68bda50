"""``{% ticket_configuration_items ticket %}``: the CIs a ticket concerns, and their impact, on the ticket page."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from vigie.cmdb import impact
from vigie.cmdb.forms import TicketLinkForm
from vigie.cmdb.models import TicketConfigurationItem
from vigie.cmdb.permissions import can_manage
from vigie.servicedesk.models import Ticket, TicketType

register = template.Library()


@register.inclusion_tag("cmdb/partials/_ticket_items.html", takes_context=True)
def ticket_configuration_items(context: dict[str, Any], ticket: Ticket) -> dict[str, Any]:
    user = context["request"].user
    links = list(
        TicketConfigurationItem.objects.filter(ticket=ticket)
        .select_related("configuration_item")
        .order_by("configuration_item__name")
    )
    editable = can_manage(user, ticket.organization_id)
    analysis = None
    if links and ticket.type == TicketType.INCIDENT:
        analysis = impact.analyse([link.configuration_item for link in links])
    return {
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
        "ticket": ticket,
        "links": links,
        "can_edit": editable,
        "form": TicketLinkForm(organization_id=ticket.organization_id) if editable else None,
        "impact": analysis,
        "impact_title": _("Impact of this incident"),
    }
