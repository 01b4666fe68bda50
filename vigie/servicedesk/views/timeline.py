"""A ticket's timeline as the pages show it: events, replies and notes merged in time order,
each with who, when and a sentence in the reader's language.

Staff see everything; the portal shows only the public part (creation, status changes,
public replies and public files): internal notes, internal events and internal attachments
never reach a client user, whatever the template does.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _

from vigie.servicedesk.models import (
    Attachment,
    Channel,
    Comment,
    EventKind,
    Level,
    Priority,
    Ticket,
    TicketEvent,
    TicketStatus,
)

PUBLIC_KINDS = frozenset({EventKind.CREATED, EventKind.STATUS, EventKind.REPLY, EventKind.ATTACHMENT})
LEVEL_FIELDS = frozenset({"impact", "urgency"})


@dataclass
class Entry:
    kind: str
    at: datetime
    actor: str
    summary: str
    is_internal: bool = False
    comment: Comment | None = None
    detail: str = ""
    attachments: list[Attachment] = field(default_factory=list)

    @property
    def is_message(self) -> bool:
        return self.comment is not None and self.kind in (EventKind.REPLY, EventKind.NOTE)


def _label(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _status(value: Any) -> str:
    return _label(TicketStatus, value) if value else "—"


def _field_value(name: str, value: Any) -> str:
    if value in (None, ""):
        return "—"
    if name in LEVEL_FIELDS:
        return _label(Level, value)
    return str(value)


def _field_name(name: str) -> str:
    try:
        model_field = Ticket._meta.get_field(name)
    except FieldDoesNotExist:  # an old event may name a field that no longer exists
        return name
    return str(getattr(model_field, "verbose_name", name))


def _summary(event: TicketEvent) -> tuple[str, str]:
    """One sentence for the event, and an optional longer detail (resolution, old/new text)."""
    summary, detail = _event_summary(event)
    data = event.data or {}
    if data.get("escalation"):
        return _escalation_summary(event, summary, detail)
    return summary, detail


def _escalation_summary(event: TicketEvent, summary: str, detail: str) -> tuple[str, str]:
    """A line written by an SLA escalation rule: what it did, and which clock share triggered it."""
    data = event.data
    if data.get("error"):
        summary, detail = _("could not reassign the ticket"), str(data["error"])
    elif data.get("unchanged") and event.kind == EventKind.PRIORITY:
        summary = _("kept the priority at %(priority)s, already the highest") % {"priority": _label(Priority, data.get("new"))}
    elif data.get("unchanged"):
        summary = _("left the assignment unchanged")
    elif event.kind == EventKind.EMAIL_SENT and not data.get("to"):
        summary = _("found nobody to notify")
    clock = _("response") if data.get("clock") == "response" else _("resolution")
    reason = _("escalation: the %(clock)s clock reached %(percent)s %% of its target") % {
        "clock": clock,
        "percent": data.get("at_percent"),
    }
    return f"{summary} ({reason})", detail


def _event_summary(event: TicketEvent) -> tuple[str, str]:
    from vigie.catalog.timeline import summary as catalog_summary

    data = event.data or {}
    kind = event.kind
    if data.get("catalog") and (catalog := catalog_summary(event)) is not None:
        return catalog
    if kind == EventKind.CREATED and data.get("imported"):
        return _("imported from %(file)s: ticket %(reference)s of the previous tool") % {
            "file": data["imported"],
            "reference": data.get("external_reference", ""),
        }, ""
    if kind == EventKind.CREATED:
        channel = data.get("channel")
        if channel:
            return _("opened the ticket via %(channel)s") % {"channel": _label(Channel, channel)}, ""
        return _("opened the ticket"), ""
    if kind == EventKind.STATUS:
        if data.get("reopened"):
            return _("reopened the ticket"), ""
        text = _("changed the status from %(old)s to %(new)s") % {
            "old": _status(data.get("old")),
            "new": _status(data.get("new")),
        }
        if data.get("imported"):
            return text, _("Imported from %(file)s.") % {"file": data["imported"]}
        return text, str(data.get("resolution") or "")
    if kind == EventKind.ASSIGNED:
        assignee, group = data.get("new_assignee"), data.get("new_group")
        if assignee and group:
            return _("assigned the ticket to %(assignee)s (%(group)s)") % {"assignee": assignee, "group": group}, ""
        if assignee:
            return _("assigned the ticket to %(assignee)s") % {"assignee": assignee}, ""
        if group:
            return _("moved the ticket to the group %(group)s, without assignee") % {"group": group}, ""
        return _("removed the assignee and the group"), ""
    if kind == EventKind.PRIORITY:
        return _("changed the priority from %(old)s to %(new)s") % {
            "old": _label(Priority, data.get("old")),
            "new": _label(Priority, data.get("new")),
        }, ""
    if kind == EventKind.FIELD:
        name = str(data.get("field", ""))
        if name == "description":
            return _("edited the description"), ""
        return _("changed %(field)s from “%(old)s” to “%(new)s”") % {
            "field": _field_name(name),
            "old": _field_value(name, data.get("old")),
            "new": _field_value(name, data.get("new")),
        }, ""
    if kind == EventKind.REPLY:
        return _("replied"), ""
    if kind == EventKind.NOTE:
        return _("added an internal note"), ""
    if kind == EventKind.ATTACHMENT:
        return _("attached a file"), ""
    if kind == EventKind.WATCHER:
        watchers = ", ".join(data.get("new") or []) or _("nobody")
        return _("set the watchers: %(watchers)s") % {"watchers": watchers}, ""
    if kind == EventKind.EMAIL_SENT:
        recipients = data.get("to")
        if isinstance(recipients, list):
            recipients = ", ".join(str(r) for r in recipients)
        if recipients:
            return _("sent an e-mail to %(recipients)s") % {"recipients": recipients}, ""
        return _("sent an e-mail"), ""
    return _label(EventKind, kind), ""


def _actor(event: TicketEvent) -> str:
    if event.actor is not None:
        return str(event.actor)
    if event.comment is not None and event.comment.author_email:
        return event.comment.author_email
    return _("Vigie")


def visible_attachments(ticket: Ticket, user: Any) -> list[Attachment]:
    return list(Attachment.objects.visible_to(user).filter(ticket=ticket).order_by("created_at", "id"))


@dataclass
class Timeline:
    entries: list[Entry]
    # Files sent with the ticket itself, shown under the description.
    opening_attachments: list[Attachment]
    # Every file this reader may see, for the side panel.
    attachments: list[Attachment]


def build_timeline(ticket: Ticket, *, user: Any, staff: bool) -> Timeline:
    """The timeline in time order, with only what this reader may see."""
    attachments = visible_attachments(ticket, user)
    events = ticket.events.select_related("actor", "comment", "comment__author").order_by("at", "id")
    if not staff:
        events = events.filter(is_internal=False, kind__in=PUBLIC_KINDS).exclude(comment__is_internal=True)
    by_comment: dict[int, list[Attachment]] = defaultdict(list)
    by_id: dict[int, Attachment] = {}
    for attachment in attachments:
        by_id[attachment.pk] = attachment
        if attachment.comment_id:
            by_comment[attachment.comment_id].append(attachment)
    entries: list[Entry] = []
    referenced: set[int] = set()
    for event in events:
        summary, detail = _summary(event)
        entry = Entry(
            kind=event.kind,
            at=event.at,
            actor=_actor(event),
            summary=summary,
            is_internal=event.is_internal,
            comment=event.comment,
            detail=detail,
        )
        if event.comment_id:
            entry.attachments = by_comment.get(event.comment_id, [])
        elif event.kind == EventKind.ATTACHMENT:
            added = by_id.get(int(event.data.get("attachment_id") or 0))
            if added is None:
                continue  # not visible to this reader
            referenced.add(added.pk)
            entry.attachments = [added]
        entries.append(entry)
    opening = [a for a in attachments if a.comment_id is None and a.pk not in referenced]
    return Timeline(entries=entries, opening_attachments=opening, attachments=attachments)
