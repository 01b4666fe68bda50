"""Writes on changes: create, edit, assess the risk, move through the flow, link incidents.

Every function takes the acting user as ``by``, checks the rights (``PermissionDenied``) and the
input (``ValidationError`` naming the field), runs in one transaction with the actor in the audit
trail, and writes the change's timeline. Approvals are in ``vigie.changes.approvals``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vigie.accounts.models import User
from vigie.catalog.models import BusinessService
from vigie.changes import numbering, permissions, planning, risk
from vigie.changes.models import (
    EDITABLE_STATUSES,
    Change,
    ChangeApproval,
    ChangeEvent,
    ChangeEventKind,
    ChangeRiskAnswer,
    ChangeStatus,
    ChangeTemplate,
    ChangeType,
    ClientApproval,
    ReviewOutcome,
    RiskChoice,
    RiskQuestion,
)
from vigie.changes.workflow import ACTIONS, Actor, TransitionError
from vigie.core.audit import acting_as
from vigie.servicedesk.models import Ticket
from vigie.tenancy.models import PROVIDER_ROLES, Membership, Organization, OrganizationKind, TechnicianGroup

TEXT_FIELDS = ("reason", "description", "implementation_plan", "backout_plan", "test_plan")
EDITABLE_FIELDS = frozenset(
    {
        "title",
        "type",
        "template",
        *TEXT_FIELDS,
        "owner",
        "group",
        "services",
        "configuration_items",
        "client_approval",
        "expected_downtime_minutes",
        "planned_start",
        "planned_end",
    }
)
_RELATIONS = ("services", "configuration_items")


def record(change: Change, by: User | None, kind: str, **data: Any) -> ChangeEvent:
    return ChangeEvent.objects.create(change=change, at=timezone.now(), actor=by, kind=kind, data=data)


def _refuse_unless_serving(by: User, organization_id: int) -> None:
    if not permissions.serves(by, organization_id):
        raise PermissionDenied(_("Only the provider's staff serving this client can do this."))


def _is_provider_staff(user: User) -> bool:
    return Membership.objects.filter(user=user, organization__kind=OrganizationKind.PROVIDER, role__in=PROVIDER_ROLES).exists()


def _check(organization: Organization, values: dict[str, Any]) -> dict[str, Any]:
    """Validate every field at once; the errors name the fields."""
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    cleaned = dict(values)
    if organization.kind != OrganizationKind.CLIENT:
        add("organization", _("A change belongs to a client company."))
    title = (values.get("title") or "").strip()
    cleaned["title"] = title
    if not title:
        add("title", _("A title is required."))
    elif len(title) > 200:
        add("title", _("200 characters at most."))
    for name in TEXT_FIELDS:
        cleaned[name] = (values.get(name) or "").strip()
    if values["type"] not in ChangeType.values:
        add("type", _("Unknown type of change."))
    template: ChangeTemplate | None = values.get("template")
    if values["type"] == ChangeType.STANDARD:
        if template is None:
            add("template", _("A standard change is made from a pre-approved template."))
        elif not template.is_active or not ChangeTemplate.objects.usable_for(organization).filter(pk=template.pk).exists():
            add("template", _("This template cannot be used for this client."))
        else:
            for name in ("implementation_plan", "backout_plan", "test_plan"):
                cleaned[name] = cleaned[name] or getattr(template, name)
            cleaned["description"] = cleaned["description"] or template.description
    elif template is not None:
        add("template", _("Only a standard change is made from a template."))
    if values["client_approval"] not in ClientApproval.values:
        add("client_approval", _("Unknown choice."))
    owner: User | None = values.get("owner")
    if owner is not None and (not owner.is_active or not _is_provider_staff(owner)):
        add("owner", _("The change owner must be an active member of the provider's staff."))
    group: TechnicianGroup | None = values.get("group")
    if group is not None and group.organization.kind != OrganizationKind.PROVIDER:
        add("group", _("Choose a technician group of the provider."))
    services: list[BusinessService] = list(values.get("services") or [])
    if any(service.organization_id != organization.pk for service in services):
        add("services", _("Every affected service must belong to %(client)s.") % {"client": organization.name})
    cleaned["services"] = services
    items = list(values.get("configuration_items") or [])
    if any(getattr(item, "organization_id", None) != organization.pk for item in items):
        add("configuration_items", _("Every configuration item must belong to %(client)s.") % {"client": organization.name})
    cleaned["configuration_items"] = items
    downtime = values.get("expected_downtime_minutes")
    if downtime is not None and (not isinstance(downtime, int) or downtime < 0 or downtime > 525600):
        add("expected_downtime_minutes", _("Give a number of minutes between 0 and 525600."))
    start: datetime | None = values.get("planned_start")
    end: datetime | None = values.get("planned_end")
    if (start is None) != (end is None):
        add("planned_end" if start else "planned_start", _("Give both the start and the end of the window, or neither."))
    elif start is not None and end is not None and end <= start:
        add("planned_end", _("The window must end after it starts."))
    if errors:
        raise ValidationError(errors)
    return cleaned


def _apply_relations(change: Change, cleaned: dict[str, Any]) -> None:
    change.services.set(cleaned["services"])
    change.configuration_items.set(cleaned["configuration_items"])


def create_change(
    *,
    by: User,
    organization: Organization,
    title: str,
    type: str = ChangeType.NORMAL,
    template: ChangeTemplate | None = None,
    requested_by: User | None = None,
    **values: Any,
) -> Change:
    """A new request for change, in draft."""
    _refuse_unless_serving(by, organization.pk)
    unknown = sorted(set(values) - EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in unknown})
    values = {
        "client_approval": ClientApproval.AUTOMATIC,
        **values,
        "title": title,
        "type": type,
        "template": template,
    }
    cleaned = _check(organization, values)
    relations = {name: cleaned.pop(name) for name in ("services", "configuration_items")}
    with transaction.atomic(), acting_as(by):
        number = numbering.next_number()
        change = Change.objects.create(
            organization=organization,
            number=number,
            reference=numbering.reference_for(number),
            requested_by=requested_by or by,
            **cleaned,
        )
        if template is not None and change.type == ChangeType.STANDARD:
            change.risk_level = template.risk_level
            change.save(update_fields=["risk_level"])
        _apply_relations(change, relations)
        record(change, by, ChangeEventKind.CREATED, type=change.type)
    return change


def update_change(change: Change, *, by: User, **changes: Any) -> Change:
    """Edit the request while it is one (draft, submitted, assessment)."""
    _refuse_unless_serving(by, change.organization_id)
    if "organization" in changes and getattr(changes["organization"], "pk", None) != change.organization_id:
        raise ValidationError({"organization": _("A change cannot move to another client.")})
    changes.pop("organization", None)
    unknown = sorted(set(changes) - EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    if change.status not in EDITABLE_STATUSES:
        raise ValidationError({"status": _("The request can no longer be edited once it is sent to approval.")})
    current: dict[str, Any] = {name: getattr(change, name) for name in EDITABLE_FIELDS if name not in _RELATIONS}
    current["services"] = list(change.services.all())
    current["configuration_items"] = list(change.configuration_items.all())
    values = {**current, **changes}
    if values["type"] != ChangeType.STANDARD and "template" not in changes:
        values["template"] = None
    cleaned = _check(change.organization, values)
    relations = {name: cleaned.pop(name) for name in _RELATIONS}
    with transaction.atomic(), acting_as(by):
        locked = Change.objects.select_for_update().get(pk=change.pk)
        edited = sorted(name for name, value in cleaned.items() if getattr(locked, name) != value)
        for name, value in cleaned.items():
            setattr(locked, name, value)
        locked.save()
        _apply_relations(locked, relations)
        if edited or "services" in changes or "configuration_items" in changes:
            record(locked, by, ChangeEventKind.EDITED, fields=edited)
    return locked


def active_questions() -> list[RiskQuestion]:
    return list(RiskQuestion.objects.filter(is_active=True).prefetch_related("choices"))


def assess_risk(change: Change, *, by: User, answers: Mapping[int, int]) -> Change:
    """Record the questionnaire (question id → answer id) and compute the score and the level."""
    _refuse_unless_serving(by, change.organization_id)
    if change.status not in EDITABLE_STATUSES and change.type != ChangeType.EMERGENCY:
        raise ValidationError({"answers": _("The risk can no longer be assessed once the change is sent to approval.")})
    questions = active_questions()
    chosen: dict[int, RiskChoice] = {}
    errors: dict[str, list[str]] = {}
    known = {question.pk: question for question in questions}
    for question_id, choice_id in answers.items():
        question = known.get(int(question_id))
        if question is None:
            errors.setdefault("answers", []).append(_("Unknown question %(id)s.") % {"id": question_id})
            continue
        choice = next((c for c in question.choices.all() if c.pk == int(choice_id)), None)
        if choice is None:
            errors.setdefault("answers", []).append(_("Not an answer to “%(question)s”.") % {"question": question.label})
            continue
        chosen[question.pk] = choice
    missing = [question.label for question in questions if question.pk not in chosen]
    if missing:
        errors.setdefault("answers", []).append(_("Answer every question: %(questions)s") % {"questions": "; ".join(missing)})
    if errors:
        raise ValidationError(errors)
    result = risk.score(
        (choice.weight for choice in chosen.values()),
        (max((c.weight for c in question.choices.all()), default=0) for question in questions),
    )
    with transaction.atomic(), acting_as(by):
        change = Change.objects.select_for_update().get(pk=change.pk)
        ChangeRiskAnswer.objects.filter(change=change).delete()
        ChangeRiskAnswer.objects.bulk_create(
            ChangeRiskAnswer(change=change, question_id=question_id, choice=choice) for question_id, choice in chosen.items()
        )
        change.risk_score = result.score
        change.risk_level = result.level
        change.save(update_fields=["risk_score", "risk_level", "updated_at"])
        record(change, by, ChangeEventKind.RISK, score=result.score, level=str(result.level))
    return change


def may_act(by: User, change: Change, actor: Actor) -> bool:
    if actor == Actor.WORKER:
        return permissions.can_work(by, change)
    manager = permissions.can_manage(by, change.organization_id) and permissions.serves(by, change.organization_id)
    if actor == Actor.MANAGER:
        return manager
    return manager or (change.owner_id == by.pk and permissions.can_work(by, change))


def _check_ready(change: Change, action: str) -> None:
    errors: dict[str, list[str]] = {}
    if action == "submit":
        if not change.has_window:
            errors["planned_start"] = [_("Plan the window of the change before submitting it.")]
        if change.type != ChangeType.STANDARD:
            for name, message in (
                ("reason", _("Say why the change is needed.")),
                ("implementation_plan", _("Describe how the change will be implemented.")),
                ("backout_plan", _("Describe how the change would be backed out.")),
            ):
                if not getattr(change, name).strip():
                    errors[name] = [message]
    elif action == "request_approval" and not change.risk_level:
        errors["risk_level"] = [_("Assess the risk (answer the questionnaire) before sending the change to approval.")]
    if errors:
        raise ValidationError(errors)


def transition(
    change: Change,
    action: str,
    *,
    by: User,
    override_freeze: bool = False,
    override_reason: str = "",
    outcome: str = "",
    notes: str = "",
) -> Change:
    """Take one action of the flow (``vigie.changes.workflow.ACTIONS``) on the change."""
    step = ACTIONS.get(action)
    if step is None:
        raise TransitionError(_("Unknown action."))
    with transaction.atomic(), acting_as(by):
        change = Change.objects.select_for_update().select_related("organization").get(pk=change.pk)
        early_cancel = action == "cancel" and change.status in (ChangeStatus.DRAFT, ChangeStatus.SUBMITTED)
        if not (may_act(by, change, Actor.WORKER if early_cancel else step.actor)):
            raise PermissionDenied(_("You are not allowed to do this to the change."))
        if change.status not in step.sources:
            raise TransitionError(
                _("A change that is “%(status)s” cannot be sent to “%(target)s”.")
                % {"status": ChangeStatus(change.status).label, "target": ChangeStatus(step.target).label}
            )
        _check_ready(change, action)
        target = step.target
        now = timezone.now()
        previous = change.status
        data: dict[str, Any] = {}
        if action == "submit":
            change.submitted_at = now
            if change.type == ChangeType.STANDARD:
                target = ChangeStatus.APPROVED
                change.approved_at = now
                data["pre_approved"] = True
            elif change.type == ChangeType.EMERGENCY:
                target = ChangeStatus.AWAITING_APPROVAL
        elif action == "schedule":
            _schedule_checks(change, by, override_freeze, override_reason, now, data)
        elif action == "start":
            change.actual_start = now
        elif action in ("complete", "fail"):
            change.actual_end = now
        elif action == "back_out":
            change.actual_end = change.actual_end or now
        elif action == "review":
            _review(change, by, outcome, notes, now)
            data["outcome"] = outcome
        elif action == "close":
            if previous == ChangeStatus.IMPLEMENTED and change.needs_review:
                raise TransitionError(_("An emergency change is closed only after its post-implementation review."))
            if previous == ChangeStatus.IN_REVIEW and not change.review_outcome:
                raise ValidationError({"outcome": _("Record the outcome of the review before closing.")})
            change.closed_at = now
        elif action == "cancel":
            change.closed_at = now
        change.status = target
        change.save()
        record(change, by, ChangeEventKind.STATUS, old=previous, new=target, action=action, **data)
    return change


def _schedule_checks(change: Change, by: User, override: bool, reason: str, now: datetime, data: dict[str, Any]) -> None:
    if not change.has_window:
        raise ValidationError({"planned_start": _("Plan the window of the change before scheduling it.")})
    freezes = planning.freezes_for(change)
    if not freezes:
        return
    names = ", ".join(freeze.name for freeze in freezes)
    if not override:
        raise ValidationError(
            {
                "planned_start": _(
                    "The window overlaps a freeze period (%(names)s); a change manager may override it, giving a reason."
                )
                % {"names": names}
            }
        )
    if not permissions.can_manage(by, change.organization_id):
        raise PermissionDenied(_("Only a change manager can override a freeze period."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"override_reason": _("Say why the change must happen during the freeze.")})
    change.freeze_override_by = by
    change.freeze_override_at = now
    change.freeze_override_reason = reason
    data["freeze_override"] = names
    record(change, by, ChangeEventKind.FREEZE_OVERRIDE, freezes=names, reason=reason)


def _review(change: Change, by: User, outcome: str, notes: str, now: datetime) -> None:
    if outcome not in ReviewOutcome.values:
        raise ValidationError({"outcome": _("Choose the outcome of the change.")})
    change.review_outcome = outcome
    change.review_notes = (notes or "").strip()
    change.reviewed_at = now
    change.reviewed_by = by
    record(
        change,
        by,
        ChangeEventKind.REVIEW,
        outcome=outcome,
        incidents=change.caused_incidents.count(),
    )


def link_incidents(change: Change, *, by: User, add: Iterable[Ticket] = (), remove: Iterable[Ticket] = ()) -> Change:
    """Say which tickets the change caused (or did not, after all)."""
    _refuse_unless_serving(by, change.organization_id)
    adding, removing = list(add), list(remove)
    if any(ticket.organization_id != change.organization_id for ticket in adding):
        raise ValidationError({"tickets": _("A change causes incidents of its own client only.")})
    if change.status == ChangeStatus.DRAFT and adding:
        raise ValidationError({"tickets": _("A draft has not been implemented: it caused nothing yet.")})
    with transaction.atomic(), acting_as(by):
        change.caused_incidents.add(*adding)
        change.caused_incidents.remove(*removing)
        if adding or removing:
            record(
                change,
                by,
                ChangeEventKind.INCIDENT,
                added=[t.reference for t in adding],
                removed=[t.reference for t in removing],
            )
    return change


def approvals_of(change: Change) -> list[ChangeApproval]:
    return list(change.approvals.select_related("approver"))


def delete_change(change: Change, *, by: User) -> None:
    """A draft can be deleted by the staff serving its client; anything further is cancelled instead."""
    _refuse_unless_serving(by, change.organization_id)
    if change.status != ChangeStatus.DRAFT:
        raise ValidationError({"status": _("Only a draft can be deleted; cancel the change instead.")})
    with transaction.atomic(), acting_as(by):
        change.delete()
