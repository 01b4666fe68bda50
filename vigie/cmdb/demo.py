"""Demo CMDB of each client company: the small IT of a French SME, with its dependencies.

Every client gets an internet link behind a firewall, two clustered hypervisors (a redundancy
group: one is enough), a file server VM and its application, a nightly backup, Microsoft 365,
its domain and web certificate, a multifunction printer and a laptop per employee. The business
services of the demo lean on them, so that impact analysis has something to say ("the firewall
fails: the tills, the online orders and the mail stop").
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial
from typing import Any

from django.utils import timezone

from vigie.accounts.models import User
from vigie.catalog.models import BusinessService, Criticality
from vigie.cmdb import services
from vigie.cmdb.models import CIClass, CIStatus, ConfigurationItem, DataClassification, Hosting, RelationKind
from vigie.tenancy.models import Organization


def _years_ago(today: date, years: int, days: int = 0) -> date:
    return today.replace(year=today.year - years) - timedelta(days=days)


def _create(admin: User, client: Organization, name: str, ci_class: str, **values: Any) -> ConfigurationItem:
    values.setdefault("status", CIStatus.IN_PRODUCTION)
    return services.create_item(by=admin, organization=client, name=name, ci_class=ci_class, **values)


def load(
    admin: User, clients: list[Organization], employees: dict[int, list[User]], business: dict[int, list[BusinessService]]
) -> int:
    """Create each client's CMDB; returns the number of configuration items made."""
    today = timezone.localdate()
    made = 0
    for client in clients:
        domain = f"{client.slug}.fr"

        item = partial(_create, admin, client)

        link = item(
            "Fibre Orange Pro",
            CIClass.INTERNET_LINK,
            vendor="Orange",
            criticality=Criticality.VITAL,
            attributes={"operator": "Orange Business", "bandwidth_mbps": 1000, "technology": "FTTH"},
        )
        firewall = item(
            "Pare-feu FW-01",
            CIClass.NETWORK_DEVICE,
            vendor="Stormshield",
            model="SN310",
            serial_number=f"SN310-{client.pk:04d}-A",
            criticality=Criticality.VITAL,
            purchase_date=_years_ago(today, 6),
            warranty_end=_years_ago(today, 1),
            end_of_support=today + timedelta(days=150),
            attributes={"device_type": "firewall", "firmware": "4.3.21", "ports": 8},
        )
        hosts = [
            item(
                f"SRV-HYPER-0{number}",
                CIClass.SERVER,
                vendor="Dell",
                model="PowerEdge R350",
                serial_number=f"DL{client.pk:03d}{number}7Q",
                criticality=Criticality.HIGH,
                purchase_date=_years_ago(today, 5, days=40 * number),
                warranty_end=today + timedelta(days=60 * number - 30),
                data_classification=DataClassification.CONFIDENTIAL,
                attributes={"cpu_cores": 16, "ram_gb": 128, "os": "Proxmox VE 8"},
            )
            for number in (1, 2)
        ]
        cluster = services.create_group(by=admin, organization=client, name="Grappe d'hyperviseurs", minimum_up=1)
        file_vm = item(
            "VM-FICHIERS",
            CIClass.VIRTUAL_MACHINE,
            criticality=Criticality.HIGH,
            data_classification=DataClassification.CONFIDENTIAL,
            attributes={"cpu_cores": 4, "ram_gb": 16, "os": "Windows Server 2019"},
            end_of_support=date(2029, 1, 9),
        )
        file_app = item(
            "Partages de fichiers",
            CIClass.APPLICATION,
            criticality=Criticality.HIGH,
            data_classification=DataClassification.CONFIDENTIAL,
            attributes={"version": "SMB 3"},
        )
        backup = item(
            "Sauvegarde nocturne",
            CIClass.BACKUP_JOB,
            vendor="Veeam",
            attributes={
                "target": "NAS Synology DS923+ puis copie OVHcloud",
                "schedule": "tous les jours à 22 h",
                "retention_days": 30,
            },
        )
        mail = item(
            "Microsoft 365 Business Standard",
            CIClass.SAAS_SUBSCRIPTION,
            vendor="Microsoft",
            criticality=Criticality.HIGH,
            hosting=Hosting.SAAS,
            hosting_provider="Microsoft",
            hosting_country="IE",
            hosting_jurisdiction="UE, fournisseur soumis au CLOUD Act américain",
            data_classification=DataClassification.CONFIDENTIAL,
            attributes={
                "plan": "Business Standard",
                "seats": max(5, len(employees.get(client.pk, []))),
                "url": "https://outlook.office.com",
            },
        )
        item(
            domain,
            CIClass.DOMAIN_NAME,
            hosting=Hosting.CLOUD,
            hosting_provider="OVHcloud",
            hosting_country="FR",
            hosting_jurisdiction="UE",
            attributes={"registrar": "OVHcloud", "expires_on": (today + timedelta(days=40)).isoformat()},
        )
        certificate = item(
            f"Certificat www.{domain}",
            CIClass.TLS_CERTIFICATE,
            attributes={
                "hosts": [f"www.{domain}", domain],
                "issuer": "Let's Encrypt R11",
                "expires_on": (today + timedelta(days=12)).isoformat(),
            },
        )
        item(
            "Copieur multifonction",
            CIClass.PRINTER,
            vendor="Canon",
            model="imageRUNNER C3226i",
            attributes={"ip_address": "192.168.1.20", "colour": "oui"},
        )
        made += 12
        for index, person in enumerate(employees.get(client.pk, [])[:6], start=1):
            item(
                f"PC-{client.slug.upper()[:3]}-{index:02d}",
                CIClass.LAPTOP,
                vendor="Lenovo",
                model="ThinkPad E14",
                owner=person,
                purchase_date=_years_ago(today, 1 + index % 5),
                warranty_end=_years_ago(today, 1 + index % 5) + timedelta(days=3 * 365),
                attributes={"os": "Windows 11 Pro", "assigned_user": person.get_full_name(), "encrypted": "BitLocker"},
                users=[person],
            )
            made += 1

        services.add_relation(by=admin, source=firewall, target=link, kind=RelationKind.DEPENDS_ON)
        for host in hosts:
            services.add_relation(by=admin, source=file_vm, target=host, kind=RelationKind.RUNS_ON, redundancy_group=cluster)
            services.add_relation(by=admin, source=host, target=firewall, kind=RelationKind.CONNECTED_TO)
        services.add_relation(by=admin, source=file_app, target=file_vm, kind=RelationKind.HOSTED_ON)
        services.add_relation(by=admin, source=backup, target=file_vm, kind=RelationKind.BACKS_UP)
        services.add_relation(by=admin, source=mail, target=link, kind=RelationKind.DEPENDS_ON)
        services.add_relation(by=admin, source=certificate, target=firewall, kind=RelationKind.CONNECTED_TO)

        # What each business service stands on: the network for all, the files and mail where
        # the service's name says so, the file server for the business application.
        for service in business.get(client.pk, []):
            services.add_component(by=admin, service=service, item=firewall)
            name = service.name.lower()
            if "messagerie" in name:
                services.add_component(by=admin, service=service, item=mail)
            if service.criticality == Criticality.VITAL or any(word in name for word in ("logiciel", "comptab", "fichier")):
                services.add_component(by=admin, service=service, item=file_app)
    return made
