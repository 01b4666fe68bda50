"""Every write on tickets goes through these functions: views, API, e-mail intake,
commands, workers and tests call the same code. Each runs in a transaction, writes
the timeline, and sends notifications only once the transaction has committed.
The reference data (category tree, priority matrix) is written here too, at the end."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vigie.accounts.models import User
from vigie.core.audit import acting_as
from vigie.servicedesk import numbering, permissions, search, workflow
from vigie.servicedesk.attachments import check_file
from vigie.servicedesk.models import (
    REFERENCE_PREFIXES,
    Attachment,
    Category,
    Channel,
    Comment,
    EventKind,
    Level,
    PriorityMatrixCell,
    Ticket,
    TicketEmailLink,
    TicketEvent,
    TicketStatus,
    TicketType,
)
from vigie.tenancy.access import access_for
from vigie.tenancy.models import Membership, Organization, Site, TechnicianGroup


@dataclass(frozen=True)
class Upload:
    """A file to attach, independent of where it came from (form, API, e-mail)."""

    filename: str
    data: bytes


def _notify(event_ids: Sequence[int]) -> None:
    """Queue the e-mail notifications for these timeline events after commit."""
    from vigie.notifications import dispatch

    ids = list(event_ids)
    transaction.on_commit(lambda: dispatch.queue_ticket_notifications(ids))


def _event(
    ticket: Ticket,
    kind: str,
    by: User | None,
    *,
    at: datetime | None = None,
    internal: bool = False,
    comment: Comment | None = None,
    **data: Any,
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket, kind=kind, actor=by, at=at or timezone.now(), is_internal=internal, comment=comment, data=data
    )


def _after_change(ticket: Ticket, *, previous_status: str | None, by: User | None = None) -> None:
    """What follows any change of a ticket, inside the same transaction: its SLA clocks are
    recomputed, and a resolution or reopening asks for (or withdraws) a satisfaction rating."""
    from vigie.servicedesk import satisfaction
    from vigie.sla import clocks

    clocks.refresh(ticket)
    if previous_status != ticket.status:
        satisfaction.status_changed(ticket, previous=previous_status, by=by)


def reference_for(ticket_type: str, number: int) -> str:
    return f"{REFERENCE_PREFIXES[TicketType(ticket_type)]}-{number:06d}"


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise PermissionDenied(message)


def _validate_people(
    organization: Organization, *, requester: User | None, assignee: User | None, group: TechnicianGroup | None, site: Site | None
) -> None:
    errors: dict[str, str] = {}
    if requester is not None and not Membership.objects.filter(user=requester, organization=organization).exists():
        errors["requester"] = _("The requester must be a member of %(client)s.") % {"client": organization.name}
    if assignee is not None and not permissions.serves(assignee, organization.pk):
        errors["assignee"] = _("%(user)s does not serve %(client)s.") % {"user": assignee, "client": organization.name}
    if group is not None and not group.clients.filter(pk=organization.pk).exists():
        errors["group"] = _("The group %(group)s does not serve %(client)s.") % {"group": group.name, "client": organization.name}
    if site is not None and site.organization_id != organization.pk:
        errors["site"] = _("This site belongs to another company.")
    if assignee is not None and group is not None and not group.members.filter(pk=assignee.pk).exists():
        errors["assignee"] = _("%(user)s is not a member of the group %(group)s.") % {"user": assignee, "group": group.name}
    if errors:
        raise ValidationError(errors)


def open_ticket(
    *,
    by: User,
    organization: Organization,
    title: str,
    description: str = "",
    type: str = TicketType.INCIDENT,
    impact: int = Level.MEDIUM,
    urgency: int = Level.MEDIUM,
    category: Category | None = None,
    requester: User | None = None,
    site: Site | None = None,
    assignee: User | None = None,
    group: TechnicianGroup | None = None,
    channel: str = Channel.PORTAL,
    watchers: Iterable[User] = (),
    uploads: Iterable[Upload] = (),
    message_id: str = "",
    created_at: datetime | None = None,
) -> Ticket:
    """Open an incident or a service request for a client company."""
    _require(permissions.can_open_for(by, organization), _("You cannot open tickets for this company."))
    if requester is None:
        requester = by if not access_for(by).is_staff_member else None
    if requester is not None and requester.pk != by.pk:
        _require(permissions.can_open_for_others(by, organization), _("You can only open tickets for yourself."))
    if (assignee is not None or group is not None) and not permissions.serves(by, organization.pk):
        raise PermissionDenied(_("Only the provider's staff can assign tickets."))
    title = title.strip()
    if not title:
        raise ValidationError({"title": _("A title is required.")})
    if category is not None and not category.is_active:
        raise ValidationError({"category": _("This category is no longer in use.")})
    _validate_people(organization, requester=requester, assignee=assignee, group=group, site=site)
    if group is None and category is not None and category.default_group_id:
        default_group = category.default_group
        if default_group is not None and default_group.clients.filter(pk=organization.pk).exists():
            group = default_group
    checked = [check_file(upload.filename, upload.data) for upload in uploads]
    now = created_at or timezone.now()
    with transaction.atomic(), acting_as(by):
        number = numbering.next_number(type)
        ticket = Ticket(
            organization=organization,
            type=type,
            number=number,
            reference=reference_for(type, number),
            title=title[:200],
            description=description,
            impact=impact,
            urgency=urgency,
            priority=workflow.priority_for(impact, urgency),
            category=category,
            requester=requester,
            site=site,
            assignee=assignee,
            group=group,
            channel=channel,
            status=TicketStatus.ASSIGNED if assignee else TicketStatus.NEW,
            last_activity_at=now,
        )
        ticket.search_text = search.text_for(ticket)
        ticket.save()
        if created_at is not None:
            Ticket.objects.filter(pk=ticket.pk).update(created_at=created_at)
            ticket.created_at = created_at
        watcher_list = [w for w in watchers if w.pk != getattr(requester, "pk", None)]
        if watcher_list:
            ticket.watchers.add(*watcher_list)
        events = [_event(ticket, EventKind.CREATED, by, at=now, channel=channel)]
        for item in checked:
            _store_attachment(ticket, item, by=by, comment=None)
        if message_id:
            TicketEmailLink.objects.get_or_create(message_id=message_id, defaults={"ticket": ticket})
        _after_change(ticket, previous_status=None)
        _notify([e.pk for e in events])
    return ticket


def _store_attachment(ticket: Ticket, item: Any, *, by: User | None, comment: Comment | None) -> Attachment:
    attachment = Attachment(
        ticket=ticket,
        comment=comment,
        filename=item.filename,
        content_type=item.content_type,
        size=item.size,
        sha256=item.sha256,
        uploaded_by=by,
    )
    attachment.file.save(item.filename, item.content, save=False)
    attachment.save()
    return attachment


def add_attachments(ticket: Ticket, uploads: Iterable[Upload], *, by: User, internal: bool = False) -> list[Attachment]:
    """Attach files to a ticket directly (outside a reply)."""
    _require(permissions.can_reply(by, ticket), _("You cannot change this ticket."))
    if internal:
        _require(permissions.can_work(by, ticket), _("Only the provider's staff can add internal files."))
    checked = [check_file(upload.filename, upload.data) for upload in uploads]
    with transaction.atomic(), acting_as(by):
        note = None
        if internal:
            note = Comment.objects.create(
                ticket=ticket, author=by, body=_("Internal files"), is_internal=True, created_at=timezone.now()
            )
        stored = [_store_attachment(ticket, item, by=by, comment=note) for item in checked]
        for attachment in stored:
            _event(ticket, EventKind.ATTACHMENT, by, internal=internal, filename=attachment.filename, attachment_id=attachment.pk)
        Ticket.objects.filter(pk=ticket.pk).update(last_activity_at=timezone.now())
    return stored


def add_comment(
    ticket: Ticket,
    *,
    by: User | None,
    body: str,
    internal: bool = False,
    channel: str = Channel.STAFF,
    uploads: Iterable[Upload] = (),
    author_email: str = "",
    message_id: str = "",
    at: datetime | None = None,
) -> Comment:
    """A public reply (seen by the requester) or an internal note (provider staff only).

    A reply from the client side puts a ticket waiting for the customer back in progress
    and reopens a resolved one; a first public reply from staff stamps the first response.
    """
    body = body.strip()
    if not body and not uploads:
        raise ValidationError({"body": _("The message is empty.")})
    if by is not None:
        _require(permissions.can_reply(by, ticket), _("You cannot reply to this ticket."))
    staff = by is not None and permissions.can_work(by, ticket)
    if internal and not staff:
        raise PermissionDenied(_("Only the provider's staff can write internal notes."))
    if ticket.status in (TicketStatus.CANCELLED,) or (ticket.status == TicketStatus.CLOSED and not staff):
        raise ValidationError({"body": _("This ticket is closed; open a new one instead.")})
    checked = [check_file(upload.filename, upload.data) for upload in uploads]
    now = at or timezone.now()
    with transaction.atomic(), acting_as(by):
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        comment = Comment.objects.create(
            ticket=ticket,
            author=by,
            author_email=author_email or (by.email if by else ""),
            body=body,
            is_internal=internal,
            channel=channel,
            created_at=now,
        )
        for item in checked:
            _store_attachment(ticket, item, by=by, comment=comment)
        status_before = ticket.status
        events = [_event(ticket, EventKind.NOTE if internal else EventKind.REPLY, by, at=now, internal=internal, comment=comment)]
        updates: dict[str, Any] = {"last_activity_at": now}
        if not internal:
            updates["search_text"] = search.append(ticket.search_text, body)
            updates["public_message_count"] = ticket.public_message_count + 1
        if staff and not internal and ticket.first_response_at is None:
            updates["first_response_at"] = now
        if not staff and not internal:
            if ticket.status == TicketStatus.WAITING_CUSTOMER:
                events.append(_set_status(ticket, TicketStatus.IN_PROGRESS, by, at=now))
            elif ticket.status == TicketStatus.RESOLVED:
                events.append(_reopen(ticket, by, at=now))
        for name, value in updates.items():
            setattr(ticket, name, value)
        ticket.save()
        _after_change(ticket, previous_status=status_before, by=by)
        if message_id:
            TicketEmailLink.objects.get_or_create(message_id=message_id, defaults={"ticket": ticket})
        _notify([e.pk for e in events])
    return comment


def _set_status(ticket: Ticket, target: str, by: User | None, *, at: datetime) -> TicketEvent:
    """Move the status and stamp the lifecycle dates; the caller saves the ticket."""
    previous = ticket.status
    workflow.check_transition(previous, target)
    ticket.status = target
    if target == TicketStatus.WAITING_CUSTOMER:
        ticket.waited_for_customer = True
    if target == TicketStatus.RESOLVED:
        ticket.resolved_at = at
    elif target == TicketStatus.CLOSED:
        ticket.closed_at = at
        ticket.resolved_at = ticket.resolved_at or at
    elif target == TicketStatus.CANCELLED:
        ticket.closed_at = at
    return _event(ticket, EventKind.STATUS, by, at=at, old=previous, new=target)


def _reopen(ticket: Ticket, by: User | None, *, at: datetime) -> TicketEvent:
    event = _set_status(ticket, TicketStatus.IN_PROGRESS, by, at=at)
    ticket.resolved_at = None
    ticket.closed_at = None
    ticket.reopen_count += 1
    event.data["reopened"] = True
    event.save(update_fields=["data"])
    return event


def record_workflow_step(ticket: Ticket, target: str, *, by: User | None, at: datetime, **data: Any) -> TicketEvent:
    """For another practice's workflow on a ticket (a catalog request's approval and tasks), inside
    its transaction with the ticket locked: move the ticket to ``target`` — or leave it, when it is
    there already or the workflow forbids the move — and write one public status line carrying
    ``data``; the clocks follow and the notifications go out on commit, as for any status change."""
    previous = ticket.status
    if target != previous and workflow.can_transition(previous, target):
        event = _set_status(ticket, target, by, at=at)
    else:
        event = TicketEvent.objects.create(
            ticket=ticket, kind=EventKind.STATUS, actor=by, at=at, data={"old": previous, "new": previous}
        )
    event.data.update(data)
    event.save(update_fields=["data"])
    ticket.last_activity_at = at
    ticket.save()
    _after_change(ticket, previous_status=previous, by=by)
    _notify([event.pk])
    return event


def change_status(ticket: Ticket, target: str, *, by: User, resolution: str = "", at: datetime | None = None) -> Ticket:
    """Apply an allowed status transition. Resolving needs a resolution note."""
    if target not in TicketStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    if target == TicketStatus.RESOLVED and not (resolution or "").strip():
        raise ValidationError({"resolution": _("Say how the ticket was resolved.")})
    now = at or timezone.now()
    with transaction.atomic(), acting_as(by):
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        # The requester may confirm (close) or reopen a resolved ticket; the rest is staff work.
        client_side_allowed = (
            ticket.status == TicketStatus.RESOLVED
            and target in (TicketStatus.CLOSED, TicketStatus.IN_PROGRESS)
            and permissions.can_reply(by, ticket)
        )
        _require(permissions.can_work(by, ticket) or client_side_allowed, _("You cannot change this ticket's status."))
        if target == TicketStatus.ASSIGNED and ticket.assignee_id is None:
            raise ValidationError({"status": _("Choose an assignee first.")})
        workflow.check_transition(ticket.status, target)
        status_before = ticket.status
        reopening = ticket.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED) and target == TicketStatus.IN_PROGRESS
        event = _reopen(ticket, by, at=now) if reopening else _set_status(ticket, target, by, at=now)
        if target == TicketStatus.RESOLVED:
            ticket.resolution = resolution.strip()
            event.data["resolution"] = ticket.resolution
            event.save(update_fields=["data"])
        ticket.last_activity_at = now
        ticket.save()
        _after_change(ticket, previous_status=status_before, by=by)
        _notify([event.pk])
    return ticket


def resolve_ticket(ticket: Ticket, *, by: User, resolution: str) -> Ticket:
    return change_status(ticket, TicketStatus.RESOLVED, by=by, resolution=resolution)


def close_ticket(ticket: Ticket, *, by: User) -> Ticket:
    return change_status(ticket, TicketStatus.CLOSED, by=by)


def reopen_ticket(ticket: Ticket, *, by: User) -> Ticket:
    return change_status(ticket, TicketStatus.IN_PROGRESS, by=by)


def cancel_ticket(ticket: Ticket, *, by: User) -> Ticket:
    return change_status(ticket, TicketStatus.CANCELLED, by=by)


def assign_ticket(
    ticket: Ticket, *, by: User, assignee: User | None, group: TechnicianGroup | None, at: datetime | None = None
) -> Ticket:
    """Set the assignee and group; a new ticket that gets an assignee becomes "assigned"."""
    _require(permissions.can_work(by, ticket), _("You cannot assign this ticket."))
    if ticket.status in workflow.ALLOWED_TRANSITIONS and not ticket.is_open:
        raise ValidationError({"assignee": _("A finished ticket cannot be reassigned; reopen it first.")})
    _validate_people(ticket.organization, requester=None, assignee=assignee, group=group, site=None)
    now = at or timezone.now()
    with transaction.atomic(), acting_as(by):
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if ticket.assignee_id == getattr(assignee, "pk", None) and ticket.group_id == getattr(group, "pk", None):
            return ticket
        events = [
            _event(
                ticket,
                EventKind.ASSIGNED,
                by,
                at=now,
                old_assignee=str(ticket.assignee) if ticket.assignee else None,
                new_assignee=str(assignee) if assignee else None,
                new_assignee_id=assignee.pk if assignee else None,
                old_group=str(ticket.group) if ticket.group else None,
                new_group=str(group) if group else None,
            )
        ]
        if ticket.assignee_id is not None and ticket.assignee_id != getattr(assignee, "pk", None):
            ticket.reassignment_count += 1
        status_before = ticket.status
        ticket.assignee = assignee
        ticket.group = group
        if assignee is not None and ticket.status == TicketStatus.NEW:
            events.append(_set_status(ticket, TicketStatus.ASSIGNED, by, at=now))
        elif assignee is None and ticket.status == TicketStatus.ASSIGNED:
            events.append(_set_status(ticket, TicketStatus.NEW, by, at=now))
        ticket.last_activity_at = now
        ticket.save()
        _after_change(ticket, previous_status=status_before, by=by)
        _notify([e.pk for e in events])
    return ticket


EDITABLE_FIELDS = ("title", "description", "impact", "urgency", "category", "site", "requester", "type")


def update_ticket(ticket: Ticket, *, by: User, **changes: Any) -> Ticket:
    """Change descriptive fields; the priority follows the impact × urgency matrix."""
    _require(permissions.can_work(by, ticket), _("You cannot change this ticket."))
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in sorted(unknown)})
    if "title" in changes and not str(changes["title"]).strip():
        raise ValidationError({"title": _("A title is required.")})
    if "type" in changes and changes["type"] != ticket.type:
        raise ValidationError({"type": _("The type of an existing ticket cannot change; open a new ticket.")})
    if "requester" in changes or "site" in changes:
        _validate_people(
            ticket.organization, requester=changes.get("requester"), assignee=None, group=None, site=changes.get("site")
        )
    category = changes.get("category")
    if category is not None and not category.is_active and category.pk != ticket.category_id:
        raise ValidationError({"category": _("This category is no longer in use.")})
    now = timezone.now()
    with transaction.atomic(), acting_as(by):
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        events: list[TicketEvent] = []
        old_priority = ticket.priority
        for name, value in changes.items():
            old = getattr(ticket, name)
            if old == value:
                continue
            setattr(ticket, name, value)
            events.append(_event(ticket, EventKind.FIELD, by, at=now, field=name, old=_display(old), new=_display(value)))
        # The priority follows the matrix when impact or urgency change; otherwise it stays as it
        # is, so that a priority raised by an escalation survives an edit of the title.
        if {"impact", "urgency"} & {event.data.get("field") for event in events}:
            ticket.priority = workflow.priority_for(ticket.impact, ticket.urgency)
        if ticket.priority != old_priority:
            events.append(_event(ticket, EventKind.PRIORITY, by, at=now, old=old_priority, new=ticket.priority))
        if events:
            ticket.search_text = search.text_for(ticket, comments=True)
            ticket.last_activity_at = now
            ticket.save()
            _after_change(ticket, previous_status=ticket.status, by=by)
            _notify([e.pk for e in events if e.kind == EventKind.PRIORITY])
    return ticket


def _display(value: Any) -> Any:
    if hasattr(value, "pk"):
        return str(value)
    return value


def set_watchers(ticket: Ticket, *, by: User, watchers: Iterable[User]) -> Ticket:
    _require(permissions.can_work(by, ticket), _("You cannot change this ticket."))
    wanted = list(watchers)
    invalid = [
        w
        for w in wanted
        if not (
            Membership.objects.filter(user=w, organization=ticket.organization).exists()
            or permissions.serves(w, ticket.organization_id)
        )
    ]
    if invalid:
        raise ValidationError({"watchers": _("%(user)s cannot follow this company's tickets.") % {"user": invalid[0]}})
    with transaction.atomic(), acting_as(by):
        before = {str(u) for u in ticket.watchers.all()}
        ticket.watchers.set(wanted)
        after = {str(u) for u in wanted}
        if before != after:
            _event(ticket, EventKind.WATCHER, by, old=sorted(before), new=sorted(after))
    return ticket


# Reference data shared by all clients: the category tree and the priority matrix.


def create_category(*, by: User, **fields: Any) -> Category:
    """Create a category; its full name follows from its parent."""
    with transaction.atomic(), acting_as(by):
        return Category.objects.create(**fields)


def _refresh_full_names(category: Category) -> None:
    """A renamed or moved category renames the whole branch below it."""
    for child in Category.objects.filter(parent=category):
        child.save()
        _refresh_full_names(child)


def update_category(category: Category, *, by: User, **changes: Any) -> Category:
    """Change a category (name, parent, default group, in use) and the full names below it."""
    with transaction.atomic(), acting_as(by):
        for name, value in changes.items():
            setattr(category, name, value)
        category.save()
        _refresh_full_names(category)
    return category


def set_matrix_priority(cell: PriorityMatrixCell, *, by: User, priority: int) -> PriorityMatrixCell:
    """Set the priority of one impact × urgency cell; tickets take it when their impact or urgency next change."""
    with transaction.atomic(), acting_as(by):
        cell.priority = priority
        cell.save()
    return cell
