"""Shared fixtures: a provider with technicians in two groups and two client companies,
each with a manager, an IT contact and requesters — the owner/member/outsider pattern."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.test import Client

from vigie.accounts.models import User
from vigie.tenancy.models import Membership, Organization, OrganizationKind, Role, Site, TechnicianGroup

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _isolated_media(settings: object, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _fast_passwords(settings: object) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _huey_immediate(settings: object) -> None:
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True


@pytest.fixture(autouse=True)
def _ticket_numbers_start_at_one(request: pytest.FixtureRequest) -> None:
    """On PostgreSQL ticket numbers come from sequences, which a test's rollback does not
    rewind: start each database test at INC-000001 as on a fresh installation."""
    uses_db = request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(request.fixturenames)
    if not uses_db:
        return
    from django.db import connection

    from vigie.servicedesk.models import TicketType
    from vigie.servicedesk.numbering import sequence_name

    blocker = request.getfixturevalue("django_db_blocker")
    with blocker.unblock():
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            for ticket_type in TicketType.values:
                cursor.execute("SELECT setval(%s, 1, false)", [sequence_name(ticket_type)])


def make_user(email: str, organization: Organization, role: str, **extra: object) -> User:
    first, _, last = email.split("@")[0].partition(".")
    user = User.objects.create_user(email=email, password=PASSWORD, first_name=first.title(), last_name=last.title(), **extra)
    Membership.objects.create(user=user, organization=organization, role=role)
    return user


@dataclass
class World:
    provider: Organization
    client_a: Organization
    client_b: Organization
    site_a: Site
    admin: User
    tech_a: User  # serves client A only
    tech_b: User  # serves client B only
    group_a: TechnicianGroup
    group_b: TechnicianGroup
    manager_a: User
    it_contact_a: User
    requester_a: User
    requester_a2: User
    manager_b: User
    requester_b: User


@pytest.fixture
def world(db: None) -> World:
    provider = Organization.objects.create(kind=OrganizationKind.PROVIDER, name="Infogérance Durand", slug="durand")
    client_a = Organization.objects.create(
        name="Boulangerie Martin", slug="martin", support_email="support-martin@vigie.test", email_domains="martin.test"
    )
    client_b = Organization.objects.create(
        name="Cabinet Lefèvre", slug="lefevre", support_email="support-lefevre@vigie.test", email_domains="lefevre.test"
    )
    site_a = Site.objects.create(organization=client_a, name="Atelier", city="Lyon")
    admin = make_user("alice.admin@durand.test", provider, Role.ADMIN)
    tech_a = make_user("theo.tech@durand.test", provider, Role.TECHNICIAN)
    tech_b = make_user("berenice.tech@durand.test", provider, Role.TECHNICIAN)
    group_a = TechnicianGroup.objects.create(organization=provider, name="Support Lyon", lead=tech_a)
    group_a.members.add(tech_a)
    group_a.clients.add(client_a)
    group_b = TechnicianGroup.objects.create(organization=provider, name="Support Paris")
    group_b.members.add(tech_b)
    group_b.clients.add(client_b)
    return World(
        provider=provider,
        client_a=client_a,
        client_b=client_b,
        site_a=site_a,
        admin=admin,
        tech_a=tech_a,
        tech_b=tech_b,
        group_a=group_a,
        group_b=group_b,
        manager_a=make_user("marie.manager@martin.test", client_a, Role.CLIENT_MANAGER),
        it_contact_a=make_user("ivan.it@martin.test", client_a, Role.IT_CONTACT),
        requester_a=make_user("rose.requester@martin.test", client_a, Role.REQUESTER),
        requester_a2=make_user("paul.requester@martin.test", client_a, Role.REQUESTER),
        manager_b=make_user("louis.manager@lefevre.test", client_b, Role.CLIENT_MANAGER),
        requester_b=make_user("emma.requester@lefevre.test", client_b, Role.REQUESTER),
    )


@pytest.fixture
def login(client: Client):  # type: ignore[no-untyped-def]
    def _login(user: User) -> Client:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return _login


def pytest_configure() -> None:
    os.environ.setdefault("VIGIE_DATA_DIR", str(Path(__file__).resolve().parent.parent / "var" / "test"))
