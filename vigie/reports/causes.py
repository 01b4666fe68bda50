"""Why a ticket missed its SLA, in plain words, from what its timeline shows.

Each finding is a fact of the record (time spent waiting for a third party or for the customer,
reassignments, a priority raised on the way, a reopening, an opening outside business hours, a
late first answer), with its figure. When the record shows none of these, the review says so
rather than guess: the work itself took longer than the target.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vigie.reports.formatting import duration
from vigie.servicedesk.models import EventKind, Priority, Ticket, TicketEvent, TicketStatus
from vigie.sla.calendars import CalendarSpec, is_open
from vigie.sla.models import TicketSla

# Below this, a wait or a delay is not worth a line in front of a steering committee.
NOTABLE_SECONDS = 15 * 60


def time_in_statuses(ticket: Ticket, events: Sequence[TicketEvent], until: datetime) -> dict[str, float]:
    """Seconds spent in each status, replayed from the status changes of the timeline."""
    spent: dict[str, float] = {}
    status, since = str(TicketStatus.NEW), ticket.created_at
    for event in events:
        if event.kind != EventKind.STATUS:
            continue
        old = str(event.data.get("old") or status)
        spent[old] = spent.get(old, 0.0) + max((event.at - since).total_seconds(), 0.0)
        status, since = str(event.data.get("new") or status), event.at
    spent[status] = spent.get(status, 0.0) + max((until - since).total_seconds(), 0.0)
    return spent


def _priority_label(value: object) -> str:
    try:
        return f"P{Priority(int(str(value))).value}"
    except ValueError:
        return str(value)


def breach_causes(
    ticket: Ticket,
    events: Sequence[TicketEvent],
    sla: TicketSla | None,
    *,
    calendar: CalendarSpec | None = None,
    now: datetime | None = None,
) -> list[str]:
    """Plain-language findings on a ticket that missed a target, most telling first.

    ``events`` are the ticket's status, assignment and priority events in time order;
    ``calendar`` the business calendar of its SLA policy (None: not known, nothing said about hours).
    """
    now = now or timezone.now()
    until = ticket.resolved_at or now
    findings: list[str] = []
    spent = time_in_statuses(ticket, events, until)

    third_party = spent.get(TicketStatus.WAITING_THIRD_PARTY, 0.0)
    if third_party >= NOTABLE_SECONDS:
        findings.append(
            _("Waited %(duration)s for a third party (supplier, vendor or carrier).") % {"duration": duration(third_party)}
        )
    customer = spent.get(TicketStatus.WAITING_CUSTOMER, 0.0)
    if customer >= NOTABLE_SECONDS:
        findings.append(_("Waited %(duration)s for an answer from your side.") % {"duration": duration(customer)})

    assignments = [event for event in events if event.kind == EventKind.ASSIGNED]
    reassignments = max(ticket.reassignment_count, len(assignments) - 1, 0)
    if reassignments:
        findings.append(
            ngettext(
                "Passed %(count)s time between teams or technicians.",
                "Passed %(count)s times between teams or technicians.",
                reassignments,
            )
            % {"count": reassignments}
        )
    first_assignment = next((event for event in assignments if event.data.get("new_assignee")), None)
    unassigned = ((first_assignment.at if first_assignment else until) - ticket.created_at).total_seconds()
    if unassigned >= 4 * NOTABLE_SECONDS and (first_assignment is not None or ticket.assignee_id is None):
        findings.append(_("Waited %(duration)s before a technician took it.") % {"duration": duration(unassigned)})

    for event in events:
        if event.kind != EventKind.PRIORITY:
            continue
        old, new = event.data.get("old"), event.data.get("new")
        if isinstance(old, int) and isinstance(new, int) and new < old:
            findings.append(
                _("Priority raised from %(old)s to %(new)s on %(date)s, which shortened the target.")
                % {
                    "old": _priority_label(old),
                    "new": _priority_label(new),
                    "date": date_format(timezone.localtime(event.at), "SHORT_DATETIME_FORMAT"),
                }
            )

    if ticket.reopen_count:
        findings.append(
            ngettext(
                "Reopened %(count)s time after a resolution that did not hold.",
                "Reopened %(count)s times after a resolution that did not hold.",
                ticket.reopen_count,
            )
            % {"count": ticket.reopen_count}
        )

    if calendar is not None and not calendar.is_24x7 and not is_open(calendar, ticket.created_at):
        findings.append(
            _("Opened outside business hours (%(date)s): work could only start at the next opening.")
            % {"date": date_format(timezone.localtime(ticket.created_at), "SHORT_DATETIME_FORMAT")}
        )

    if sla is not None and sla.response_met is False and ticket.first_response_at is not None:
        findings.append(
            _("First answer %(duration)s after the ticket was opened (target: %(target)s of business time).")
            % {
                "duration": duration((ticket.first_response_at - ticket.created_at).total_seconds()),
                "target": duration((sla.response_target_minutes or 0) * 60),
            }
        )

    if not findings:
        if sla is not None and sla.resolution_target_minutes:
            findings.append(
                _(
                    "No wait, reassignment or priority change on record: the work itself took %(used)s of business time for a target of %(target)s."
                )
                % {"used": duration(sla.resolution_elapsed_seconds), "target": duration(sla.resolution_target_minutes * 60)}
            )
        else:
            findings.append(_("No wait, reassignment or priority change on record: the work itself took longer than the target."))
    return findings
