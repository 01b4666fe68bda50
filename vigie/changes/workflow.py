"""The status flow of a change: which action leads from which status to which, and who may take it.

    draft ─submit─▶ submitted ─assess─▶ assessment ─request approval─▶ awaiting approval
      │  (standard: pre-approved)                                  (emergency: straight here)
      │                                                       approve ▼        ▼ reject (any one)
      └──────────────────────────────────────────────────────▶ approved      rejected
    approved ─schedule─▶ scheduled ─start─▶ implementing ─complete─▶ implemented
                                                  ├─fail─▶ failed ─back out─▶ backed out
                                                  └─back out─▶ backed out
    implemented / failed / backed out ─review─▶ in review ─close─▶ closed
    implemented ─close─▶ closed  (normal and standard changes only: the review is optional)
    draft … scheduled ─cancel─▶ cancelled

Approval itself (approve, reject) lives in ``vigie.changes.approvals``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrPromise

from vigie.changes.models import ChangeStatus as S
from vigie.servicedesk.workflow import TransitionError

__all__ = ["ACTIONS", "Actor", "Transition", "TransitionError"]


class Actor(StrEnum):
    WORKER = "worker"  # provider staff serving the client
    MANAGER = "manager"  # change managers and administrators
    MANAGER_OR_OWNER = "manager_or_owner"  # the above, or the change owner


@dataclass(frozen=True)
class Transition:
    name: str
    label: StrPromise
    sources: frozenset[str]
    target: str
    actor: Actor


def _t(name: str, label: StrPromise, sources: set[str], target: str, actor: Actor) -> Transition:
    return Transition(name, label, frozenset(sources), target, actor)


ACTIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        _t("submit", _("Submit"), {S.DRAFT}, S.SUBMITTED, Actor.WORKER),
        _t("assess", _("Start assessment"), {S.SUBMITTED}, S.ASSESSMENT, Actor.MANAGER),
        _t("request_approval", _("Send to approval"), {S.ASSESSMENT}, S.AWAITING_APPROVAL, Actor.MANAGER),
        _t("schedule", _("Schedule"), {S.APPROVED}, S.SCHEDULED, Actor.MANAGER_OR_OWNER),
        _t("start", _("Start implementation"), {S.SCHEDULED}, S.IN_PROGRESS, Actor.WORKER),
        _t("complete", _("Mark implemented"), {S.IN_PROGRESS}, S.IMPLEMENTED, Actor.WORKER),
        _t("fail", _("Mark failed"), {S.IN_PROGRESS}, S.FAILED, Actor.WORKER),
        _t("back_out", _("Back out"), {S.IN_PROGRESS, S.FAILED}, S.BACKED_OUT, Actor.WORKER),
        _t("review", _("Review"), {S.IMPLEMENTED, S.FAILED, S.BACKED_OUT, S.IN_REVIEW}, S.IN_REVIEW, Actor.MANAGER),
        _t("close", _("Close"), {S.IMPLEMENTED, S.IN_REVIEW}, S.CLOSED, Actor.MANAGER),
        _t(
            "cancel",
            _("Cancel"),
            {S.DRAFT, S.SUBMITTED, S.ASSESSMENT, S.AWAITING_APPROVAL, S.APPROVED, S.SCHEDULED},
            S.CANCELLED,
            Actor.MANAGER_OR_OWNER,
        ),
    )
}


def available(status: str) -> list[Transition]:
    return [t for t in ACTIONS.values() if status in t.sources]
