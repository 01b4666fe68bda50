"""Logging in with an e-mail address, logging out, resetting a password by e-mail, and the
rate limit on failed logins (kept in the database cache shared by every process)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD, World

LOGIN_URL = "/accounts/login/"
NEW_PASSWORD = "a brand new passphrase 42"


@pytest.fixture(autouse=True)
def _database_cache(settings: object) -> None:
    """Rate limits live in the database cache (whatever the run's backend), so each test
    starts with a clean slate: the test transaction rolls the cache rows back."""
    settings.CACHES = {  # type: ignore[attr-defined]
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "vigie_cache"}
    }


def post_login(client: Client, email: str, password: str, **extra: str) -> object:
    return client.post(LOGIN_URL, {"login": email, "password": password}, **extra)


def logged_in_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def error_codes(response: object) -> set[str]:
    form = response.context["form"]  # type: ignore[attr-defined]
    return {error.code for errors in form.errors.as_data().values() for error in errors}


def test_migrations_create_the_database_cache_table(db: None) -> None:
    assert "vigie_cache" in connection.introspection.table_names()
    cache.set("vigie-probe", {"answer": 42}, 60)
    assert cache.get("vigie-probe") == {"answer": 42}
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM vigie_cache")
        assert cursor.fetchone()[0] >= 1


def test_login_page_uses_the_vigie_layout_and_offers_no_sign_up(client: Client, db: None) -> None:
    response = client.get(LOGIN_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="topbar"' in html  # our base.html
    assert 'name="login"' in html and 'name="password"' in html
    assert reverse("account_reset_password") in html
    assert "/accounts/signup/" not in html


def test_sign_up_is_closed(client: Client, world: World) -> None:
    response = client.post(
        "/accounts/signup/",
        {"email": "intruder@example.test", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    from vigie.accounts.models import User

    assert not User.objects.filter(email="intruder@example.test").exists()
    assert response.status_code == 200
    assert logged_in_user_id(client) is None


def test_login_with_email_and_password(client: Client, world: World) -> None:
    response = post_login(client, world.requester_a.email, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert logged_in_user_id(client) == str(world.requester_a.pk)
    # A requester lands on the portal, provider staff on the queue.
    assert client.get("/")["Location"] == reverse("portal:ticket_list")


def test_login_ignores_the_case_of_the_email_address(client: Client, world: World) -> None:
    post_login(client, world.tech_a.email.upper(), PASSWORD)
    assert logged_in_user_id(client) == str(world.tech_a.pk)


def test_wrong_password_is_refused(client: Client, world: World) -> None:
    response = post_login(client, world.requester_a.email, "not the password")
    assert response.status_code == 200
    assert response.context["form"].errors
    assert logged_in_user_id(client) is None


def test_deactivated_user_cannot_log_in(client: Client, world: World) -> None:
    world.requester_a.is_active = False
    world.requester_a.save()
    response = post_login(client, world.requester_a.email, PASSWORD)
    assert logged_in_user_id(client) is None
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert response["Location"] == reverse("account_inactive")
    assert client.get(reverse("portal:ticket_list")).status_code == 302


def test_deactivating_a_user_ends_their_open_sessions(client: Client, world: World) -> None:
    post_login(client, world.tech_a.email, PASSWORD)
    assert client.get(reverse("accounts:profile")).status_code == 200
    world.tech_a.is_active = False
    world.tech_a.save()
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_logout_needs_a_post(client: Client, world: World) -> None:
    post_login(client, world.requester_a.email, PASSWORD)
    # A GET (a link, an image in an e-mail) only shows the confirmation page.
    assert client.get("/accounts/logout/").status_code == 200
    assert logged_in_user_id(client) == str(world.requester_a.pk)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert logged_in_user_id(client) is None
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_password_reset_by_email(client: Client, world: World, mailoutbox: list[mail.EmailMessage]) -> None:
    user = world.requester_a
    response = client.post("/accounts/password/reset/", {"email": user.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [user.email]
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    match = re.search(r"https?://testserver(/accounts/password/reset/key/\S+/)", message.body)
    assert match, message.body

    # The link leads to the form that sets the new password.
    response = client.get(match.group(1), follow=True)
    assert response.status_code == 200
    set_password_url = response.redirect_chain[-1][0] if response.redirect_chain else match.group(1)
    response = client.post(set_password_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302

    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert not user.check_password(PASSWORD)
    client.logout()
    post_login(client, user.email, PASSWORD)
    assert logged_in_user_id(client) is None
    post_login(client, user.email, NEW_PASSWORD)
    assert logged_in_user_id(client) == str(user.pk)


def test_password_reset_link_works_once(client: Client, world: World, mailoutbox: list[mail.EmailMessage]) -> None:
    client.post("/accounts/password/reset/", {"email": world.requester_a.email})
    link = re.search(r"https?://testserver(/accounts/password/reset/key/\S+/)", mailoutbox[0].body).group(1)  # type: ignore[union-attr]
    response = client.get(link, follow=True)
    client.post(response.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    other = Client()
    response = other.get(link, follow=True)
    assert response.context["token_fail"] is True


def test_password_reset_for_an_unknown_address_sends_nothing_and_reveals_nothing(
    client: Client, world: World, mailoutbox: list[mail.EmailMessage]
) -> None:
    known = client.post("/accounts/password/reset/", {"email": world.requester_a.email})
    unknown = client.post("/accounts/password/reset/", {"email": "nobody@nowhere.test"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert [m.to for m in mailoutbox] == [[world.requester_a.email]]


def test_failed_logins_are_rate_limited_per_address(client: Client, world: World) -> None:
    email = world.requester_a.email
    for _attempt in range(5):
        response = post_login(client, email, "wrong password")
        assert "too_many_login_attempts" not in error_codes(response)
    # The sixth attempt is refused, even with the right password.
    response = post_login(client, email, PASSWORD)
    assert logged_in_user_id(client) is None
    assert "too_many_login_attempts" in error_codes(response)
    # The counters live in the database cache table, shared by every web process.
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM vigie_cache WHERE cache_key LIKE %s", ["%login_failed%"])
        assert cursor.fetchone()[0] >= 1

    # The lock is temporary: five minutes later the right password works again.
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        post_login(client, email, PASSWORD)
        assert logged_in_user_id(client) == str(world.requester_a.pk)


def test_failed_logins_on_one_account_from_many_addresses_are_limited(client: Client, world: World) -> None:
    email = world.tech_a.email
    for attempt in range(5):
        post_login(client, email, "wrong password", REMOTE_ADDR=f"198.51.100.{attempt + 1}")
    response = post_login(client, email, PASSWORD, REMOTE_ADDR="203.0.113.7")
    assert logged_in_user_id(client) is None
    assert "too_many_login_attempts" in error_codes(response)
    # Another account from a fresh address is not affected.
    post_login(client, world.tech_b.email, PASSWORD, REMOTE_ADDR="203.0.113.8")
    assert logged_in_user_id(client) == str(world.tech_b.pk)


def test_failed_logins_from_one_address_are_limited_across_accounts(client: Client, world: World) -> None:
    users = [world.requester_a, world.requester_a2, world.manager_a, world.it_contact_a, world.requester_b]
    for user in users:
        post_login(client, user.email, "wrong password", REMOTE_ADDR="192.0.2.10")
    response = post_login(client, world.manager_b.email, PASSWORD, REMOTE_ADDR="192.0.2.10")
    assert logged_in_user_id(client) is None
    assert "too_many_login_attempts" in error_codes(response)
