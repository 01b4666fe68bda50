"""Suppliers, contracts and licences: the rules, the derived dates and costs, tacit renewal, the
reminders before a deadline (sent once), and who may change what."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from tests.conftest import World, make_user
from vigie.catalog import services as catalog_services
from vigie.contracts import reminders, services
from vigie.contracts.models import Contract, ContractReminder, ContractStatus, Licence, Renewal, Supplier
from vigie.contracts.services import add_months
from vigie.core.models import AuditEntry
from vigie.notifications.models import OutboundEmail
from vigie.tenancy.models import Role

pytestmark = pytest.mark.django_db


def supplier_of(world: World, organization: Any = None, name: str = "OVHcloud") -> Any:
    organization = organization or world.client_a
    existing = Supplier.objects.filter(organization=organization, name=name).first()
    return existing or services.create_supplier(by=world.admin, organization=organization, name=name, kind="hosting")


def contract_of(world: World, **fields: Any) -> Contract:
    values: dict[str, Any] = {
        "supplier": fields.pop("supplier", None) or supplier_of(world),
        "title": "Hébergement du site",
        "start_date": date(2025, 1, 1),
        "end_date": date(2026, 1, 1),
    }
    values.update(fields)
    return services.create_contract(by=world.admin, organization=world.client_a, **values)


def messages_of(error: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return error.value.message_dict


def test_notice_deadline_and_yearly_cost(world: World) -> None:
    contract = contract_of(
        world,
        renewal=Renewal.TACIT,
        renewal_months=12,
        notice_days=90,
        cost_amount=Decimal("49.90"),
        cost_period="monthly",
    )
    assert contract.notice_deadline == date(2025, 10, 3)  # 1 January 2026 − 90 days
    assert contract.yearly_cost == Decimal("598.80")
    assert Contract.objects.get(pk=contract.pk).notice_deadline == date(2025, 10, 3)
    one_off = contract_of(world, title="Installation", cost_amount=Decimal("1500"), cost_period="one_off")
    assert one_off.yearly_cost is None and one_off.notice_deadline is None  # no renewal: nothing to cancel


def test_status_follows_the_dates(world: World) -> None:
    contract = contract_of(world, renewal=Renewal.TACIT, renewal_months=12, notice_days=30)
    assert contract.status_on(date(2025, 3, 1)) == ContractStatus.ACTIVE
    assert contract.status_on(date(2025, 11, 1)) == ContractStatus.EXPIRING  # notice deadline 2 December
    assert contract.status_on(date(2026, 2, 1)) == ContractStatus.EXPIRED
    services.update_contract(contract, by=world.admin, terminated_on=date(2025, 6, 1))
    contract.refresh_from_db()
    assert contract.status_on(date(2025, 7, 1)) == ContractStatus.TERMINATED
    qs = Contract.objects.all()
    assert list(qs.with_status("terminated", date(2025, 7, 1))) == [contract]
    assert not qs.with_status("active", date(2025, 7, 1)).exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"end_date": date(2024, 12, 31)}, "end_date"),
        ({"end_date": date(2025, 1, 1)}, "end_date"),
        ({"notice_days": 365}, "notice_days"),
        ({"renewal": Renewal.TACIT}, "renewal_months"),
        ({"renewal": Renewal.TACIT, "renewal_months": 12, "end_date": None}, "end_date"),
        ({"currency": "EURO"}, "currency"),
        ({"currency": "XYZ"}, "currency"),
        ({"cost_amount": Decimal("-1")}, "cost_amount"),
        ({"title": "  "}, "title"),
        ({"kind": "mystery"}, "kind"),
        ({"renewal_months": 500}, "renewal_months"),
    ],
)
def test_bad_contracts_are_refused_naming_the_field(world: World, fields: dict[str, Any], field: str) -> None:
    supplier = supplier_of(world)
    before = Contract.objects.count()
    with pytest.raises(ValidationError) as error:
        contract_of(world, supplier=supplier, **fields)
    assert field in messages_of(error)
    assert Contract.objects.count() == before


def test_objects_of_another_client_are_refused(world: World) -> None:
    other_supplier = supplier_of(world, world.client_b, "Orange")
    other_service = catalog_services.create_service(by=world.admin, organization=world.client_b, name="Paie")
    with pytest.raises(ValidationError) as error:
        contract_of(world, supplier=other_supplier, services=[other_service])
    assert {"supplier", "services"} <= set(messages_of(error))
    with pytest.raises(ValidationError) as error:
        services.create_licence(
            by=world.admin, organization=world.client_a, software="Office", seats_purchased=1, users=[world.manager_b]
        )
    assert "users" in messages_of(error)


def test_currency_is_normalised(world: World) -> None:
    assert contract_of(world, currency="chf").currency == "CHF"


def test_tacit_renewal_rolls_the_end_forward(world: World) -> None:
    contract = contract_of(world, renewal=Renewal.TACIT, renewal_months=12, notice_days=60)
    fixed = contract_of(world, title="Sans renouvellement")
    moved = services.roll_tacit_renewals(date(2027, 3, 15))
    assert moved == [contract.pk]
    contract.refresh_from_db()
    assert contract.end_date == date(2028, 1, 1)  # two whole periods
    assert contract.notice_deadline == date(2027, 11, 2)
    fixed.refresh_from_db()
    assert fixed.end_date == date(2026, 1, 1)
    assert services.roll_tacit_renewals(date(2027, 3, 15)) == []  # idempotent
    entry = AuditEntry.objects.filter(model="contracts.contract", object_id=str(contract.pk), action="update").get()
    assert entry.changes["end_date"] == ["2026-01-01", "2028-01-01"]
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)


def test_reminders_go_out_once_per_step(world: World, django_capture_on_commit_callbacks: Any) -> None:
    contract = contract_of(world, renewal=Renewal.TACIT, renewal_months=12, notice_days=30)  # deadline 2 Dec 2025
    world.admin.language = "en"
    world.admin.save()
    assert reminders.send_reminders(date(2025, 8, 1)) == 0  # 123 days ahead
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.send_reminders(date(2025, 9, 10)) == 1  # 83 days: the 90-day reminder
    assert reminders.send_reminders(date(2025, 9, 11)) == 0
    emails = OutboundEmail.objects.order_by("to")
    assert sorted(e.to for e in emails) == sorted([world.admin.email, world.manager_a.email])
    assert all(e.kind == "contract" for e in emails)
    english = emails.get(to=world.admin.email)
    assert "notice deadline" in english.subject.lower() and contract.title in english.subject
    french = emails.get(to=world.manager_a.email)
    assert "/portal/contracts/" in french.body_text and "/desk/" not in french.body_text
    assert len(mail.outbox) == 2  # delivered through the notifications worker
    assert reminders.send_reminders(date(2025, 11, 10)) == 1  # 22 days: the 30-day one
    assert reminders.send_reminders(date(2025, 11, 28)) == 1  # 4 days: the 7-day one
    assert reminders.send_reminders(date(2025, 11, 29)) == 0
    steps = sorted(ContractReminder.objects.filter(contract=contract).values_list("days_before", flat=True))
    assert steps == [7, 30, 90]
    # After the notice deadline a tacit contract renews by itself: no reminder of its end.
    assert reminders.send_reminders(date(2025, 12, 20)) == 0


def test_reminders_skip_terminated_and_name_the_end_without_renewal(world: World) -> None:
    ending = contract_of(world, title="Location photocopieur", end_date=date(2025, 6, 1))
    contract_of(world, title="Résilié", end_date=date(2025, 6, 1), terminated_on=date(2025, 3, 1))
    assert reminders.send_reminders(date(2025, 5, 20)) == 1
    reminder = ContractReminder.objects.get()
    assert reminder.contract == ending and not reminder.is_notice and reminder.days_before == 30


def test_licence_seats_and_over_allocation_is_flagged_not_refused(world: World) -> None:
    licence = services.create_licence(
        by=world.admin,
        organization=world.client_a,
        software="Microsoft 365 Business",
        seats_purchased=1,
        users=[world.manager_a, world.it_contact_a],
    )
    assert licence.seats_used == 2 and licence.seats_available == -1 and licence.is_over_allocated
    assert list(Licence.objects.over_allocated()) == [licence]
    services.update_licence(licence, by=world.admin, seats_purchased=5)
    assert not Licence.objects.over_allocated().exists()
    services.update_licence(licence, by=world.admin, users=[world.manager_a])
    assert Licence.objects.get(pk=licence.pk).seats_used == 1
    with pytest.raises(ValidationError) as error:
        services.create_licence(by=world.admin, organization=world.client_a, software="X", kind="per_seat")
    assert "seats_purchased" in messages_of(error)


def test_only_admins_and_service_owners_change(world: World) -> None:
    owner = make_user("sonia.owner@durand.test", world.provider, Role.SERVICE_OWNER)
    world.group_a.members.add(owner)
    assert services.create_supplier(by=owner, organization=world.client_a, name="Local Maintenance")
    for user in (world.tech_a, world.manager_a, world.it_contact_a):
        with pytest.raises(PermissionDenied):
            services.create_supplier(by=user, organization=world.client_a, name="Refusé")
    with pytest.raises(PermissionDenied):
        services.create_supplier(by=owner, organization=world.client_b, name="Pas servi")


def test_reveal_is_recorded_and_limited_to_readers(world: World) -> None:
    licence = services.create_licence(
        by=world.admin, organization=world.client_a, software="Antivirus", kind="site", key="AV-1234"
    )
    assert services.reveal_key(licence, by=world.tech_a) == "AV-1234"
    assert services.reveal_key(licence, by=world.it_contact_a, channel="api") == "AV-1234"
    for user in (world.tech_b, world.requester_a, world.manager_b):
        with pytest.raises(PermissionDenied):
            services.reveal_key(licence, by=user)
    reveals = licence.reveals.order_by("pk")
    assert [(r.by, r.channel) for r in reveals] == [(world.tech_a, "web"), (world.it_contact_a, "api")]
    trail = AuditEntry.objects.filter(model="contracts.licencekeyreveal")
    assert trail.count() == 2 and trail.filter(actor=world.tech_a).exists()
    assert "AV-1234" not in str(list(AuditEntry.objects.values_list("changes", flat=True)))


def test_supplier_in_use_is_not_deleted(world: World) -> None:
    contract = contract_of(world)
    with pytest.raises(ValidationError):
        services.delete_supplier(contract.supplier, by=world.admin)
    services.delete_contract(contract, by=world.admin)
    services.delete_supplier(contract.supplier, by=world.admin)


def test_demo_records(world: World) -> None:
    from vigie.contracts import demo

    employees = {world.client_a.pk: [world.manager_a, world.it_contact_a, world.requester_a]}
    assert demo.load([world.client_a, world.client_b], employees, {}, None, today=date(2025, 6, 1)) == 8
    assert Supplier.objects.filter(organization=world.client_b).count() == 4
    assert Contract.objects.deadline_within(date(2025, 6, 1), 90).exists()
    assert Licence.objects.over_allocated().filter(organization=world.client_a).exists()
    assert Licence.objects.exclude(key="").count() == 2
