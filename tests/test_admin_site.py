"""The Django admin site: every model is registered and its pages open for a superuser;
nobody else gets in; the audit trail is read-only; the priority matrix is editable."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD, World
from vigie.accounts.models import ApiToken, User
from vigie.accounts.services import issue_api_token
from vigie.core.models import AuditEntry
from vigie.servicedesk import services
from vigie.servicedesk.models import Category, Level, Priority, PriorityMatrixCell, Ticket
from vigie.servicedesk.services import Upload


@pytest.fixture
def superuser(db: None) -> User:
    return User.objects.create_superuser(email="root@durand.test", password=PASSWORD)


@pytest.fixture
def admin_client(client: Client, superuser: User) -> Client:
    client.force_login(superuser, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def ticket(world: World) -> Ticket:
    category = Category.objects.create(name="Réseau", default_group=world.group_a)
    ticket = services.open_ticket(
        by=world.requester_a,
        organization=world.client_a,
        title="Imprimante hors ligne",
        description="Plus rien ne sort.",
        category=category,
        uploads=[Upload("journal.txt", b"paper jam\n")],
    )
    services.add_comment(ticket, by=world.tech_a, body="Je regarde.", internal=True)
    issue_api_token(world.tech_a, name="supervision")
    return ticket


def test_every_model_of_vigie_is_registered() -> None:
    registered = set(admin.site._registry)
    missing = [
        model._meta.label
        for config in apps.get_app_configs()
        if config.name.startswith("vigie.")
        for model in config.get_models()
        if model not in registered
    ]
    assert missing == []


def test_superuser_opens_every_admin_page(admin_client: Client, ticket: Ticket) -> None:
    assert admin_client.get(reverse("admin:index")).status_code == 200
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        response = admin_client.get(changelist)
        assert response.status_code == 200, changelist
        if model_admin.search_fields:
            assert admin_client.get(changelist, {"q": "a"}).status_code == 200, changelist
        if model_admin.has_add_permission(response.wsgi_request):
            add = reverse(f"admin:{meta.app_label}_{meta.model_name}_add")
            assert admin_client.get(add).status_code == 200, add
        instance = model._default_manager.first()
        if instance is not None:
            change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[instance.pk])
            assert admin_client.get(change).status_code == 200, change


@pytest.mark.parametrize("who", ["requester_a", "manager_a", "tech_a", "admin"])
def test_only_staff_superusers_reach_the_admin(client: Client, world: World, who: str) -> None:
    client.force_login(getattr(world, who), backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    # The admin login does not let a logged-in non-staff user in either.
    assert client.get(response["Location"]).status_code == 403
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 302


def test_admin_login_goes_through_the_normal_login(client: Client, db: None) -> None:
    """So that rate limits and two-factor authentication protect the admin site too."""
    response = client.get(reverse("admin:login"), {"next": "/admin/"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "next=" in response["Location"]


def test_superuser_logs_into_the_admin_with_the_normal_login(client: Client, superuser: User) -> None:
    response = client.post("/accounts/login/?next=/admin/", {"login": superuser.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_audit_trail_is_read_only(admin_client: Client, world: World) -> None:
    entry = AuditEntry.objects.filter(model="tenancy.organization").first()
    assert entry is not None
    assert admin_client.get(reverse("admin:core_auditentry_add")).status_code == 403
    change_url = reverse("admin:core_auditentry_change", args=[entry.pk])
    page = admin_client.get(change_url)
    assert page.status_code == 200  # viewable
    assert b'name="_save"' not in page.content
    response = admin_client.post(change_url, {"action": "delete", "model": "x", "object_id": "1", "object_repr": "x"})
    assert response.status_code == 403
    assert admin_client.post(reverse("admin:core_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    assert entry.model == "tenancy.organization"
    changelist = admin_client.get(reverse("admin:core_auditentry_changelist"))
    assert "delete_selected" not in changelist.content.decode()


def test_priority_matrix_is_editable_from_the_list(admin_client: Client, world: World) -> None:
    cells = list(PriorityMatrixCell.objects.order_by("impact", "urgency"))
    assert len(cells) == 9
    data: dict[str, object] = {
        "form-TOTAL_FORMS": len(cells),
        "form-INITIAL_FORMS": len(cells),
        "form-MIN_NUM_FORMS": 0,
        "form-MAX_NUM_FORMS": 1000,
        "_save": "Save",
    }
    for index, cell in enumerate(cells):
        data[f"form-{index}-id"] = cell.pk
        high_low = cell.impact == Level.HIGH and cell.urgency == Level.LOW
        data[f"form-{index}-priority"] = Priority.P2 if high_low else cell.priority
    response = admin_client.post(reverse("admin:servicedesk_prioritymatrixcell_changelist"), data)
    assert response.status_code == 302
    assert PriorityMatrixCell.objects.get(impact=Level.HIGH, urgency=Level.LOW).priority == Priority.P2

    ticket = services.open_ticket(
        by=world.tech_a, organization=world.client_a, title="Serveur lent", impact=Level.HIGH, urgency=Level.LOW
    )
    assert ticket.priority == Priority.P2
    # Cells cannot be deleted: every impact × urgency pair keeps a priority.
    cell = cells[0]
    assert (
        admin_client.post(reverse("admin:servicedesk_prioritymatrixcell_delete", args=[cell.pk]), {"post": "yes"}).status_code
        == 403
    )


def test_tickets_are_read_only_in_the_admin(admin_client: Client, ticket: Ticket) -> None:
    change_url = reverse("admin:servicedesk_ticket_change", args=[ticket.pk])
    assert admin_client.post(change_url, {"title": "changed"}).status_code == 403
    assert admin_client.get(reverse("admin:servicedesk_ticket_add")).status_code == 403
    ticket.refresh_from_db()
    assert ticket.title == "Imprimante hors ligne"


def test_api_tokens_can_be_revoked_but_not_created_in_the_admin(admin_client: Client, world: World) -> None:
    token, _raw = issue_api_token(world.tech_a, name="to revoke")
    assert admin_client.get(reverse("admin:accounts_apitoken_add")).status_code == 403
    page = admin_client.get(reverse("admin:accounts_apitoken_change", args=[token.pk])).content.decode()
    assert token.token_hash not in page
    response = admin_client.post(
        reverse("admin:accounts_apitoken_changelist"), {"action": "revoke", "_selected_action": [token.pk]}
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert not ApiToken.objects.usable().filter(pk=token.pk).exists()


def test_user_admin_refuses_a_duplicate_email_in_another_case(admin_client: Client, world: World) -> None:
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": world.tech_a.email.upper(),
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "memberships-TOTAL_FORMS": 0,
            "memberships-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert "email" in response.context["adminform"].form.errors
    assert User.objects.filter(email__iexact=world.tech_a.email).count() == 1


def test_membership_added_in_the_admin_gives_access(admin_client: Client, world: World) -> None:
    user = world.requester_b
    response = admin_client.post(
        reverse("admin:tenancy_membership_add"),
        {"user": user.pk, "organization": world.client_a.pk, "role": "requester"},
    )
    assert response.status_code == 302
    assert user.memberships.filter(organization=world.client_a).exists()
