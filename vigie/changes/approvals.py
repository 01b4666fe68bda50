"""CAB and client approval of a change.

Rules (docs/changes.md, "Approval rules"):

- who: the CAB members who serve the change's client (the policy's list, or else every change
  manager), and — when the change needs it — a client manager of the client;
- a **normal** change is approved when the CAB part is met (quorum: N approvals, at most the
  number of eligible members; unanimity: every eligible member) **and**, if the client must
  approve, one client manager has approved;
- an **emergency** change needs one CAB approval (the emergency CAB); the client is informed,
  not asked, and the post-implementation review becomes mandatory;
- a **standard** change is pre-approved by its template and never comes here;
- **any rejection rejects** the change at once, whoever it comes from; a rejection says why;
- each approver decides once; someone else is refused (403 in the API, an error in the UI).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vigie.accounts.models import User
from vigie.changes import permissions
from vigie.changes.models import (
    ApprovalRule,
    ApproverRole,
    Change,
    ChangeApproval,
    ChangeEventKind,
    ChangeStatus,
    ChangeType,
    Decision,
)
from vigie.changes.services import record
from vigie.changes.workflow import TransitionError
from vigie.core.audit import acting_as


@dataclass
class ApprovalState:
    rule: str
    cab_needed: int
    cab_members: list[User]
    client_needed: bool
    decisions: list[ChangeApproval] = field(default_factory=list)

    @property
    def cab_approvals(self) -> int:
        return sum(1 for d in self.decisions if d.role == ApproverRole.CAB and d.decision == Decision.APPROVED)

    @property
    def client_approved(self) -> bool:
        return any(d.role == ApproverRole.CLIENT and d.decision == Decision.APPROVED for d in self.decisions)

    @property
    def rejected(self) -> bool:
        return any(d.decision == Decision.REJECTED for d in self.decisions)

    @property
    def cab_met(self) -> bool:
        return self.cab_needed > 0 and self.cab_approvals >= self.cab_needed

    @property
    def satisfied(self) -> bool:
        return not self.rejected and self.cab_met and (self.client_approved or not self.client_needed)

    @property
    def pending_cab(self) -> list[User]:
        decided = {d.approver_id for d in self.decisions}
        return [user for user in self.cab_members if user.pk not in decided]


def eligible_cab(change: Change) -> list[User]:
    """CAB members who can see the change (they serve its client)."""
    users = User.objects.filter(pk__in=permissions.cab_member_ids(), is_active=True).order_by("first_name", "last_name")
    return [user for user in users if permissions.serves(user, change.organization_id)]


def state_of(change: Change) -> ApprovalState:
    members = eligible_cab(change)
    policy = permissions.policy()
    rule = policy.approval_rule if policy is not None else ApprovalRule.QUORUM
    if change.type == ChangeType.EMERGENCY:
        needed = 1 if members else 0
    elif rule == ApprovalRule.UNANIMITY:
        needed = len(members)
    else:
        quorum = max(1, policy.quorum if policy is not None else 1)
        needed = min(quorum, len(members))
    client_needed = change.type == ChangeType.NORMAL and change.needs_client_approval
    decisions = list(change.approvals.select_related("approver"))
    return ApprovalState(rule=rule, cab_needed=needed, cab_members=members, client_needed=client_needed, decisions=decisions)


def role_of(user: User, change: Change) -> str | None:
    """In which capacity ``user`` may decide on ``change`` (None: not an approver of it)."""
    if permissions.is_cab_member(user) and permissions.serves(user, change.organization_id):
        return ApproverRole.CAB
    if change.type == ChangeType.NORMAL and change.needs_client_approval and permissions.is_client_approver(user, change):
        return ApproverRole.CLIENT
    return None


def can_decide(user: User, change: Change) -> bool:
    return (
        change.status == ChangeStatus.AWAITING_APPROVAL
        and role_of(user, change) is not None
        and not change.approvals.filter(approver=user).exists()
    )


def decide(change: Change, *, by: User, decision: str, comment: str = "") -> Change:
    """Record ``by``'s approval or rejection, then approve or reject the change when the rules say so."""
    if decision not in Decision.values:
        raise ValidationError({"decision": _("Approve or reject.")})
    comment = (comment or "").strip()
    with transaction.atomic(), acting_as(by):
        change = Change.objects.select_for_update().get(pk=change.pk)
        role = role_of(by, change)
        if role is None:
            raise PermissionDenied(_("You are not an approver of this change."))
        if change.status != ChangeStatus.AWAITING_APPROVAL:
            raise TransitionError(_("This change is not awaiting approval."))
        if change.approvals.filter(approver=by).exists():
            raise ValidationError({"decision": _("You have already decided on this change.")})
        if decision == Decision.REJECTED and not comment:
            raise ValidationError({"comment": _("Say why you reject the change.")})
        ChangeApproval.objects.create(
            change=change, approver=by, role=role, decision=decision, comment=comment, decided_at=timezone.now()
        )
        record(change, by, ChangeEventKind.APPROVAL, decision=decision, role=role, comment=comment)
        state = state_of(change)
        target = None
        if state.rejected:
            target = ChangeStatus.REJECTED
            change.closed_at = timezone.now()
        elif state.satisfied:
            target = ChangeStatus.APPROVED
            change.approved_at = timezone.now()
        if target is not None:
            previous = change.status
            change.status = target
            change.save()
            record(change, by, ChangeEventKind.STATUS, old=previous, new=target, action="approval")
    return change


def awaiting_client(user: User) -> list[Change]:
    """The changes of the user's companies waiting for a client manager's decision that they have not given."""
    from vigie.tenancy.models import Membership, Role

    companies = Membership.objects.filter(user=user, role=Role.CLIENT_MANAGER).values("organization_id")
    candidates = (
        Change.objects.visible_to(user)
        .filter(organization_id__in=companies, status=ChangeStatus.AWAITING_APPROVAL, type=ChangeType.NORMAL)
        .exclude(approvals__role=ApproverRole.CLIENT, approvals__decision=Decision.APPROVED)
        .exclude(approvals__approver=user)
        .select_related("organization")
        .order_by("planned_start", "pk")
    )
    return [change for change in candidates if change.needs_client_approval]
