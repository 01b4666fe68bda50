"""Suppliers, contracts and licences of the demo's clients: a telecom operator, a cloud host,
Microsoft 365 through a reseller and a local maintenance company, with deadlines spread so that
the "upcoming" view and the reminders have something to show. Written with the models directly,
like the rest of the demo's seed data."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from vigie.accounts.models import User
from vigie.catalog.models import BusinessService
from vigie.contracts.models import Contract, Licence, LicenceAssignment, Supplier
from vigie.sla.models import BusinessCalendar
from vigie.tenancy.models import Organization

SUPPLIERS = [
    # name, kind, website, support phone, support e-mail
    ("Orange Business", "telecom", "https://www.orange-business.com", "3901", ""),
    ("OVHcloud", "hosting", "https://www.ovhcloud.com", "09 72 10 10 07", "support@ovh.com"),
    ("Inmac Wstore", "reseller", "https://www.inmac-wstore.com", "", "support@inmac-wstore.com"),
    ("Rhône Bureautique Maintenance", "maintenance", "", "04 72 00 00 00", "sav@rhone-bureautique.fr"),
]


def load(
    clients: list[Organization],
    employees: dict[int, list[User]],
    services: dict[int, list[BusinessService]],
    calendar: BusinessCalendar | None,
    today: date | None = None,
) -> int:
    """Create the records for each client; returns how many contracts were made."""
    today = today or timezone.localdate()
    made = 0
    for index, client in enumerate(clients):
        suppliers = {
            name: Supplier.objects.create(
                organization=client,
                name=name,
                kind=kind,
                website=website,
                support_phone=phone,
                support_email=email,
                contact_name="Service client" if kind != "maintenance" else "Karim Benali",
            )
            for name, kind, website, phone, email in SUPPLIERS
        }
        shift = timedelta(days=25 * index)
        contracts = [
            Contract(
                organization=client,
                supplier=suppliers["Orange Business"],
                reference=f"OB-{2024 + index}-{client.pk:04d}",
                title="Fibre optique et téléphonie",
                kind="telecom",
                start_date=today - timedelta(days=700) + shift,
                end_date=today + timedelta(days=70) + shift,
                renewal="tacit",
                renewal_months=12,
                notice_days=30,
                cost_amount=Decimal("89.00"),
                cost_period="monthly",
                support_terms="Rétablissement sous 4 h ouvrées (GTR 4 h).",
            ),
            Contract(
                organization=client,
                supplier=suppliers["OVHcloud"],
                title="Serveur dédié et sauvegardes",
                kind="hosting",
                start_date=today - timedelta(days=300),
                end_date=today + timedelta(days=65) + shift,
                renewal="tacit",
                renewal_months=12,
                notice_days=7,
                cost_amount=Decimal("1080.00"),
                cost_period="yearly",
            ),
            Contract(
                organization=client,
                supplier=suppliers["Inmac Wstore"],
                title="Microsoft 365 Business Standard",
                kind="saas",
                start_date=today - timedelta(days=200),
                end_date=today + timedelta(days=165),
                renewal="on_request",
                renewal_months=12,
                notice_days=30,
                cost_amount=Decimal("12.50"),
                cost_period="monthly",
            ),
            Contract(
                organization=client,
                supplier=suppliers["Rhône Bureautique Maintenance"],
                reference=f"RBM-{client.pk:03d}",
                title="Maintenance des copieurs et du parc",
                kind="support",
                start_date=today - timedelta(days=1000),
                end_date=today + timedelta(days=20) + shift,
                renewal="none",
                cost_amount=Decimal("1450.00"),
                cost_period="yearly",
                support_calendar=calendar,
                support_terms="Intervention sur site le jour ouvré suivant.",
            ),
        ]
        for contract in contracts:
            contract.save()
        covered = services.get(client.pk, [])
        if covered:
            contracts[0].services.set(covered[:1])
            contracts[1].services.set(covered[1:2])
            contracts[2].services.set(covered[:2])
        people = employees.get(client.pk, [])
        office = Licence.objects.create(
            organization=client,
            software="Microsoft 365 Business Standard",
            supplier=suppliers["Inmac Wstore"],
            contract=contracts[2],
            kind="subscription",
            seats_purchased=max(1, len(people) - 2 + (1 if index == 0 else 0)),
            expiry_date=contracts[2].end_date,
        )
        LicenceAssignment.objects.bulk_create([LicenceAssignment(licence=office, user=user) for user in people])
        Licence.objects.create(
            organization=client,
            software="Sage 100 Comptabilité",
            kind="per_seat",
            seats_purchased=2,
            expiry_date=today + timedelta(days=40 + 30 * index),
            key=f"SAGE-{client.pk:04d}-DEMO-{2025 + index}",
        )
        Licence.objects.create(
            organization=client, software="ESET PROTECT Entry", kind="site", expiry_date=today + timedelta(days=300)
        )
        made += len(contracts)
    return made
