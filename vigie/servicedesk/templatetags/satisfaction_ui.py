"""The satisfaction panel of the staff ticket page: the surveys asked, their state and answers."""

from __future__ import annotations

from typing import Any

from django import template

from vigie.servicedesk import satisfaction
from vigie.servicedesk.models import SatisfactionSurvey, Ticket

register = template.Library()

# A ticket reopened many times keeps all its surveys; the panel shows the latest few.
SHOWN = 5


@register.inclusion_tag("servicedesk/partials/_satisfaction.html")
def satisfaction_panel(ticket: Ticket) -> dict[str, Any]:
    surveys = list(
        SatisfactionSurvey.objects.filter(ticket=ticket).select_related("recipient").order_by("-sent_at", "-id")[:SHOWN]
    )
    rows = [
        {
            "survey": survey,
            "state": satisfaction.state_of(survey).value,
            "state_label": satisfaction.STATE_LABELS[satisfaction.state_of(survey)],
            "rating_label": satisfaction.RATING_LABELS.get(survey.rating or 0, ""),
        }
        for survey in surveys
    ]
    return {"ticket": ticket, "rows": rows, "percent": ticket.organization.satisfaction_percent}
