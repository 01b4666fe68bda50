"""The incoming-mail page: what each message became, the rejected folder, the original."""

from __future__ import annotations

import pytest
from huey.contrib.djhuey import HUEY

from tests.mailservers import make_mail
from vigie.notifications.models import InboundEmail, InboundStatus
from vigie.servicedesk.inbound.intake import process_message

pytestmark = pytest.mark.django_db

URL = "/desk/mail/"


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    HUEY.flush()
    yield
    HUEY.flush()


@pytest.fixture
def mailbox(world):
    """A rejected message for each client, one accepted for client A, one that matched no client."""
    process_message(make_mail(sender="spam@ailleurs.test", to="support-martin@vigie.test", subject="Offre martin"))
    process_message(make_mail(sender="spam@ailleurs.test", to="support-lefevre@vigie.test", subject="Offre lefevre"))
    process_message(make_mail(sender=world.requester_a.email, to="support-martin@vigie.test", subject="Imprimante HS"))
    process_message(make_mail(sender="someone@nowhere.test", to="inconnu@vigie.test", subject="Adresse inconnue"))
    return {record.subject: record for record in InboundEmail.objects.all()}


def test_the_rejected_folder_shows_the_reason_for_the_clients_served(world, login, mailbox):
    assert mailbox["Offre martin"].status == InboundStatus.REJECTED
    body = login(world.tech_a).get(URL).content.decode()
    assert "Offre martin" in body and "spam@ailleurs.test" in body
    assert mailbox["Offre martin"].reason in body
    assert "Offre lefevre" not in body  # client B is not served by this technician
    assert "Adresse inconnue" not in body  # matched no client: administrators only
    assert "Imprimante HS" not in body  # accepted, in the other folder


def test_the_accepted_folder_links_each_message_to_its_ticket(world, login, mailbox):
    ticket = mailbox["Imprimante HS"].ticket
    body = login(world.tech_a).get(URL, {"folder": "accepted"}).content.decode()
    assert f'href="/desk/tickets/{ticket.reference}/"' in body


def test_administrators_also_see_mail_that_matched_no_client(world, login, mailbox):
    body = login(world.admin).get(URL).content.decode()
    assert "Adresse inconnue" in body and "Offre martin" in body and "Offre lefevre" in body


def test_the_original_downloads_as_a_file_for_staff_serving_its_client(world, login, mailbox):
    record = mailbox["Offre martin"]
    response = login(world.tech_a).get(f"{URL}{record.pk}/raw/")
    assert response.status_code == 200
    assert response["Content-Type"] == "message/rfc822"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == record.raw.open("rb").read()
    assert login(world.tech_b).get(f"{URL}{record.pk}/raw/").status_code == 404
    unmatched = mailbox["Adresse inconnue"]
    assert login(world.tech_a).get(f"{URL}{unmatched.pk}/raw/").status_code == 404
    assert login(world.admin).get(f"{URL}{unmatched.pk}/raw/").status_code == 200


@pytest.mark.parametrize("user_attr", ["requester_a", "manager_a", "it_contact_a"])
def test_client_users_have_no_mail_page(world, login, mailbox, user_attr):
    client = login(getattr(world, user_attr))
    assert client.get(URL).status_code == 404
    assert client.get(f"{URL}{mailbox['Offre martin'].pk}/raw/").status_code == 404
