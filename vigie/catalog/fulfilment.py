"""Ordering from the catalog, deciding approvals, and working fulfilment tasks.

- ``order_request`` opens a service request ticket through ``servicedesk.services.open_ticket``
  (type request; category, impact, urgency, group and business service from the template) and
  stores the checked answers beside it (``ServiceRequest``).
- A request that needs an approval waits in the status "waiting for customer": the approval is
  the client's side to give, and the SLA policies pause the resolution clock in that status by
  default. The approvers are e-mailed; ``decide`` records one decision, once: an approval puts
  the ticket in progress and creates the fulfilment tasks, a rejection cancels it with the reason
  on the timeline.
- Tasks run one after another (the next opens once the previous is done or skipped) or all at
  once; when the last is finished the ticket is resolved automatically.

The status changes go through the service desk's own status helpers, so the timeline, the SLA
clocks and the notifications behave exactly as for any other status change.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vigie.accounts.models import User
from vigie.catalog import notify, permissions
from vigie.catalog.answers import check_answers
from vigie.catalog.models import (
    ApprovalRule,
    ApprovalState,
    FulfilmentTask,
    RequestTemplate,
    ServiceRequest,
    TaskFlow,
    TaskState,
)
from vigie.core.audit import acting_as
from vigie.servicedesk import permissions as ticket_permissions
from vigie.servicedesk import services as desk
from vigie.servicedesk.models import Channel, EventKind, Ticket, TicketEvent, TicketStatus, TicketType
from vigie.tenancy.models import Organization, TechnicianGroup

MAX_COMMENT = 2000


def _internal_event(ticket: Ticket, by: User | None, at: datetime, **data: Any) -> TicketEvent:
    return TicketEvent.objects.create(ticket=ticket, kind=EventKind.FIELD, actor=by, at=at, is_internal=True, data=data)


def _group_for(group: TechnicianGroup | None, organization: Organization) -> TechnicianGroup | None:
    if group is not None and group.clients.filter(pk=organization.pk).exists():
        return group
    return None


def _description(answers: list[dict[str, Any]]) -> str:
    return "\n".join(f"{answer['label']}: {answer['text']}" for answer in answers)


def _check_approvers(template: RequestTemplate, organization: Organization) -> None:
    probe = ServiceRequest(
        organization=organization, approval_rule=template.approval, approver=template.approver, approver_id=template.approver_id
    )
    if template.approval != ApprovalRule.NONE and not notify.approvers_of(probe):
        raise ValidationError(
            {
                "template": _("This request needs an approval, but %(client)s has nobody who can give it; ask your IT contact.")
                % {"client": organization.name}
            }
        )


def order_request(
    *,
    by: User,
    template: RequestTemplate,
    organization: Organization,
    answers: Mapping[Any, Any],
    requester: User | None = None,
    channel: str = Channel.PORTAL,
) -> Ticket:
    """Order ``template`` for ``organization``: a service request ticket with the checked answers."""
    if not RequestTemplate.objects.offered_to(organization.pk).filter(pk=template.pk).exists():
        raise ValidationError({"template": _("This request is not offered to %(client)s.") % {"client": organization.name}})
    fields = list(template.fields.all())
    checked = check_answers(template, organization, answers, fields)
    _check_approvers(template, organization)
    now = timezone.now()
    with transaction.atomic(), acting_as(by):
        ticket = desk.open_ticket(
            by=by,
            organization=organization,
            title=template.name,
            description=_description(checked),
            type=TicketType.REQUEST,
            impact=template.impact,
            urgency=template.urgency,
            category=template.category,
            requester=requester,
            channel=channel,
        )
        group = _group_for(template.group, organization)
        if group is not None and ticket.group_id != group.pk:
            # An employee may not assign a ticket; the template's group is the provider's own choice.
            Ticket.objects.filter(pk=ticket.pk).update(group=group)
            ticket.group = group
        if template.service_id and template.service is not None and template.service.organization_id == organization.pk:
            Ticket.objects.filter(pk=ticket.pk).update(service=template.service)
            ticket.service = template.service
        created = ticket.events.filter(kind=EventKind.CREATED).first()
        if created is not None:
            created.data["catalog"] = "ordered"
            created.data["template"] = template.name
            created.save(update_fields=["data"])
        request = ServiceRequest.objects.create(
            ticket=ticket,
            organization=organization,
            template=template,
            template_name=template.name,
            answers=checked,
            approval_rule=template.approval,
            approver=template.approver if template.approval == ApprovalRule.NAMED else None,
            task_flow=template.task_flow,
            approval_state=ApprovalState.NOT_REQUIRED if template.approval == ApprovalRule.NONE else ApprovalState.PENDING,
        )
        if request.approval_state == ApprovalState.PENDING:
            locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
            if permissions.can_decide(by, request):
                # Ordered by one of its approvers: approved on the spot.
                _record_decision(request, by=by, approved=True, comment=_("Ordered by an approver."), at=now)
                desk.record_workflow_step(
                    locked, TicketStatus.IN_PROGRESS, by=by, at=now, catalog="approved", comment=request.decision_comment
                )
                create_tasks(request, at=now)
            else:
                desk.record_workflow_step(locked, TicketStatus.WAITING_CUSTOMER, by=None, at=now, catalog="approval_requested")
                notify.approval_requested(request)
        else:
            create_tasks(request, at=now)
    ticket.refresh_from_db()
    return ticket


def _record_decision(request: ServiceRequest, *, by: User, approved: bool, comment: str, at: datetime) -> None:
    state = ApprovalState.APPROVED if approved else ApprovalState.REJECTED
    changed = ServiceRequest.objects.filter(pk=request.pk, approval_state=ApprovalState.PENDING).update(
        approval_state=state, decided_by=by, decided_at=at, decision_comment=comment, updated_at=at
    )
    if not changed:
        raise ValidationError({"decision": _("This request has already been decided.")})
    request.approval_state, request.decided_by, request.decided_at, request.decision_comment = state, by, at, comment


def decide(request: ServiceRequest, *, by: User, approve: bool, comment: str = "") -> ServiceRequest:
    """Approve or reject a pending request, once. A rejection needs its reason."""
    comment = (comment or "").strip()
    if not permissions.can_decide(by, request):
        if request.approval_rule == ApprovalRule.NAMED:
            raise PermissionDenied(_("Only %(approver)s can decide this request.") % {"approver": request.approver or "—"})
        raise PermissionDenied(_("Only a manager of %(client)s can decide this request.") % {"client": request.organization})
    if not approve and not comment:
        raise ValidationError({"comment": _("Say why the request is rejected.")})
    if len(comment) > MAX_COMMENT:
        raise ValidationError({"comment": _("%(limit)s characters at most.") % {"limit": MAX_COMMENT}})
    now = timezone.now()
    with transaction.atomic(), acting_as(by):
        request = ServiceRequest.objects.select_for_update().select_related("ticket", "organization").get(pk=request.pk)
        if request.approval_state != ApprovalState.PENDING:
            raise ValidationError(
                {
                    "decision": _("This request was already %(state)s by %(who)s.")
                    % {"state": request.get_approval_state_display().lower(), "who": request.decided_by or "—"}
                }
            )
        ticket = Ticket.objects.select_for_update().get(pk=request.ticket_id)
        if not ticket.is_open:
            raise ValidationError({"decision": _("This request is closed; there is nothing left to decide.")})
        _record_decision(request, by=by, approved=approve, comment=comment, at=now)
        if approve:
            desk.record_workflow_step(ticket, TicketStatus.IN_PROGRESS, by=by, at=now, catalog="approved", comment=comment)
            create_tasks(request, at=now)
        else:
            desk.record_workflow_step(ticket, TicketStatus.CANCELLED, by=by, at=now, catalog="rejected", comment=comment)
            notify.request_rejected(request)
    return request


def create_tasks(request: ServiceRequest, *, at: datetime) -> list[FulfilmentTask]:
    """The request's tasks from its template (inside the caller's transaction)."""
    template = request.template
    if template is None or request.tasks.exists():
        return []
    ticket = request.ticket
    tasks = []
    for index, spec in enumerate(template.tasks.select_related("group").all()):
        opens = request.task_flow == TaskFlow.PARALLEL or index == 0
        tasks.append(
            FulfilmentTask(
                request=request,
                title=spec.title,
                description=spec.description,
                group=_group_for(spec.group, request.organization) or ticket.group,
                order=index + 1,
                state=TaskState.OPEN if opens else TaskState.WAITING,
            )
        )
    created = FulfilmentTask.objects.bulk_create(tasks)
    if created:
        _internal_event(ticket, None, at, catalog="tasks_created", count=len(created))
    return created


def _locked_task(task: FulfilmentTask, by: User) -> tuple[FulfilmentTask, Ticket]:
    task = FulfilmentTask.objects.select_for_update().select_related("request").get(pk=task.pk)
    ticket = Ticket.objects.select_for_update().get(pk=task.request.ticket_id)
    if not permissions.can_work_tasks(by, task.request):
        raise PermissionDenied(_("Only the provider's staff serving this client can work its tasks."))
    if not ticket.is_open:
        raise ValidationError({"task": _("This request is finished; its tasks cannot change.")})
    return task, ticket


def finish_task(task: FulfilmentTask, *, by: User, skip: bool = False, note: str = "") -> FulfilmentTask:
    """Mark an open task done (or skipped); the next task opens, and the last one resolves the request."""
    note = (note or "").strip()
    if len(note) > MAX_COMMENT:
        raise ValidationError({"note": _("%(limit)s characters at most.") % {"limit": MAX_COMMENT}})
    now = timezone.now()
    with transaction.atomic(), acting_as(by):
        task, ticket = _locked_task(task, by)
        if task.state == TaskState.WAITING:
            raise ValidationError({"task": _("“%(task)s” waits for an earlier task.") % {"task": task.title}})
        target = TaskState.SKIPPED if skip else TaskState.DONE
        changed = FulfilmentTask.objects.filter(pk=task.pk, state=TaskState.OPEN).update(
            state=target, finished_by=by, finished_at=now, note=note, updated_at=now
        )
        if not changed:
            raise ValidationError({"task": _("“%(task)s” is already finished.") % {"task": task.title}})
        task.refresh_from_db()
        _internal_event(ticket, by, now, catalog="task_skipped" if skip else "task_done", task=task.title, note=note)
        request = task.request
        remaining = request.tasks.exclude(state__in=[TaskState.DONE, TaskState.SKIPPED]).order_by("order", "id")
        if request.task_flow == TaskFlow.SEQUENTIAL and not remaining.filter(state=TaskState.OPEN).exists():
            following = remaining.filter(state=TaskState.WAITING).first()
            if following is not None:
                FulfilmentTask.objects.filter(pk=following.pk).update(state=TaskState.OPEN, updated_at=now)
        if not remaining.exists():
            ticket.resolution = _("Every fulfilment task of the request is done.")
            desk.record_workflow_step(
                ticket, TicketStatus.RESOLVED, by=None, at=now, catalog="fulfilled", resolution=ticket.resolution
            )
    return task


def assign_task(task: FulfilmentTask, *, by: User, assignee: User | None, group: TechnicianGroup | None) -> FulfilmentTask:
    """Give a task to a group and/or a technician serving the client."""
    with transaction.atomic(), acting_as(by):
        task, ticket = _locked_task(task, by)
        organization = ticket.organization
        errors: dict[str, str] = {}
        if group is not None and _group_for(group, organization) is None:
            errors["group"] = _("The group %(group)s does not serve %(client)s.") % {"group": group.name, "client": organization}
        if assignee is not None and not ticket_permissions.serves(assignee, organization.pk):
            errors["assignee"] = _("%(user)s does not serve %(client)s.") % {"user": assignee, "client": organization}
        if errors:
            raise ValidationError(errors)
        task.group, task.assignee = group, assignee
        task.save(update_fields=["group", "assignee", "updated_at"])
    return task
