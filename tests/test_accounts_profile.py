"""The account page: name, phone, language and time zone, saved on the user and applied."""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.conftest import World
from vigie.accounts.models import ApiToken
from vigie.accounts.services import issue_api_token
from vigie.core.models import AuditEntry

PROFILE_URL = reverse("accounts:profile")


def profile_data(**overrides: str) -> dict[str, str]:
    data = {
        "first_name": "Rose",
        "last_name": "Lambert",
        "job_title": "Comptable",
        "phone": "+33 4 78 00 00 00",
        "language": "en",
        "time_zone": "America/New_York",
    }
    data.update(overrides)
    return data


def test_profile_needs_a_login(client: Client, db: None) -> None:
    response = client.get(PROFILE_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_profile_page_links_to_two_factor_and_password_change(login, world: World) -> None:  # type: ignore[no-untyped-def]
    response = login(world.requester_a).get(PROFILE_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert world.requester_a.email in html
    assert reverse("mfa_index") in html
    assert reverse("account_change_password") in html
    assert reverse("accounts:api_token_create") in html


def test_profile_is_saved_on_the_user_and_audited(login, world: World) -> None:  # type: ignore[no-untyped-def]
    client = login(world.requester_a)
    response = client.post(PROFILE_URL, profile_data())
    assert response.status_code == 302
    user = world.requester_a
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.job_title, user.phone) == (
        "Rose",
        "Lambert",
        "Comptable",
        "+33 4 78 00 00 00",
    )
    assert (user.language, user.time_zone) == ("en", "America/New_York")
    entry = AuditEntry.objects.filter(model="accounts.user", object_id=str(user.pk), action="update").latest("id")
    assert entry.actor == user
    assert entry.changes["time_zone"] == ["", "America/New_York"]


def test_saved_language_and_time_zone_are_applied(login, world: World) -> None:  # type: ignore[no-untyped-def]
    client = login(world.tech_a)
    token, _raw = issue_api_token(world.tech_a, name="clock")
    ApiToken.objects.filter(pk=token.pk).update(created_at=datetime(2026, 1, 15, 12, 0, tzinfo=UTC))

    page = client.get(PROFILE_URL).content.decode()
    assert 'lang="fr"' in page  # installation default
    assert "13:00" in page  # Europe/Paris by default

    response = client.post(PROFILE_URL, profile_data(first_name="Théo", last_name="Tech"))
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get(PROFILE_URL).content.decode()
    assert 'lang="en"' in page
    assert "My account" in page
    assert "7 a.m." in page  # 12:00 UTC in New York


def test_saved_language_wins_over_an_earlier_switch(login, world: World) -> None:  # type: ignore[no-untyped-def]
    client = login(world.tech_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.post(PROFILE_URL, profile_data(language="fr"))
    assert 'lang="fr"' in client.get(PROFILE_URL).content.decode()


def test_installation_defaults_can_be_chosen_again(login, world: World) -> None:  # type: ignore[no-untyped-def]
    world.tech_a.language, world.tech_a.time_zone = "en", "Asia/Tokyo"
    world.tech_a.save()
    client = login(world.tech_a)
    response = client.post(PROFILE_URL, profile_data(language="", time_zone=""))
    assert response.status_code == 302
    world.tech_a.refresh_from_db()
    assert (world.tech_a.language, world.tech_a.time_zone) == ("", "")


def test_unknown_time_zone_is_refused(login, world: World) -> None:  # type: ignore[no-untyped-def]
    client = login(world.requester_a)
    response = client.post(PROFILE_URL, profile_data(time_zone="Mars/Olympus_Mons"))
    assert response.status_code == 422
    assert "time_zone" in response.context["form"].errors
    world.requester_a.refresh_from_db()
    assert world.requester_a.time_zone == ""
    assert world.requester_a.last_name == "Requester"  # nothing half-saved


def test_unknown_language_is_refused(login, world: World) -> None:  # type: ignore[no-untyped-def]
    client = login(world.requester_a)
    response = client.post(PROFILE_URL, profile_data(language="de"))
    assert response.status_code == 422
    assert "language" in response.context["form"].errors
    world.requester_a.refresh_from_db()
    assert world.requester_a.language == ""


def test_phone_number_must_look_like_one(login, world: World) -> None:  # type: ignore[no-untyped-def]
    client = login(world.requester_a)
    response = client.post(PROFILE_URL, profile_data(phone="<script>"))
    assert response.status_code == 422
    assert "phone" in response.context["form"].errors


def test_every_time_zone_offered_is_valid(login, world: World) -> None:  # type: ignore[no-untyped-def]
    import zoneinfo

    response = login(world.requester_a).get(PROFILE_URL)
    choices = [value for value, _label in response.context["form"].fields["time_zone"].choices if value]
    assert "Europe/Paris" in choices and "America/Cayenne" in choices and "Indian/Reunion" in choices
    for name in choices:
        zoneinfo.ZoneInfo(name)


def test_a_user_cannot_change_someone_else_through_the_profile(login, world: World) -> None:  # type: ignore[no-untyped-def]
    client = login(world.requester_a)
    client.post(PROFILE_URL, {**profile_data(), "email": world.requester_b.email, "is_staff": "on", "pk": world.requester_b.pk})
    world.requester_a.refresh_from_db()
    world.requester_b.refresh_from_db()
    assert world.requester_a.email == "rose.requester@martin.test"
    assert not world.requester_a.is_staff
    assert world.requester_b.language == ""
