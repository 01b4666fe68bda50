"""Importing ticket history from CSV: the example mappings, idempotent re-imports, every kind of
bad input with its line number, DST, priorities, categories, SLA outcomes, search, the command."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.conftest import World
from vigie.servicedesk import numbering, services
from vigie.servicedesk.importing import ImportInterrupted, import_tickets
from vigie.servicedesk.importing import batches as import_batches
from vigie.servicedesk.importing import service as import_service
from vigie.servicedesk.importing.service import rejected_count, rejected_lines, was_interrupted
from vigie.servicedesk.models import Category, EventKind, PriorityMatrixCell, Ticket, TicketEvent, TicketImport, TicketType
from vigie.servicedesk.search import search_tickets
from vigie.servicedesk.views.timeline import build_timeline
from vigie.sla.models import ClockState, TicketSla

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_by_default(settings: Any) -> None:
    """Messages follow the installation's language; pin it, so the assertions on English text
    hold whatever the French catalog says."""
    settings.LANGUAGE_CODE = "en"


DOCS = Path(__file__).resolve().parent.parent / "docs" / "import"
PARIS = ZoneInfo("Europe/Paris")

MAPPING = """
fields:
  reference: Ref
  title: Title
  opened_at: {column: Opened, format: "%d/%m/%Y %H:%M"}
  closed_at: {column: Closed, format: "%d/%m/%Y %H:%M"}
  status: {column: Status, values: {Open: in_progress, Done: closed, Todo: new}}
"""
HEADER = "Ref,Title,Opened,Closed,Status\n"


def paris(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=PARIS)  # type: ignore[misc]


def run(world: World, text: str | bytes, mapping: str = MAPPING, **options: Any) -> TicketImport:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return import_tickets(
        by=options.pop("by", world.admin),
        organization=options.pop("organization", world.client_a),
        mapping=mapping,
        filename=options.pop("filename", "history.csv"),
        csv_bytes=data,
        **options,
    )


def problems(report: TicketImport, level: str = "error") -> list[tuple[int | None, str, str]]:
    return [(e["line"], e.get("field", ""), e["message"]) for e in report.errors if e["level"] == level]


def ticket(external: str) -> Ticket:
    return Ticket.objects.select_related("category", "requester", "assignee", "group", "sla").get(external_reference=external)


def example(world: World, name: str, **options: Any) -> TicketImport:
    return import_tickets(
        by=world.admin,
        organization=world.client_a,
        mapping=(DOCS / f"{name}.yaml").read_bytes(),
        filename=f"{name}.csv",
        csv_bytes=(DOCS / f"{name}.csv").read_bytes(),
        **options,
    )


# The documented example mappings import their samples.


def test_servicenow_example(world: World) -> None:
    report = example(world, "servicenow")
    assert (report.rows, report.created, report.updated, rejected_count(report)) == (4, 4, 0, 0)
    first = ticket("INC0010001")
    assert first.reference == "INC-000001" and first.type == TicketType.INCIDENT
    assert first.status == "closed" and first.priority == 3 and (first.impact, first.urgency) == (2, 2)
    assert first.description == "L'imprimante HP de l'accueil n'imprime plus.\nLe voyant orange clignote."
    assert first.category is not None and first.category.full_name == "Hardware › Printer" and not first.category.is_active
    assert (first.requester, first.assignee, first.group) == (world.requester_a, world.tech_a, world.group_a)
    assert first.channel == "phone"
    assert first.created_at == paris(2024, 3, 4, 9, 12, 45)
    assert first.resolved_at == paris(2024, 3, 4, 11, 2, 10)
    assert first.closed_at == paris(2024, 3, 7, 11, 5)
    assert (first.sla.imported, first.sla.resolution_met, first.sla.response_met) == (True, True, None)
    critical = ticket("INC0010002")
    assert (critical.status, critical.priority, critical.impact, critical.urgency) == ("resolved", 1, 1, 1)
    assert critical.closed_at is None and critical.reassignment_count == 1
    assert critical.sla.resolution_met is False and critical.sla.resolution_state == ClockState.MISSED
    vpn = ticket("INC0010003")
    assert (vpn.status, vpn.channel, vpn.assignee, vpn.category.full_name) == ("in_progress", "portal", None, "Network")  # type: ignore[union-attr]
    cancelled = ticket("INC0010004")
    assert (cancelled.status, cancelled.requester, cancelled.closed_at) == ("cancelled", None, paris(2024, 3, 8, 10, 30))
    # The multi-line description makes INC0010004 start on line 6; its unknown caller is a warning there.
    assert problems(report, "warning")[-1][:2] == (6, "requester")
    assert "ancien.salarie@martin.test" in problems(report, "warning")[-1][2]


def test_glpi_example(world: World) -> None:
    report = example(world, "glpi")
    assert (report.rows, report.created, rejected_count(report)) == (4, 4, 0)
    station = ticket("1201")
    assert (station.status, station.priority, station.impact, station.urgency) == ("closed", 2, 2, 1)
    assert station.category.full_name == "Matériel › Poste de travail"  # type: ignore[union-attr]
    # GLPI shows "Nom Prénom": people are matched by name in either order.
    assert (station.requester, station.assignee, station.group) == (world.requester_a, world.tech_a, world.group_a)
    assert station.created_at == paris(2024, 2, 12, 8, 47) and station.closed_at == paris(2024, 2, 15, 9, 0)
    assert (station.sla.response_met, station.sla.resolution_met) == (True, True)
    office = ticket("1202")
    assert office.type == TicketType.REQUEST and office.reference == "REQ-000001" and office.channel == "portal"
    assert (office.status, office.sla.resolution_met) == ("resolved", False)
    wifi = ticket("1203")
    assert (wifi.status, wifi.priority, wifi.requester, wifi.channel) == ("assigned", 1, world.manager_a, "email")
    assert (wifi.sla.response_met, wifi.sla.resolution_met, wifi.sla.response_state) == (False, None, ClockState.MISSED)
    mouse = ticket("1204")
    assert (mouse.status, mouse.priority, mouse.assignee, mouse.group) == ("new", 5, None, None)
    assert Category.objects.filter(name="Matériel").count() == 1


def test_zammad_example(world: World) -> None:
    report = example(world, "zammad")
    # The title row, the blank row and the "Timezone" footer are not tickets.
    assert (report.rows, report.created, rejected_count(report)) == (4, 4, 0)
    printer = ticket("31001")
    assert (printer.status, printer.priority, printer.channel) == ("closed", 3, "email")
    assert printer.resolved_at == printer.closed_at == paris(2024, 3, 5, 17, 40)
    assert printer.first_response_at == paris(2024, 3, 4, 9, 40)
    assert (printer.requester, printer.assignee) == (world.requester_a, world.tech_a)
    assert (printer.sla.response_met, printer.sla.resolution_met) == (True, True)
    server = ticket("31002")
    assert (server.priority, server.sla.response_met, server.sla.resolution_met) == (2, False, False)
    waiting = ticket("31003")
    assert (waiting.status, waiting.sla.response_met, waiting.sla.resolution_met) == ("waiting_customer", True, None)
    merged = ticket("31004")
    assert (merged.status, merged.assignee, merged.group) == ("cancelled", None, None)
    assert {(line, field) for line, field, _ in problems(report, "warning")} == {(7, "assignee"), (7, "group")}


# Idempotency.


def test_reimport_updates_and_never_duplicates(world: World) -> None:
    example(world, "servicenow")
    first = ticket("INC0010001")
    services.add_comment(first, by=world.tech_a, body="Toner remplacé par ORNITHORYNQUE")
    again = example(world, "servicenow")
    assert (again.rows, again.created, again.updated, rejected_count(again)) == (4, 0, 4, 0)
    assert Ticket.objects.count() == 4 and TicketSla.objects.count() == 4
    assert ticket("INC0010001").reference == "INC-000001"
    # One imported "created" event per ticket, whatever the number of runs; Vigie's own events stay.
    assert TicketEvent.objects.filter(kind=EventKind.CREATED).count() == 4
    assert TicketEvent.objects.filter(ticket=first, kind=EventKind.REPLY).count() == 1
    # The reply written in Vigie stays searchable after the re-import rewrote the ticket's text.
    assert list(search_tickets(Ticket.objects.all(), "ORNITHORYNQUE")) == [first]


@pytest.mark.parametrize("lookup_chunk", [5000, 1])
def test_reimport_rewrites_what_changed_and_adds_new_rows(world: World, monkeypatch: Any, lookup_chunk: int) -> None:
    # Known references are looked up by chunks, or (for a large file) by reading all of the client's.
    monkeypatch.setattr(import_service, "LOOKUP_CHUNK", lookup_chunk)
    run(world, HEADER + "A-1,Imprimante bloquée,02/01/2024 09:00,,Open\n")
    report = run(
        world, HEADER + "A-1,Imprimante réparée,02/01/2024 09:00,03/01/2024 10:00,Done\nA-2,Écran,04/01/2024 10:00,,Todo\n"
    )
    assert (report.created, report.updated) == (1, 1)
    repaired = ticket("A-1")
    assert (repaired.title, repaired.status, repaired.closed_at) == ("Imprimante réparée", "closed", paris(2024, 1, 3, 10))
    assert repaired.events.filter(kind=EventKind.STATUS).get().data["new"] == "closed"
    assert list(search_tickets(Ticket.objects.all(), "réparée")) == [repaired]
    assert list(search_tickets(Ticket.objects.all(), "bloquée")) == []


def test_reimport_keeps_fields_the_mapping_does_not_give(world: World) -> None:
    with_description = MAPPING + "  description: Text\n"
    run(world, "Ref,Title,Opened,Closed,Status,Text\nA-1,Réseau,02/01/2024 09:00,,Open,Switch du 2e étage\n", with_description)
    run(world, HEADER + "A-1,Réseau coupé,02/01/2024 09:00,,Open\n")
    kept = ticket("A-1")
    assert (kept.title, kept.description) == ("Réseau coupé", "Switch du 2e étage")
    assert list(search_tickets(Ticket.objects.all(), "Switch")) == [kept]


def test_a_known_ticket_keeps_its_type(world: World) -> None:
    mapping = MAPPING + "  type: {column: Kind, values: {Inc: incident, Req: request}}\n"
    run(world, "Ref,Title,Opened,Closed,Status,Kind\nA-1,Accès,02/01/2024 09:00,,Open,Inc\n", mapping)
    report = run(world, "Ref,Title,Opened,Closed,Status,Kind\nA-1,Accès,02/01/2024 09:00,,Open,Req\n", mapping)
    assert ticket("A-1").type == TicketType.INCIDENT and ticket("A-1").reference == "INC-000001"
    assert problems(report, "warning")[0][:2] == (2, "type")
    # A mapping without a type reads incidents: a known request stays a request, silently.
    run(world, "Ref,Title,Opened,Closed,Status,Kind\nA-2,Accès,02/01/2024 09:00,,Open,Req\n", mapping)
    report = run(world, HEADER + "A-2,Accès VPN,02/01/2024 09:00,,Open\n")
    assert (ticket("A-2").type, ticket("A-2").title, report.errors) == (TicketType.REQUEST, "Accès VPN", [])


# Bad input: fatal errors write nothing; bad rows are reported with their line, the rest goes in.


def test_wrong_encoding_is_fatal_and_names_the_line(world: World) -> None:
    data = (HEADER + "A-1,Imprimante,02/01/2024 09:00,,Open\nA-2,Problème réseau,02/01/2024 10:00,,Open\n").encode("cp1252")
    with pytest.raises(ValidationError) as caught:
        run(world, data)
    message = caught.value.message_dict["file"][0]
    assert "utf-8" in message and "line 3" in message and "0xe8" in message
    assert Ticket.objects.count() == 0 and TicketImport.objects.count() == 0


def test_declared_encodings_are_read(world: World) -> None:
    text = HEADER + "A-1,Problème réseau à l'accueil,02/01/2024 10:00,,Open\n"
    for encoding in ("cp1252", "latin-1", "utf-8-sig"):
        reference = f"B-{encoding}"
        run(world, text.replace("A-1", reference).encode(encoding), MAPPING + f"csv: {{encoding: {encoding}}}\n")
        assert ticket(reference).title == "Problème réseau à l'accueil"
    # A UTF-8 byte-order mark is skipped even when the mapping says plain utf-8.
    run(world, b"\xef\xbb\xbf" + text.replace("A-1", "C-1").encode())
    assert ticket("C-1").title == "Problème réseau à l'accueil"


def test_missing_columns_are_listed_before_anything_is_written(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        run(world, "Ref,Titre,Opened\nA-1,Imprimante,02/01/2024 09:00\n")
    message = caught.value.message_dict["file"][0]
    assert "“Title” (title)" in message and "“Closed” (closed_at)" in message and "“Status” (status)" in message
    assert "“Titre”" in message  # the columns the file does have
    assert Ticket.objects.count() == 0 and TicketImport.objects.count() == 0


@pytest.mark.parametrize(
    ("mapping", "expected"),
    [
        ("fields: {reference: R, title: T}", "fields.opened_at: required"),
        ("fields: {reference: R, title: T, opened_at: O, colour: C}", "fields.colour: unknown field"),
        (
            "fields: {reference: R, title: T, opened_at: O, status: {column: S, values: {Done: finished}}}",
            "fields.status.values.Done",
        ),
        ("time_zone: Mars/Olympus\nfields: {reference: R, title: T, opened_at: O}", "time_zone: unknown time zone"),
        ("fields: {reference: R, title: T, opened_at: {column: O, format: 'yesterday'}}", "fields.opened_at.format"),
        ("csv: {delimiter: ';;'}\nfields: {reference: R, title: T, opened_at: O}", "csv.delimiter"),
        ("csv: {encoding: klingon}\nfields: {reference: R, title: T, opened_at: O}", "csv.encoding"),
        ("fields: {reference: R, title: T, opened_at: O, category: {column: C, missing: ask}}", "fields.category.missing"),
        ("fields: [reference, title]", "fields: expected a table"),
        ("fields: {reference: R\n  title: T", "not valid YAML"),
    ],
)
def test_bad_mappings_are_fatal_and_name_the_key(world: World, mapping: str, expected: str) -> None:
    with pytest.raises(ValidationError) as caught:
        run(world, "R,T,O\nA-1,x,2024-01-01\n", mapping)
    assert any(expected in message for message in caught.value.message_dict["mapping"]), caught.value.message_dict
    assert TicketImport.objects.count() == 0


def test_an_empty_file_is_fatal_and_a_header_alone_imports_nothing(world: World) -> None:
    with pytest.raises(ValidationError, match="empty"):
        run(world, "\n\n")
    with pytest.raises(ValidationError, match="skip_rows"):
        run(world, HEADER, MAPPING + "csv: {skip_rows: 1}\n")
    report = run(world, HEADER)
    assert (report.rows, report.created, report.errors) == (0, 0, [])


def test_malformed_csv_is_fatal_and_names_the_line(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        run(world, HEADER + 'A-1,Imprimante,02/01/2024 09:00,,Open\nA-2,"Écran" cassé,02/01/2024 09:00,,Open\n')
    assert "line 3" in caught.value.message_dict["file"][0]
    # UTF-16 (Excel's "Unicode text") read as UTF-8 decodes into NUL characters: named, not imported.
    with pytest.raises(ValidationError) as caught:
        run(world, (HEADER + "A-1,Imprimante,02/01/2024 09:00,,Open\n").encode("utf-16-le"))
    assert "Line 1 " in caught.value.message_dict["file"][0] and "UTF-16" in caught.value.message_dict["file"][0]
    assert Ticket.objects.count() == 0


def test_bad_rows_are_rejected_with_their_line_and_the_rest_goes_in(world: World) -> None:
    text = (
        HEADER
        + "A-1,Imprimante,02/01/2024 09:00,,Open\n"  # 2: fine
        + "A-2,Écran,31/02/2024 09:00,,Open\n"  # 3: no 31 February
        + "A-3,Clavier,02/01/2024 09:00,,Lost\n"  # 4: unknown status
        + "A-1,Imprimante encore,02/01/2024 09:00,,Open\n"  # 5: reference already on line 2
        + "A-4,,02/01/2024 09:00,,Open\n"  # 6: no title
        + ",Souris,02/01/2024 09:00,,Open\n"  # 7: no reference
        + "A-5,Scanner,,,Open\n"  # 8: no opening date
        + "A-6,Serveur,02/01/2024 09:00,,Done\n"  # 9: closed without a date
        + "A-7,Wi-Fi,02/01/2024 09:00,01/01/2024 09:00,Done\n"  # 10: closed before it opened
        + "A-8,Trop court\n"  # 11: a value is missing
        + '"A-9","Sur deux\nlignes",02/01/2024 09:00,,Open\n'  # 12-13: fine
        + "A-10,Téléphone,03/01/2024 09:00,,Todo\n"  # 14: fine
    )
    report = run(world, text)
    assert (report.rows, report.created, rejected_count(report)) == (12, 3, 9)
    assert rejected_lines(report) == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    found = {line: (field, message) for line, field, message in problems(report)}
    assert found[3][0] == "opened_at" and "31/02/2024 09:00" in found[3][1] and "%d/%m/%Y %H:%M" in found[3][1]
    assert found[4][0] == "status" and "Lost" in found[4][1] and "fields.status.values" in found[4][1]
    assert found[5][0] == "reference" and "line 2" in found[5][1]
    assert found[6][0] == "title" and found[7][0] == "reference" and found[8][0] == "opened_at"
    assert found[9][0] == "closed_at" and "resolution date" in found[9][1]
    assert found[10][0] == "closed_at" and "before the opening" in found[10][1]
    assert found[11][0] == "" and "2 values" in found[11][1]
    assert {t.external_reference for t in Ticket.objects.all()} == {"A-1", "A-9", "A-10"}
    assert ticket("A-1").title == "Imprimante"
    assert ticket("A-9").title == "Sur deux\nlignes"
    assert next(e for e in report.errors if e["line"] == 4)["column"] == "Status"


def test_a_crash_while_writing_rolls_back_the_batch_and_the_report_says_so(world: World, monkeypatch: Any) -> None:
    text = HEADER + "".join(f"A-{n},Ticket {n},0{n}/01/2024 09:00,,Open\n" for n in range(1, 6))
    real_create = import_batches.create
    calls = []

    def failing(*args: Any, **kwargs: Any) -> None:
        calls.append(1)
        real_create(*args, **kwargs)
        if len(calls) == 2:
            raise RuntimeError("disk full")

    monkeypatch.setattr(import_batches, "create", failing)
    with pytest.raises(ImportInterrupted) as caught:
        run(world, text, batch_size=2)
    report = TicketImport.objects.get()
    assert report == caught.value.report and was_interrupted(report)
    assert (report.rows, report.created, report.updated) == (5, 2, 0) and report.finished_at is not None
    fatal = next(e for e in report.errors if e["level"] == "fatal")
    assert "disk full" in fatal["message"] and "3 tickets (lines 4–6)" in fatal["message"]
    assert sorted(Ticket.objects.values_list("external_reference", flat=True)) == ["A-1", "A-2"]
    # Running the same file again completes the import.
    monkeypatch.setattr(import_batches, "create", real_create)
    again = run(world, text)
    assert (again.created, again.updated) == (3, 2) and Ticket.objects.count() == 5


def test_dry_run_writes_nothing(world: World) -> None:
    report = example(world, "glpi", dry_run=True)
    assert report.pk is None and (report.rows, report.created, report.updated) == (4, 4, 0)
    assert Ticket.objects.count() == 0 and TicketImport.objects.count() == 0
    assert not Category.objects.filter(name="Matériel").exists()
    assert any("Matériel › Poste de travail" in message for _, _, message in problems(report, "warning"))


def test_only_staff_serving_the_client_import(world: World) -> None:
    with pytest.raises(PermissionDenied) as caught:
        run(world, HEADER, by=world.tech_b)
    assert "Boulangerie Martin" in str(caught.value)
    with pytest.raises(PermissionDenied):
        run(world, HEADER, by=world.manager_a)
    with pytest.raises(ValidationError):
        run(world, HEADER, organization=world.provider)
    report = run(world, HEADER + "A-1,Imprimante,02/01/2024 09:00,,Open\n", by=world.tech_a)
    assert report.created == 1 and report.by == world.tech_a


# How values are read.


def test_naive_times_at_dst_changes_are_read_deterministically(world: World) -> None:
    mapping = "fields: {reference: R, title: T, opened_at: {column: O, format: '%Y-%m-%d %H:%M:%S'}}"
    text = "R,T,O\nautumn,x,2024-10-27 02:30:00\nspring,x,2024-03-31 02:30:00\nwinter,x,2024-01-15 12:00:00\n"
    run(world, text, mapping)
    # 02:30 happens twice on 27 October: the first time, still summer time (UTC+2).
    assert ticket("autumn").created_at == datetime(2024, 10, 27, 0, 30, tzinfo=UTC)
    # 02:30 never happens on 31 March: read with the offset before the change (UTC+1), i.e. 03:30 CEST.
    assert ticket("spring").created_at == datetime(2024, 3, 31, 1, 30, tzinfo=UTC)
    assert ticket("winter").created_at == datetime(2024, 1, 15, 11, 0, tzinfo=UTC)


def test_iso_dates_keep_their_offset_and_naive_ones_take_the_zone(world: World) -> None:
    mapping = (
        "time_zone: America/Montreal\nfields: {reference: R, title: T, opened_at: O, closed_at: {column: C, time_zone: UTC}}"
    )
    run(
        world,
        "R,T,O,C\nA-1,x,2024-01-15T10:00:00+01:00,2024-01-16 08:00\nA-2,x,2024-01-15T10:00:00Z,\nA-3,x,2024-01-15 10:00,\n",
        mapping,
    )
    assert ticket("A-1").created_at == datetime(2024, 1, 15, 9, 0, tzinfo=UTC)
    assert ticket("A-1").closed_at == datetime(2024, 1, 16, 8, 0, tzinfo=UTC)
    assert ticket("A-2").created_at == datetime(2024, 1, 15, 10, 0, tzinfo=UTC)
    assert ticket("A-3").created_at == datetime(2024, 1, 15, 15, 0, tzinfo=UTC)


def test_priority_impact_and_urgency(world: World) -> None:
    mapping = "fields: {reference: R, title: T, opened_at: O, impact: I, urgency: U, priority: P}"
    PriorityMatrixCell.objects.update_or_create(impact=3, urgency=3, defaults={"priority": 4})
    text = "R,T,O,I,U,P\nonly-p2,x,2024-01-01,,,2\nonly-p5,x,2024-01-01,,,5\nlevels,x,2024-01-01,1,3,\nmatrix,x,2024-01-01,3,3,\nnone,x,2024-01-01,,,\ngiven,x,2024-01-01,3,3,1\n"
    run(world, text, mapping)
    values = {t.external_reference: (t.impact, t.urgency, t.priority) for t in Ticket.objects.all()}
    assert values["only-p2"] == (1, 2, 2)  # high impact, medium urgency
    assert values["only-p5"] == (3, 3, 5)  # no cell of the configured matrix gives P5 any more: low × low
    assert values["levels"] == (1, 3, 3)  # from the matrix
    assert values["matrix"] == (3, 3, 4)  # the configured matrix, not the default
    assert values["none"] == (2, 2, 3)
    assert values["given"] == (3, 3, 1)  # history keeps the priority it had


def test_status_follows_the_dates_when_not_mapped(world: World) -> None:
    mapping = "fields: {reference: R, title: T, opened_at: O, resolved_at: S, closed_at: C}"
    run(world, "R,T,O,S,C\nopen,x,2024-01-01,,\nsolved,x,2024-01-01,2024-01-02,\nshut,x,2024-01-01,,2024-01-03\n", mapping)
    assert ticket("open").status == "new"
    assert (ticket("solved").status, ticket("solved").closed_at) == ("resolved", None)
    shut = ticket("shut")
    assert (shut.status, shut.resolved_at, shut.closed_at) == ("closed", shut.closed_at, datetime(2024, 1, 3, tzinfo=PARIS))


def test_sla_flags_value_maps_and_defaults(world: World) -> None:
    mapping = """
fields:
  reference: R
  title: T
  opened_at: O
  response_met: {column: A}
  resolution_met: {column: B, values: {"in time": true, "late": false}}
"""
    run(
        world,
        "R,T,O,A,B\n1,x,2024-01-01,Oui,in time\n2,x,2024-01-01,non,late\n3,x,2024-01-01,1,\n4,x,2024-01-01,peut-être,late\n",
        mapping,
    )
    flags = {
        s.ticket.external_reference: (s.response_met, s.resolution_met, s.imported)
        for s in TicketSla.objects.select_related("ticket")
    }
    assert flags == {"1": (True, True, True), "2": (False, False, True), "3": (True, None, True)}
    assert TicketSla.objects.get(ticket__external_reference="2").resolution_state == ClockState.MISSED


def test_categories_are_matched_created_or_refused(world: World) -> None:
    hardware = Category.objects.create(name="Matériel")
    printer = Category.objects.create(name="Imprimante", parent=hardware)
    mapping = "fields: {reference: R, title: T, opened_at: O, category: {column: C, separator: /}}"
    run(world, "R,T,O,C\n1,x,2024-01-01,matériel / IMPRIMANTE\n2,x,2024-01-01,Matériel/Scanner\n3,x,2024-01-01,\n", mapping)
    assert ticket("1").category == printer
    scanner = ticket("2").category
    assert scanner is not None and scanner.parent == hardware and not scanner.is_active
    assert ticket("3").category is None
    strict = mapping.replace("separator: /}", "separator: /, missing: reject}")
    report = run(world, "R,T,O,C\n4,x,2024-01-01,Logiciel/Bureautique\n5,x,2024-01-01,Matériel/Scanner\n", strict)
    assert problems(report) == [(2, "category", "the category “Logiciel › Bureautique” does not exist in Vigie.")]
    assert ticket("5").category == scanner


def test_unknown_people_and_groups_are_left_empty_with_one_warning(world: World) -> None:
    mapping = "fields: {reference: R, title: T, opened_at: O, requester: Q, assignee: A, group: G}"
    text = (
        "R,T,O,Q,A,G\n"
        + "1,x,2024-01-01,ROSE.requester@martin.test,theo.tech@durand.test,support lyon\n"
        + "2,x,2024-01-01,parti@martin.test,berenice.tech@durand.test,Support Paris\n"
        + "3,x,2024-01-01,parti@martin.test,,\n"
        + "4,x,2024-01-01,emma.requester@lefevre.test,,\n"
    )
    report = run(world, text, mapping)
    assert (ticket("1").requester, ticket("1").assignee, ticket("1").group) == (world.requester_a, world.tech_a, world.group_a)
    # A technician or a group serving another client, a requester of another client: never linked.
    assert (ticket("2").requester, ticket("2").assignee, ticket("2").group) == (None, None, None)
    assert ticket("4").requester is None
    warnings = {(e["line"], e["field"]): e.get("lines", 1) for e in report.errors if e["level"] == "warning"}
    assert warnings == {(3, "requester"): 2, (3, "assignee"): 1, (3, "group"): 1, (5, "requester"): 1}
    assert rejected_count(report) == 0


def test_numbers_follow_the_opening_dates_and_the_desk_goes_on_after_them(world: World) -> None:
    run(world, HEADER + "late,x,05/01/2024 09:00,,Open\nearly,x,01/01/2024 09:00,,Open\n")
    assert (ticket("early").reference, ticket("late").reference) == ("INC-000001", "INC-000002")
    opened = services.open_ticket(by=world.requester_a, organization=world.client_a, title="Après l'import")
    assert opened.reference == "INC-000003"
    assert numbering.next_numbers(TicketType.INCIDENT, 3) == [4, 5, 6]


def test_imported_tickets_are_searchable_and_their_timeline_says_so(world: World) -> None:
    example(world, "servicenow")
    found = ticket("INC0010002")
    assert list(search_tickets(Ticket.objects.all(), "messagerie indisponible")) == [found]
    assert list(search_tickets(Ticket.objects.all(), "INC0010002")) == [found]
    assert list(search_tickets(Ticket.objects.all(), found.reference)) == [found]
    events = list(found.events.order_by("at"))
    assert [(e.kind, e.at, e.actor) for e in events] == [
        (EventKind.CREATED, paris(2024, 3, 5, 8, 1), None),
        (EventKind.STATUS, paris(2024, 3, 5, 14, 30), None),
    ]
    assert events[0].data["imported"] == "servicenow.csv" and events[1].data["new"] == "resolved"
    timeline = build_timeline(found, user=world.tech_a, staff=True)
    assert "imported from servicenow.csv" in timeline.entries[0].summary and "INC0010002" in timeline.entries[0].summary


def test_no_notification_is_sent_for_imported_tickets(world: World, mailoutbox: list[Any]) -> None:
    example(world, "servicenow")
    assert mailoutbox == []


# The command.


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_command_imports_and_prints_the_summary(world: World, tmp_path: Path) -> None:
    csv_path = write(tmp_path, "export.csv", HEADER + "A-1,Imprimante,02/01/2024 09:00,,Open\nA-2,Écran,31/02/2024 09:00,,Open\n")
    mapping_path = write(tmp_path, "mapping.yaml", MAPPING)
    out = io.StringIO()
    call_command("import", "tickets", csv_path, "--organization", "martin", "--mapping", mapping_path, stdout=out)
    text = out.getvalue()
    assert "export.csv imported into Boulangerie Martin: 2 rows, 1 created, 0 updated, 1 rejected." in text
    assert "Rejected lines: 3" in text and "line 3 rejected [A-2 / opened_at / Opened]" in text
    report = TicketImport.objects.get()
    assert report.by == world.admin and f"Report #{report.pk}" in text


def test_command_dry_run_and_acting_user(world: World, tmp_path: Path) -> None:
    csv_path = write(tmp_path, "export.csv", HEADER + "A-1,Imprimante,02/01/2024 09:00,,Open\n")
    mapping_path = write(tmp_path, "mapping.yaml", MAPPING)
    out = io.StringIO()
    call_command("import", "tickets", csv_path, "--organization", "martin", "--mapping", mapping_path, "--dry-run", stdout=out)
    assert "Dry run of export.csv for Boulangerie Martin: 1 rows, 1 would be created" in out.getvalue()
    assert Ticket.objects.count() == 0
    with pytest.raises(CommandError, match="Boulangerie Martin"):
        call_command(
            "import", "tickets", csv_path, "--organization", "martin", "--mapping", mapping_path, "--as", world.tech_b.email
        )
    call_command(
        "import",
        "tickets",
        csv_path,
        "--organization",
        "martin",
        "--mapping",
        mapping_path,
        "--as",
        world.tech_a.email,
        stdout=out,
    )
    assert TicketImport.objects.get().by == world.tech_a


@pytest.mark.parametrize(
    ("csv_text", "mapping", "slug", "expected"),
    [
        (HEADER, "fields: {reference: Ref}", "martin", "fields.title"),
        ("Ref,Title\n", MAPPING, "martin", "“Opened” (opened_at)"),
        (HEADER, MAPPING, "inconnue", "“inconnue”"),
    ],
)
def test_command_exits_non_zero_when_the_file_cannot_be_read(
    world: World, tmp_path: Path, csv_text: str, mapping: str, slug: str, expected: str
) -> None:
    csv_path = write(tmp_path, "export.csv", csv_text)
    mapping_path = write(tmp_path, "mapping.yaml", mapping)
    with pytest.raises(CommandError) as caught:
        call_command("import", "tickets", csv_path, "--organization", slug, "--mapping", mapping_path)
    # ``vigie`` turns a CommandError into this exit status (run_from_argv), with the message on stderr.
    assert caught.value.returncode == 1
    assert expected in str(caught.value)
    assert Ticket.objects.count() == 0


def test_command_reports_an_unreadable_path(world: World, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"missing\.yaml"):
        call_command(
            "import", "tickets", str(tmp_path / "x.csv"), "--organization", "martin", "--mapping", str(tmp_path / "missing.yaml")
        )
