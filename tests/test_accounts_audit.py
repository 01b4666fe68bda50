"""The audit trail records changes made through the admin site with who made them, never
records secrets, and survives the deletion of an organisation."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD, World
from vigie.accounts.models import ApiToken, User
from vigie.accounts.services import issue_api_token
from vigie.core.models import AuditAction, AuditEntry
from vigie.tenancy.models import Membership, Organization, Site

NEW_PASSWORD = "another long passphrase 7"
EMPTY_MEMBERSHIPS = {"memberships-TOTAL_FORMS": 0, "memberships-INITIAL_FORMS": 0, "memberships-MAX_NUM_FORMS": 1000}


@pytest.fixture
def superuser(db: None) -> User:
    return User.objects.create_superuser(email="root@durand.test", password=PASSWORD)


@pytest.fixture
def admin_client(client: Client, superuser: User) -> Client:
    client.force_login(superuser, backend="django.contrib.auth.backends.ModelBackend")
    return client


def organization_form(organization: Organization, **overrides: object) -> dict[str, object]:
    """The admin change form of an organisation, as the browser would post it (empty inlines)."""
    data: dict[str, object] = {
        "kind": organization.kind,
        "name": organization.name,
        "slug": organization.slug,
        "ticket_prefix": organization.ticket_prefix,
        "support_email": organization.support_email,
        "email_domains": organization.email_domains,
        "unknown_sender_policy": organization.unknown_sender_policy,
        "satisfaction_percent": organization.satisfaction_percent,
        "is_active": "on" if organization.is_active else "",
    }
    if organization.mfa_required:
        data["mfa_required"] = "on"
    for prefix, rows in (("sites", organization.sites.all()), ("memberships", organization.memberships.all())):
        rows = list(rows)
        data.update({f"{prefix}-TOTAL_FORMS": len(rows), f"{prefix}-INITIAL_FORMS": len(rows), f"{prefix}-MIN_NUM_FORMS": 0})
        data[f"{prefix}-MAX_NUM_FORMS"] = 1000
        for index, row in enumerate(rows):
            data[f"{prefix}-{index}-id"] = row.pk
            data[f"{prefix}-{index}-organization"] = organization.pk
            if isinstance(row, Site):
                data.update({f"{prefix}-{index}-name": row.name, f"{prefix}-{index}-city": row.city})
                data[f"{prefix}-{index}-country"] = row.country
            else:
                assert isinstance(row, Membership)
                data.update({f"{prefix}-{index}-user": row.user_id, f"{prefix}-{index}-role": row.role})
    data.update({key: value for key, value in overrides.items() if value is not None})
    return {key: value for key, value in data.items() if value != ""}


def test_change_through_the_admin_is_recorded_with_its_actor(admin_client: Client, superuser: User, world: World) -> None:
    organization = world.client_a
    url = reverse("admin:tenancy_organization_change", args=[organization.pk])
    response = admin_client.post(url, organization_form(organization, name="Boulangerie Martin & Fils", mfa_required="on"))
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response

    organization.refresh_from_db()
    assert organization.name == "Boulangerie Martin & Fils"
    assert organization.mfa_required
    entry = AuditEntry.objects.filter(model="tenancy.organization", object_id=str(organization.pk)).latest("id")
    assert entry.action == AuditAction.UPDATE
    assert entry.actor == superuser
    assert entry.organization_id == organization.pk
    assert entry.changes["name"] == ["Boulangerie Martin", "Boulangerie Martin & Fils"]
    assert entry.changes["mfa_required"] == [False, True]


def test_user_created_and_password_changed_in_the_admin_never_shows_secrets(
    admin_client: Client, superuser: User, world: World
) -> None:
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "Nouveau.Tech@Durand.test",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
            **EMPTY_MEMBERSHIPS,
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="nouveau.tech@durand.test")
    created = AuditEntry.objects.get(model="accounts.user", object_id=str(user.pk), action=AuditAction.CREATE)
    assert created.actor == superuser

    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    changed = AuditEntry.objects.filter(model="accounts.user", object_id=str(user.pk), action=AuditAction.UPDATE).latest("id")
    assert changed.actor == superuser
    assert "password" in changed.changes  # the change itself is on record...

    trail = json.dumps([entry.changes for entry in AuditEntry.objects.all()])
    assert user.password not in trail  # ...but no hash, old or new
    assert "pbkdf2" not in trail and "md5$" not in trail
    assert PASSWORD not in trail and NEW_PASSWORD not in trail


def test_token_hash_never_appears_in_the_trail(world: World) -> None:
    token, raw = issue_api_token(world.tech_a, name="integration")
    entry = AuditEntry.objects.get(model="accounts.apitoken", object_id=str(token.pk), action=AuditAction.CREATE)
    assert entry.actor == world.tech_a
    assert entry.changes["name"] == [None, "integration"]
    trail = json.dumps([e.changes for e in AuditEntry.objects.all()])
    assert token.token_hash not in trail
    assert raw not in trail
    ApiToken.objects.filter(pk=token.pk).delete()
    deleted = AuditEntry.objects.get(model="accounts.apitoken", object_id=str(token.pk), action=AuditAction.DELETE)
    assert token.token_hash not in json.dumps(deleted.changes)


def test_deleting_an_organisation_through_the_admin_is_recorded(admin_client: Client, superuser: User, world: World) -> None:
    organization = world.client_b
    pk = organization.pk
    response = admin_client.post(reverse("admin:tenancy_organization_delete", args=[pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Organization.objects.filter(pk=pk).exists()
    assert not Membership.objects.filter(organization_id=pk).exists()

    deleted = AuditEntry.objects.get(model="tenancy.organization", object_id=str(pk), action=AuditAction.DELETE)
    assert deleted.actor == superuser
    assert deleted.organization is None  # the organisation row is gone
    assert deleted.changes["name"] == ["Cabinet Lefèvre", None]
    cascaded = AuditEntry.objects.filter(model="tenancy.membership", action=AuditAction.DELETE)
    assert cascaded.count() == 2
    assert all(entry.organization_id is None and entry.actor == superuser for entry in cascaded)


def test_deleting_a_user_who_is_acting_keeps_the_trail_consistent(world: World) -> None:
    from vigie.core.audit import acting_as

    user = world.requester_b
    pk = user.pk
    with acting_as(user):
        user.delete()
    entry = AuditEntry.objects.get(model="accounts.user", object_id=str(pk), action=AuditAction.DELETE)
    assert entry.actor is None


def test_an_interrupted_deletion_leaves_no_marker_behind(world: World) -> None:
    from vigie.core import audit

    with audit.acting_as(world.admin):
        audit.deletion_started(world.client_a)  # as if the deletion then failed and rolled back
        inside = audit.record(AuditAction.UPDATE, world.client_a)
    after = audit.record(AuditAction.UPDATE, world.client_a)
    assert inside.organization_id is None
    assert after.organization_id == world.client_a.pk
