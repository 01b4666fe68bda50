"""Attachment download: visibility and the headers that keep a browser from running uploads."""

from __future__ import annotations

import pytest

from vigie.servicedesk import services
from vigie.servicedesk.models import Attachment
from vigie.servicedesk.services import Upload

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
HTML_AS_PNG = b"<html><script>alert(document.cookie)</script></html>"


@pytest.fixture
def files(world):
    ticket = services.open_ticket(
        by=world.requester_a,
        organization=world.client_a,
        title="Pièces jointes",
        uploads=[Upload("photo.png", PNG), Upload("page.png", HTML_AS_PNG), Upload("rapport.docx", b"PK\x03\x04" + b"\0" * 40)],
    )
    return {a.filename: a for a in Attachment.objects.filter(ticket=ticket)}


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_safe_image_is_shown_inline_with_protective_headers(world, files, login):
    response = login(world.requester_a).get(f"/portal/attachments/{files['photo.png'].pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert body(response) == PNG


def test_the_sniffed_type_wins_over_the_file_name(world, files, login):
    """HTML named .png is served as text and downloaded, never rendered as a page."""
    response = login(world.tech_a).get(f"/desk/attachments/{files['page.png'].pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "html" not in response["Content-Type"]
    assert response["Content-Security-Policy"] == "sandbox"


def test_other_types_are_always_downloaded(world, files, login):
    response = login(world.tech_a).get(f"/desk/attachments/{files['rapport.docx'].pk}/")
    assert response["Content-Disposition"].startswith("attachment")
    assert 'filename="rapport.docx"' in response["Content-Disposition"]


def test_outsiders_get_404(world, files, login):
    attachment = files["photo.png"]
    for user in (world.requester_b, world.manager_b, world.tech_b, world.requester_a2):
        assert login(user).get(f"/portal/attachments/{attachment.pk}/").status_code == 404
    assert login(world.tech_b).get(f"/desk/attachments/{attachment.pk}/").status_code == 404
    # The staff route does not exist for client users, even for their own files.
    assert login(world.requester_a).get(f"/desk/attachments/{attachment.pk}/").status_code == 404


def test_missing_file_on_disk_is_404(world, files, login):
    attachment = files["photo.png"]
    attachment.file.storage.delete(attachment.file.name)
    assert login(world.tech_a).get(f"/desk/attachments/{attachment.pk}/").status_code == 404
