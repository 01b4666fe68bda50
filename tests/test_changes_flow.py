"""The change flow through the services: guards, paths per type, risk, approvals, freezes, conflicts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.changes_support import WINDOW_START, answers, awaiting, draft, make_cab
from vigie.changes import approvals, config, planning, risk, services
from vigie.changes.models import ApprovalRule, ChangePolicy, ChangeStatus, ChangeType, RiskLevel
from vigie.changes.workflow import TransitionError
from vigie.core.models import AuditEntry
from vigie.servicedesk import services as desk_services

pytestmark = pytest.mark.django_db


def test_risk_formula_and_levels():
    assert risk.score([0, 0], [4, 4]).level == RiskLevel.LOW
    assert risk.score([2, 0], [4, 4]) == risk.RiskResult(25, RiskLevel.MEDIUM)
    assert risk.score([4, 0], [4, 4]) == risk.RiskResult(50, RiskLevel.HIGH)
    assert risk.score([4, 2], [4, 4]) == risk.RiskResult(75, RiskLevel.VERY_HIGH)
    assert risk.score([], []).score == 0


def test_numbers_are_unique_references(world):
    first, second = draft(world), draft(world)
    assert first.reference.startswith("CHG-") and len(first.reference) == 10
    assert second.number == first.number + 1


def test_normal_change_runs_through_cab_to_closed(world):
    cab = make_cab(world)
    change = awaiting(world, cab, risk="low", client_approval="not_required")
    assert change.status == ChangeStatus.AWAITING_APPROVAL and change.risk_level == RiskLevel.LOW
    change = approvals.decide(change, by=cab.cm1, decision="approved", comment="OK")
    assert change.status == ChangeStatus.APPROVED  # quorum 1 by default
    for step, expected in [
        ("schedule", ChangeStatus.SCHEDULED),
        ("start", ChangeStatus.IN_PROGRESS),
        ("complete", ChangeStatus.IMPLEMENTED),
    ]:
        change = services.transition(change, step, by=cab.cm1 if step == "schedule" else world.tech_a)
        assert change.status == expected
    assert change.actual_start and change.actual_end
    change = services.transition(change, "review", by=cab.cm1, outcome="successful", notes="RAS")
    change = services.transition(change, "close", by=cab.cm1)
    assert change.status == ChangeStatus.CLOSED and change.closed_at
    kinds = list(change.events.values_list("kind", flat=True))
    assert kinds[0] == "created" and "approval" in kinds and "review" in kinds
    audited = AuditEntry.objects.filter(model="changes.change", object_id=str(change.pk))
    assert audited.filter(actor=cab.cm1).exists() and audited.filter(actor=world.tech_a).exists()


def test_guards_refuse_wrong_status_and_wrong_person(world):
    cab = make_cab(world)
    change = draft(world)
    with pytest.raises(TransitionError):
        services.transition(change, "start", by=world.tech_a)
    change = services.transition(change, "submit", by=world.tech_a)
    with pytest.raises(PermissionDenied):
        services.transition(change, "assess", by=world.tech_a)  # a technician is no change manager
    with pytest.raises(PermissionDenied):
        services.transition(change, "assess", by=cab.cm_b)  # a change manager who does not serve client A
    change = services.transition(change, "assess", by=cab.cm1)
    with pytest.raises(ValidationError) as refused:
        services.transition(change, "request_approval", by=cab.cm1)
    assert "risk_level" in refused.value.message_dict
    change.refresh_from_db()
    assert change.status == ChangeStatus.ASSESSMENT


def test_submit_needs_plans_and_window(world):
    change = draft(world, backout_plan="", planned_start=None, planned_end=None)
    with pytest.raises(ValidationError) as refused:
        services.transition(change, "submit", by=world.tech_a)
    assert {"backout_plan", "planned_start"} <= set(refused.value.message_dict)


def test_bad_window_and_foreign_service_are_field_errors(world):
    from vigie.catalog import services as catalog_services

    foreign = catalog_services.create_service(by=world.admin, organization=world.client_b, name="Paie")
    with pytest.raises(ValidationError) as refused:
        draft(world, planned_end=WINDOW_START - timedelta(hours=1), services=[foreign])
    assert {"planned_end", "services"} <= set(refused.value.message_dict)
    with pytest.raises(PermissionDenied):
        draft(world, by=world.tech_b)  # tech_b does not serve client A


def test_standard_change_is_pre_approved(world):
    cab = make_cab(world)
    template = config.create_template(
        by=cab.cm1, organization=world.provider, name="Redémarrage planifié", implementation_plan="Redémarrer"
    )
    change = draft(world, type=ChangeType.STANDARD, template=template, implementation_plan="")
    assert change.implementation_plan == "Redémarrer" and change.risk_level == RiskLevel.LOW
    change = services.transition(change, "submit", by=world.tech_a)
    assert change.status == ChangeStatus.APPROVED and change.approvals.count() == 0
    with pytest.raises(ValidationError):
        draft(world, type=ChangeType.STANDARD)  # no template
    with pytest.raises(PermissionDenied):
        config.create_template(by=world.tech_a, organization=world.provider, name="x", implementation_plan="y")


def test_emergency_path_one_cab_approval_and_mandatory_review(world):
    cab = make_cab(world)
    ChangePolicy.objects.create(organization=world.provider, approval_rule=ApprovalRule.UNANIMITY)
    change = draft(world, type=ChangeType.EMERGENCY)
    change = services.transition(change, "submit", by=world.tech_a)
    assert change.status == ChangeStatus.AWAITING_APPROVAL  # no assessment, no questionnaire needed
    assert approvals.role_of(world.manager_a, change) is None  # the client is informed, not asked
    change = approvals.decide(change, by=cab.cm2, decision="approved")
    assert change.status == ChangeStatus.APPROVED  # one is enough despite unanimity
    change = services.transition(change, "schedule", by=cab.cm1)
    change = services.transition(change, "start", by=world.tech_a)
    change = services.transition(change, "complete", by=world.tech_a)
    with pytest.raises(TransitionError):
        services.transition(change, "close", by=cab.cm1)
    with pytest.raises(ValidationError):
        services.transition(change, "review", by=cab.cm1)  # no outcome
    change = services.transition(change, "review", by=cab.cm1, outcome="with_issues", notes="Coupure plus longue")
    assert services.transition(change, "close", by=cab.cm1).status == ChangeStatus.CLOSED


def test_quorum_counts_cab_approvals_and_client_approval(world):
    cab = make_cab(world)
    ChangePolicy.objects.create(organization=world.provider, quorum=2)
    change = awaiting(world, cab, risk="medium")
    assert change.needs_client_approval
    change = approvals.decide(change, by=cab.cm1, decision="approved")
    assert change.status == ChangeStatus.AWAITING_APPROVAL
    change = approvals.decide(change, by=cab.cm2, decision="approved")
    assert change.status == ChangeStatus.AWAITING_APPROVAL  # the client manager has not approved yet
    assert [c.pk for c in approvals.awaiting_client(world.manager_a)] == [change.pk]
    change = approvals.decide(change, by=world.manager_a, decision="approved", comment="D'accord")
    assert change.status == ChangeStatus.APPROVED and change.approved_at
    assert approvals.awaiting_client(world.manager_a) == []


def test_unanimity_needs_every_eligible_member(world):
    cab = make_cab(world)
    ChangePolicy.objects.create(organization=world.provider, approval_rule=ApprovalRule.UNANIMITY)
    change = awaiting(world, cab, risk="low")
    assert approvals.state_of(change).cab_needed == 2  # cm_b does not serve client A
    change = approvals.decide(change, by=cab.cm1, decision="approved")
    assert change.status == ChangeStatus.AWAITING_APPROVAL
    change = approvals.decide(change, by=cab.cm2, decision="approved")
    assert change.status == ChangeStatus.APPROVED


def test_any_rejection_rejects_and_needs_a_reason(world):
    cab = make_cab(world)
    ChangePolicy.objects.create(organization=world.provider, quorum=2)
    change = awaiting(world, cab)
    change = approvals.decide(change, by=cab.cm1, decision="approved")
    with pytest.raises(ValidationError) as refused:
        approvals.decide(change, by=world.manager_a, decision="rejected")
    assert "comment" in refused.value.message_dict
    change = approvals.decide(change, by=world.manager_a, decision="rejected", comment="Pas pendant les soldes")
    assert change.status == ChangeStatus.REJECTED
    with pytest.raises(TransitionError):
        approvals.decide(change, by=cab.cm2, decision="approved")


def test_approval_by_someone_without_the_right_is_refused(world):
    cab = make_cab(world)
    change = awaiting(world, cab)
    for outsider in (world.tech_a, world.admin, world.it_contact_a, world.requester_a, cab.cm_b, world.manager_b):
        with pytest.raises(PermissionDenied):
            approvals.decide(change, by=outsider, decision="approved")
    approvals.decide(change, by=cab.cm1, decision="approved")
    change.refresh_from_db()
    with pytest.raises((ValidationError, TransitionError)):
        approvals.decide(change, by=cab.cm1, decision="approved")  # each approver decides once
    assert change.approvals.count() == 1


def test_policy_cab_list_replaces_the_change_managers(world):
    cab = make_cab(world)
    policy = ChangePolicy.objects.create(organization=world.provider)
    policy.cab_members.add(world.tech_a)
    change = awaiting(world, cab, client_approval="not_required")
    with pytest.raises(PermissionDenied):
        approvals.decide(change, by=cab.cm1, decision="approved")
    assert approvals.decide(change, by=world.tech_a, decision="approved").status == ChangeStatus.APPROVED


def test_freeze_refuses_scheduling_unless_a_change_manager_overrides(world):
    cab = make_cab(world)
    freeze = config.create_freeze(
        by=cab.cm1,
        organization=world.provider,
        name="Clôture annuelle",
        starts_at=WINDOW_START - timedelta(days=1),
        ends_at=WINDOW_START + timedelta(hours=1),
    )
    change = awaiting(world, cab, client_approval="not_required", owner=world.tech_a)
    change = approvals.decide(change, by=cab.cm1, decision="approved")
    assert [f.pk for f in planning.freezes_for(change)] == [freeze.pk]
    with pytest.raises(ValidationError) as refused:
        services.transition(change, "schedule", by=cab.cm1)
    assert "planned_start" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        services.transition(change, "schedule", by=world.tech_a, override_freeze=True, override_reason="Urgent")
    with pytest.raises(ValidationError):
        services.transition(change, "schedule", by=cab.cm1, override_freeze=True)  # no reason
    change.refresh_from_db()
    assert change.status == ChangeStatus.APPROVED and change.freeze_override_by is None
    change = services.transition(change, "schedule", by=cab.cm1, override_freeze=True, override_reason="Faille critique")
    assert change.status == ChangeStatus.SCHEDULED
    assert change.freeze_override_by == cab.cm1 and change.freeze_override_reason == "Faille critique"
    assert change.events.filter(kind="freeze_override").exists()


def test_client_freeze_does_not_touch_other_clients(world):
    cab = make_cab(world)
    config.create_freeze(
        by=cab.cm_b,
        organization=world.client_b,
        name="Inventaire",
        starts_at=WINDOW_START,
        ends_at=WINDOW_START + timedelta(days=1),
    )
    assert planning.freezes_for(draft(world)) == []


def test_conflicts_on_same_service_and_overlapping_window_flag_both(world):
    cab = make_cab(world)
    first = draft(world, services=[cab.service_a])
    second = draft(world, services=[cab.service_a], start=WINDOW_START + timedelta(hours=1))
    apart = draft(world, services=[cab.service_a], start=WINDOW_START + timedelta(days=2))
    other_service = draft(world, start=WINDOW_START)
    first, second, apart, other_service = (
        services.transition(change, "submit", by=world.tech_a) for change in (first, second, apart, other_service)
    )
    assert [c.other.pk for c in planning.conflicts_for(first)] == [second.pk]
    assert [c.other.pk for c in planning.conflicts_for(second)] == [first.pk]
    assert planning.conflicts_for(apart) == [] and planning.conflicts_for(other_service) == []
    assert planning.conflicting_ids([first, second, apart]) == {first.pk, second.pk}
    services.transition(second, "cancel", by=world.tech_a)
    assert planning.conflicts_for(first) == []


def test_risk_questionnaire_must_be_complete(world):
    change = draft(world)
    partial = dict(list(answers("low").items())[:2])
    with pytest.raises(ValidationError):
        services.assess_risk(change, by=world.tech_a, answers=partial)
    change = services.assess_risk(change, by=world.tech_a, answers=answers("high"))
    assert change.risk_score == 100 and change.risk_level == RiskLevel.VERY_HIGH


def test_incidents_caused_are_linked_and_counted(world):
    cab = make_cab(world)
    change = awaiting(world, cab, client_approval="not_required")
    incident = desk_services.open_ticket(by=world.requester_a, organization=world.client_a, title="Caisse bloquée")
    other = desk_services.open_ticket(by=world.requester_b, organization=world.client_b, title="Ailleurs")
    services.link_incidents(change, by=world.tech_a, add=[incident])
    assert list(incident.caused_by_changes.all()) == [change]
    with pytest.raises(ValidationError):
        services.link_incidents(change, by=world.tech_a, add=[other])
    services.link_incidents(change, by=world.tech_a, remove=[incident])
    assert change.caused_incidents.count() == 0


def test_edit_only_while_a_request(world):
    cab = make_cab(world)
    change = awaiting(world, cab)
    with pytest.raises(ValidationError) as refused:
        services.update_change(change, by=world.tech_a, title="Autre")
    assert "status" in refused.value.message_dict
    fresh = draft(world)
    fresh = services.update_change(fresh, by=world.tech_a, title="Nouveau titre", services=[cab.service_a])
    assert fresh.title == "Nouveau titre" and list(fresh.services.all()) == [cab.service_a]
