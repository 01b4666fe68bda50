"""Under a ticket: replies and internal notes, attachments (upload, limits, safe download), the timeline."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import World
from tests.test_api_support import PNG, api_as, error_fields, results, ticket_of, upload
from vigie.servicedesk import services
from vigie.servicedesk.models import Attachment, Channel, Comment, EventKind, TicketStatus

pytestmark = pytest.mark.django_db


def url(ticket, tail: str) -> str:  # type: ignore[no-untyped-def]
    return f"/api/v1/tickets/{ticket.reference}/{tail}"


def test_reply_and_internal_note(world: World) -> None:
    ticket = ticket_of(world)
    tech = api_as(world.tech_a)
    response = tech.post(url(ticket, "comments/"), {"body": "Pouvez-vous redémarrer ?"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["body"], body["internal"], body["channel"], body["author"]["id"]) == (
        "Pouvez-vous redémarrer ?",
        False,
        Channel.API,
        world.tech_a.pk,
    )
    response = tech.post(url(ticket, "comments/"), {"body": "Client pénible", "internal": True}, format="json")
    assert response.status_code == 201 and response.json()["internal"] is True
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None
    assert [c["internal"] for c in results(tech.get(url(ticket, "comments/")))] == [False, True]


def test_client_users_never_see_internal_notes_or_internal_events(world: World) -> None:
    ticket = ticket_of(world)
    services.add_comment(ticket, by=world.tech_a, body="Réponse publique")
    services.add_comment(ticket, by=world.tech_a, body="Note interne secrète", internal=True)
    for user in (world.requester_a, world.manager_a):
        client = api_as(user)
        comments = results(client.get(url(ticket, "comments/")))
        assert [c["body"] for c in comments] == ["Réponse publique"]
        events = results(client.get(url(ticket, "events/")))
        assert EventKind.NOTE not in {e["kind"] for e in events}
        assert all(not e["internal"] for e in events)
    staff_events = results(api_as(world.tech_a).get(url(ticket, "events/")))
    assert [e["kind"] for e in staff_events] == [EventKind.CREATED, EventKind.REPLY, EventKind.NOTE]
    assert staff_events[0]["actor"]["id"] == world.requester_a.pk


def test_requester_reply_resumes_a_ticket_waiting_for_them(world: World) -> None:
    ticket = ticket_of(world)
    services.change_status(ticket, TicketStatus.WAITING_CUSTOMER, by=world.tech_a)
    response = api_as(world.requester_a).post(url(ticket, "comments/"), {"body": "C'est fait"}, format="json")
    assert response.status_code == 201
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.IN_PROGRESS


def test_requester_cannot_write_internal_notes(world: World) -> None:
    ticket = ticket_of(world)
    response = api_as(world.requester_a).post(url(ticket, "comments/"), {"body": "x", "internal": True}, format="json")
    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_comment_errors(world: World) -> None:
    ticket = ticket_of(world)
    client = api_as(world.tech_a)
    for payload, field in [({"body": "  "}, "body"), ({"body": "x", "internal": "maybe"}, "internal"), ({"text": "x"}, "text")]:
        response = client.post(url(ticket, "comments/"), payload, format="json")
        assert response.status_code == 400, payload
        assert field in error_fields(response), payload
    assert not Comment.objects.exists()


def test_reply_with_files_in_multipart(world: World) -> None:
    ticket = ticket_of(world)
    response = api_as(world.requester_a).post(
        url(ticket, "comments/"), {"body": "Voici la capture", "files": [upload()]}, format="multipart"
    )
    assert response.status_code == 201, response.content
    attachments = response.json()["attachments"]
    assert [a["filename"] for a in attachments] == ["capture.png"]
    assert attachments[0]["download_url"].endswith(f"/attachments/{attachments[0]['id']}/download/")


def test_upload_list_and_download_with_safe_headers(world: World) -> None:
    ticket = ticket_of(world)
    client = api_as(world.requester_a)
    # A PNG declared as text: the stored type is what the bytes are, not what the client claims.
    response = client.post(
        url(ticket, "attachments/"),
        {"file": [upload("capture.png", PNG, "text/html"), upload("log.txt", b"line 1\n", "text/plain")]},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert [(a["filename"], a["content_type"]) for a in created] == [("capture.png", "image/png"), ("log.txt", "text/plain")]
    assert [a["filename"] for a in results(client.get(url(ticket, "attachments/")))] == ["capture.png", "log.txt"]
    detail = client.get(url(ticket, f"attachments/{created[0]['id']}/"))
    assert detail.status_code == 200 and detail.json()["size"] == len(PNG)
    download = client.get(url(ticket, f"attachments/{created[0]['id']}/download/"), HTTP_ACCEPT="application/octet-stream")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG  # type: ignore[attr-defined]
    assert download["Content-Type"] == "image/png"
    assert download["Content-Disposition"].startswith("attachment;")
    assert 'filename="capture.png"' in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert ticket.events.filter(kind=EventKind.ATTACHMENT).count() == 2


def test_html_is_downloaded_never_rendered(world: World) -> None:
    ticket = ticket_of(world)
    client = api_as(world.tech_a)
    page = b"<html><script>alert(1)</script></html>"
    created = client.post(url(ticket, "attachments/"), {"file": [upload("page.html", page, "text/html")]}, format="multipart")
    attachment_id = created.json()[0]["id"]
    download = client.get(url(ticket, f"attachments/{attachment_id}/download/"))
    assert download["Content-Type"] != "text/html"
    assert download["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in download["Content-Security-Policy"]


def test_oversize_and_blocked_files_are_400_on_the_file_field(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.VIGIE_MAX_ATTACHMENT_BYTES = 1000
    ticket = ticket_of(world)
    client = api_as(world.requester_a)
    response = client.post(url(ticket, "attachments/"), {"file": [upload("big.bin", b"x" * 1001)]}, format="multipart")
    assert response.status_code == 400
    assert "big.bin" in error_fields(response)["file"][0]
    response = client.post(url(ticket, "attachments/"), {"file": [upload("setup.exe", b"MZ" + b"\0" * 100)]}, format="multipart")
    assert response.status_code == 400 and "file" in error_fields(response)
    response = client.post(url(ticket, "comments/"), {"body": "x", "files": [upload("big.bin", b"x" * 1001)]}, format="multipart")
    assert response.status_code == 400 and "files" in error_fields(response)
    response = client.post(url(ticket, "attachments/"), {"internal": "false"}, format="multipart")
    assert response.status_code == 400 and "file" in error_fields(response)
    response = client.post(url(ticket, "attachments/"), {"file": "not a file"}, format="json")
    assert response.status_code == 415
    assert not Attachment.objects.exists() and not Comment.objects.exists()


def test_internal_files_are_hidden_from_client_users(world: World) -> None:
    ticket = ticket_of(world)
    tech = api_as(world.tech_a)
    created = tech.post(
        url(ticket, "attachments/"),
        {"file": [SimpleUploadedFile("diag.txt", b"secret", "text/plain")], "internal": "true"},
        format="multipart",
    )
    assert created.status_code == 201 and created.json()[0]["internal"] is True
    attachment_id = created.json()[0]["id"]
    requester = api_as(world.requester_a)
    assert results(requester.get(url(ticket, "attachments/"))) == []
    assert requester.get(url(ticket, f"attachments/{attachment_id}/")).status_code == 404
    assert requester.get(url(ticket, f"attachments/{attachment_id}/download/")).status_code == 404
    response = requester.post(url(ticket, "attachments/"), {"file": [upload()], "internal": "true"}, format="multipart")
    assert response.status_code == 403


def test_attachment_of_another_ticket_is_not_reachable_through_this_one(world: World) -> None:
    mine = ticket_of(world)
    other = ticket_of(world, title="Autre", by=world.requester_a2)
    attachment = services.add_attachments(other, [services.Upload("a.txt", b"a")], by=world.requester_a2)[0]
    client = api_as(world.requester_a)
    assert client.get(url(mine, f"attachments/{attachment.pk}/download/")).status_code == 404
    assert api_as(world.manager_a).get(url(mine, f"attachments/{attachment.pk}/download/")).status_code == 404


def test_comment_list_query_count_does_not_grow(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ticket = ticket_of(world)
    client = api_as(world.tech_a)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url(ticket, "comments/")).status_code == 200
        return len(captured.captured_queries)

    services.add_comment(ticket, by=world.tech_a, body="1", uploads=[services.Upload("a.txt", b"a")])
    queries()  # the first call stamps the token's last use
    few = queries()
    for number in range(8):
        author = world.requester_a if number % 2 else world.tech_a
        services.add_comment(ticket, by=author, body=str(number), uploads=[services.Upload(f"{number}.txt", b"x")])
    assert queries() == few
