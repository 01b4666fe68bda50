"""The workaround of a known error reaches its incidents: once per incident, as an internal note,
and as a public reply to the requester when the known error says so."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from vigie.accounts.models import User
from vigie.problems.models import KnownError, Problem, ProblemEvent, ProblemEventKind, WorkaroundDelivery
from vigie.servicedesk import services as ticket_services
from vigie.servicedesk.models import Ticket


def note_text(problem: Problem, known_error: KnownError) -> str:
    return _("Known error %(reference)s: %(title)s\n\nSymptoms:\n%(symptoms)s\n\nWorkaround:\n%(workaround)s") % {
        "reference": problem.reference,
        "title": known_error.title,
        "symptoms": known_error.symptoms,
        "workaround": known_error.workaround,
    }


def reply_text(known_error: KnownError) -> str:
    return _(
        "We have identified the cause of this issue, which affects other users too. "
        "While we fix it for good, here is how to work around it:\n\n%(workaround)s"
    ) % {"workaround": known_error.workaround}


def deliver_workaround(problem: Problem, known_error: KnownError, tickets: Iterable[Ticket], *, by: User) -> list[str]:
    """Send the workaround to the open incidents among ``tickets`` that never received it.

    Runs inside the caller's transaction (the problem row is locked), so that two publications
    or links at the same time cannot send it twice; the unique delivery row guards it too."""
    candidates = [ticket for ticket in tickets if ticket.is_open]
    if not candidates:
        return []
    done = set(WorkaroundDelivery.objects.filter(problem=problem, ticket__in=candidates).values_list("ticket_id", flat=True))
    sent: list[str] = []
    now = timezone.now()
    for ticket in candidates:
        if ticket.pk in done:
            continue
        public = known_error.notify_requesters and ticket.requester_id is not None
        ticket_services.add_comment(ticket, by=by, body=note_text(problem, known_error), internal=True, at=now)
        if public:
            ticket_services.add_comment(ticket, by=by, body=reply_text(known_error), at=now)
        WorkaroundDelivery.objects.create(problem=problem, ticket=ticket, delivered_at=now, public=public)
        sent.append(ticket.reference)
    if sent:
        ProblemEvent.objects.create(
            problem=problem, kind=ProblemEventKind.WORKAROUND_SENT, actor=by, at=now, data={"incidents": sent}
        )
    return sent
