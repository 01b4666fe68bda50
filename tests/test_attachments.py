"""Uploaded files: size limit, blocked programs, content sniffing, safe names, nothing half-written."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from vigie.servicedesk import services
from vigie.servicedesk.attachments import check_file, safe_filename, sniff_content_type
from vigie.servicedesk.models import Attachment, Comment, Ticket

pytestmark = pytest.mark.django_db

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f1b2a80000000049454e44ae426082"
)


def test_sniffing_ignores_the_declared_name():
    assert sniff_content_type(PNG) == "image/png"
    assert sniff_content_type("Bonjour, l'écran est noir.\n".encode()) == "text/plain"
    assert sniff_content_type(b"\x00\x01\x02\xff\xfe") == "application/octet-stream"
    assert check_file("photo.txt", PNG).content_type == "image/png"


@pytest.mark.parametrize("name", ["facture.exe", "script.PS1", "macro.vbs", "..\\..\\evil.bat"])
def test_programs_are_refused(name):
    with pytest.raises(ValidationError) as error:
        check_file(name, b"MZ\x90\x00")
    assert error.value.code == "blocked_type"


def test_windows_executable_is_refused_under_an_innocent_name():
    header = b"MZ" + b"\x00" * 58 + b"\x40\x00\x00\x00" + b"\x00" * 64 + b"PE\x00\x00" + b"\x00" * 200
    kind = sniff_content_type(header)
    if kind == "application/octet-stream":
        pytest.fail("the test header should be recognised as a program")
    with pytest.raises(ValidationError):
        check_file("rapport.pdf", header)


def test_names_are_made_safe():
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("C:\\Users\\x\\note<1>.txt") == "note_1_.txt"
    assert safe_filename(".htaccess") == "htaccess"
    assert len(safe_filename("a" * 500 + ".txt")) == 200


def test_oversize_upload_leaves_nothing_behind(world, settings):
    settings.VIGIE_MAX_ATTACHMENT_BYTES = 1000
    ticket = services.open_ticket(by=world.requester_a, organization=world.client_a, title="Scan")
    with pytest.raises(ValidationError) as error:
        services.add_comment(
            ticket,
            by=world.requester_a,
            body="Voici les fichiers",
            uploads=[services.Upload("ok.txt", b"small"), services.Upload("big.pdf", b"x" * 1001)],
        )
    assert error.value.code == "too_large"
    assert Comment.objects.filter(ticket=ticket).count() == 0
    assert Attachment.objects.count() == 0


def test_ticket_with_attachment_stores_hash_and_file(world):
    ticket = services.open_ticket(
        by=world.requester_a, organization=world.client_a, title="Capture", uploads=[services.Upload("écran.png", PNG)]
    )
    attachment = Ticket.objects.get(pk=ticket.pk).attachments.get()
    assert attachment.filename == "écran.png" and attachment.content_type == "image/png" and attachment.size == len(PNG)
    with attachment.file.open("rb") as stored:
        assert stored.read() == PNG


def test_internal_attachments_hidden_from_client_users(world):
    ticket = services.open_ticket(by=world.requester_a, organization=world.client_a, title="Capture")
    services.add_attachments(ticket, [services.Upload("diag.txt", b"internal diagnostics")], by=world.tech_a, internal=True)
    services.add_attachments(ticket, [services.Upload("public.txt", b"for everyone")], by=world.tech_a)
    assert set(Attachment.objects.visible_to(world.requester_a).values_list("filename", flat=True)) == {"public.txt"}
    assert set(Attachment.objects.visible_to(world.tech_a).values_list("filename", flat=True)) == {"diag.txt", "public.txt"}
    assert not Attachment.objects.visible_to(world.requester_b).exists()
