"""The tenant boundary, walked generically over every API route found in the URL resolver.

Every route that names one object of client A (or sits under one of its tickets) is called with
every method it offers, as users who must not see that object: the other client's users, a
technician who does not serve client A, and (for tickets and users) a colleague of the owner
who has no reason to see it. Each call must answer 404 — never 403, never 200 — and change
nothing. Every list must hold none of client A's data, and its count must match what it shows.
A new route that this table does not classify makes the walk fail.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import World
from tests.monitoring_alerting_objects import alerting_objects
from tests.test_api_support import api_as, ticket_of
from vigie.accounts.models import ApiToken, User
from vigie.accounts.services import issue_api_token
from vigie.catalog import fulfilment
from vigie.catalog import services as catalog_services
from vigie.catalog.models import BusinessService, FulfilmentTask, RequestTemplate, ServiceRequest
from vigie.catalog.template_services import FieldSpec, TaskSpec, create_template
from vigie.changes import services as change_services
from vigie.changes.models import Change, ChangeApproval, ChangeTemplate, FreezePeriod
from vigie.cmdb import services as cmdb_services
from vigie.cmdb.models import ConfigurationItem, Relation
from vigie.contracts import services as contract_services
from vigie.contracts.models import Contract, Licence, LicenceKeyReveal, Supplier
from vigie.core.models import AuditEntry
from vigie.knowledge import services as knowledge_services
from vigie.knowledge.models import Article, ArticleStatus, ArticleTicketLink, ArticleVersion, ArticleVote, KnowledgeCategory
from vigie.monitoring import checks as check_services
from vigie.monitoring.alerting.signals import Signal, record_signal
from vigie.monitoring.checks import create_check
from vigie.monitoring.heartbeats.restore import record_restore_test
from vigie.monitoring.models import Alert as MonitoringAlert
from vigie.monitoring.models import Check, IntakeSource, ProbePolicy, ProbeResult, RestoreTest
from vigie.monitoring.probes import services as probe_services
from vigie.monitoring.tokens import issue_source
from vigie.problems import lifecycle as problem_lifecycle
from vigie.problems import services as problem_services
from vigie.problems.models import KnownError, Problem, ProblemIncident
from vigie.servicedesk import satisfaction, services
from vigie.servicedesk.importing import import_tickets
from vigie.servicedesk.models import (
    Attachment,
    Category,
    Comment,
    PriorityMatrixCell,
    SatisfactionSurvey,
    Ticket,
    TicketEvent,
    TicketImport,
)
from vigie.sla import services as sla_services
from vigie.sla.models import BusinessCalendar, EscalationRule, OpeningRange, SlaPolicy, SlaTarget
from vigie.sla.validation import EscalationSpec, RangeSpec, TargetSpec
from vigie.tenancy.models import Organization, Site, TechnicianGroup

pytestmark = pytest.mark.django_db

# Objects that belong to client A, by route basename, and whether a colleague of the owner
# inside client A (a second requester) must also be kept out.
TENANT_ROUTES = {
    "organization": False,
    "site": False,
    "user": True,
    "token": True,
    "ticket": True,
    "ticket-comment": True,
    "ticket-attachment": True,
    "ticket-event": True,
    # The monthly review of client A: for its manager and IT contact, not for its requesters.
    "review": True,
    "survey": True,
    # Service levels of client A: its calendars, SLA policies and business services (a requester
    # of client A does not read them either: only its manager and IT contact do).
    "calendar": True,
    "sla-policy": True,
    "business-service": True,
    "import": True,
    # A knowledge article meant for client A only: every employee of client A reads it.
    "article": False,
    # Request templates and the catalog: what client A is offered is readable by all its people
    # (a colleague included), by nobody else. An ordered request is as private as its ticket.
    "request-template": False,
    "catalog": False,
    "catalog-request": True,
    # Changes of client A, and its own templates and freeze periods (its requesters see none).
    "change": True,
    "change-template": True,
    "freeze-period": True,
    # Suppliers, contracts and licences of client A: its manager and IT contact read them, not its requesters.
    "supplier": True,
    "contract": True,
    "licence": True,
    # The CMDB of client A (a requester sees only the CIs they use).
    "configuration-item": True,
    "relation": True,
    # Problems and known errors of client A: provider staff serving it only.
    "problem": True,
    "known-error": True,
    # Intake sources of client A: provider staff serving it only.
    "intake-source": True,
    # Alerting settings of client A: provider staff serving it only.
    "maintenance-window": True,
    "notification-channel": True,
    "alert-policy": True,
    "alert-acknowledgement": True,
    # Supervision of client A: its staff and its manager and IT contact read it, not its requesters.
    "check": True,
    "alert": True,
    # Restore tests of client A's backups: staff serving it, its manager and IT contact.
    "restore-test": True,
    # The probe policy of client A: provider staff serving it only.
    "probe-policy": True,
}
# Data of the provider shared by all its clients: readable as documented, never writable by outsiders.
SHARED_ROUTES = {"group", "category", "priority-matrix", "knowledge-category"}
# Routes about the caller themselves.
SELF_ROUTES = {"user-me", "api-root"}
# Figures over everything the caller sees (no object in the URL): walked as lists below, and
# tests/test_api_kpis.py checks that another company's filter is refused like an unknown one.
AGGREGATE_ROUTES = {"kpi"}


@dataclass
class Route:
    name: str
    basename: str
    methods: list[str]
    arguments: list[str]


def _walk(patterns: list[Any], namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace or namespace
            yield from _walk(entry.url_patterns, inner or "")
        elif isinstance(entry, URLPattern) and entry.name:
            yield namespace, entry


def api_routes() -> list[Route]:
    routes = []
    for namespace, pattern in _walk(get_resolver().url_patterns):
        if namespace != "api":
            continue
        view_class = getattr(pattern.callback, "cls", None)
        actions = getattr(pattern.callback, "actions", None) or {}
        offered = set(getattr(view_class, "http_method_names", ["get"]))
        methods = [m for m in actions if m in offered and m not in {"head", "options"}] or ["get"]
        initkwargs = getattr(pattern.callback, "initkwargs", {})
        basename = initkwargs.get("basename") if view_class is not None else None
        basename = basename or pattern.name
        routes.append(Route(pattern.name or "", str(basename), methods, sorted(pattern.pattern.regex.groupindex)))
    return routes


@dataclass
class TenantA:
    ticket: Ticket
    attachment: Attachment
    token: ApiToken
    ticket_import: TicketImport
    secrets: list[str]
    calendar: BusinessCalendar
    policy: SlaPolicy
    service: BusinessService
    article: Article
    template: RequestTemplate
    catalog_ticket: Ticket
    task: FulfilmentTask
    change: Change
    change_template: ChangeTemplate
    freeze: FreezePeriod
    supplier: Supplier
    contract: Contract
    licence: Licence
    item: ConfigurationItem
    relation: Relation
    problem: Problem
    known_error: KnownError
    intake_source: IntakeSource
    alerting: dict[str, int]
    check: Check
    alert: MonitoringAlert
    restore_test: RestoreTest
    probe_policy: ProbePolicy | None = None


@pytest.fixture
def tenant_a(world: World) -> TenantA:
    ticket = ticket_of(world, title="Caisse enregistreuse HS", description="Le terminal de paiement affiche ERREUR-7731")
    services.assign_ticket(ticket, by=world.tech_a, assignee=world.tech_a, group=world.group_a)
    services.add_comment(ticket, by=world.tech_a, body="Réponse publique ZEBRE-4410")
    services.add_comment(ticket, by=world.tech_a, body="Note interne OCELOT-9921", internal=True)
    attachment = services.add_attachments(ticket, [services.Upload("facture-martin.txt", b"total")], by=world.requester_a)[0]
    token, _raw = issue_api_token(world.requester_a, name="Jeton de Rose")
    services.resolve_ticket(ticket, by=world.tech_a, resolution="Terminal remplacé")
    survey = SatisfactionSurvey.objects.get(ticket=ticket)
    satisfaction.answer(survey, rating=2, comment="Avis de Rose PANGOLIN-5150")
    Category.objects.create(name="Matériel")
    calendar = sla_services.create_calendar(
        by=world.admin,
        organization=world.client_a,
        name="Horaires FOURNIL-5521",
        ranges=[RangeSpec(0, time(9), time(12))],
    )
    policy = sla_services.create_policy(
        by=world.admin,
        organization=world.client_a,
        name="Contrat PETRIN-8830",
        calendar=calendar,
        targets=[TargetSpec(1, 15, 240)],
        escalations=[EscalationSpec()],
    )
    service = catalog_services.create_service(by=world.admin, organization=world.client_a, name="Caisse BRIOCHE-3317")
    template = create_template(
        by=world.admin,
        name="Badge FOURNEE-6620",
        audience="client",
        organization=world.client_a,
        is_published=True,
        fields=[FieldSpec("Étage")],
        tasks=[TaskSpec("Programmer le badge")],
    )
    field_id = template.fields.get().pk
    catalog_ticket = fulfilment.order_request(
        by=world.requester_a, template=template, organization=world.client_a, answers={field_id: "Quatrième MILAN-7781"}
    )
    supplier = contract_services.create_supplier(by=world.admin, organization=world.client_a, name="Fournisseur GRIOTTE-4411")
    contract = contract_services.create_contract(
        by=world.admin,
        organization=world.client_a,
        supplier=supplier,
        title="Hébergement MIRABELLE-7712",
        start_date=date(2025, 1, 1),
        end_date=date(2027, 1, 1),
    )
    licence = contract_services.create_licence(
        by=world.admin,
        organization=world.client_a,
        software="Logiciel QUETSCHE-9921",
        seats_purchased=3,
        key="CLE-SECRETE-5566",
    )
    history = import_tickets(
        by=world.admin,
        organization=world.client_a,
        mapping="fields: {reference: n, title: t, opened_at: o}",
        filename="historique-martin.csv",
        csv_bytes="n,t,o\nANC-1,Four à pain en panne LOUTRE-5512,2024-01-02T08:00:00\n".encode(),
    )
    knowledge_category = knowledge_services.create_category(by=world.admin, name="Caisses")
    article = knowledge_services.create_article(
        by=world.admin,
        language="fr",
        title="Caisse de la boulangerie MOUFLON-6620",
        body="Code du coffre HERMINE-7731",
        category=knowledge_category,
        visibility="clients",
        clients=[world.client_a],
    )
    knowledge_services.set_status(article, ArticleStatus.PUBLISHED, by=world.admin)
    change = change_services.create_change(
        by=world.tech_a, organization=world.client_a, title="Migration du four CROISSANT-7781", services=[service]
    )
    change_template = ChangeTemplate.objects.create(
        organization=world.client_a, name="Modèle MADELEINE-2290", implementation_plan="x"
    )
    freeze = FreezePeriod.objects.create(
        organization=world.client_a,
        name="Gel ECLAIR-6612",
        starts_at=change.created_at,
        ends_at=change.created_at + timedelta(days=1),
    )
    item = cmdb_services.create_item(by=world.admin, organization=world.client_a, name="Four FOURNEAU-7781", ci_class="server")
    other = cmdb_services.create_item(by=world.admin, organization=world.client_a, name="Hyperviseur", ci_class="server")
    relation = cmdb_services.add_relation(by=world.admin, source=item, target=other, kind="runs_on")
    problem = problem_services.create_problem(
        by=world.admin, organization=world.client_a, title="Problème CASTOR-6620", incidents=[ticket]
    )
    problem = problem_lifecycle.record_root_cause(problem, by=world.admin, root_cause="Cause HERISSON-7781")
    known_error = problem_lifecycle.publish_known_error(
        problem, by=world.admin, symptoms="Symptôme BLAIREAU-3390", workaround="Contournement MARMOTTE-1204"
    )
    check = check_services.create_check(
        by=world.admin, organization=world.client_a, kind="http", name="Site GAZELLE-4471", target="https://martin.test/"
    )
    ProbeResult.objects.create(probe_check=check, at=check.created_at, ok=False, message="Erreur GAZELLE-4471")
    alert = record_signal(
        Signal(world.client_a.pk, f"check:{check.pk}", True, check.created_at, "check", summary="Alerte LYNX-3318")
    )
    assert alert is not None
    backup = create_check(
        by=world.admin, organization=world.client_a, kind="heartbeat", name="Sauvegarde GAUFRE-4410", is_backup=True
    )
    restore_test = record_restore_test(
        backup, by=world.admin, performed_on=date(2026, 1, 5), result="success", evidence="Restauration CANNELE-8841"
    )
    secrets = [
        "GAZELLE-4471",
        "LYNX-3318",
        "GAUFRE-4410",
        "CANNELE-8841",
        "FOURNEAU-7781",
        "GOUPIL-4471",
        ticket.reference,
        "CROISSANT-7781",
        "MADELEINE-2290",
        "ECLAIR-6612",
        problem.reference,
        "CASTOR-6620",
        "HERISSON-7781",
        "BLAIREAU-3390",
        "MARMOTTE-1204",
        ticket.title,
        "ERREUR-7731",
        "ZEBRE-4410",
        "OCELOT-9921",
        "facture-martin.txt",
        "historique-martin.csv",
        "LOUTRE-5512",
        "Jeton de Rose",
        world.client_a.name,
        world.client_a.support_email,
        world.site_a.name,
        world.requester_a.email,
        world.manager_a.email,
        world.it_contact_a.email,
        "PANGOLIN-5150",
        "FOURNIL-5521",
        "PETRIN-8830",
        "BRIOCHE-3317",
        "MOUFLON-6620",
        "HERMINE-7731",
        "FOURNEE-6620",
        "MILAN-7781",
        "GRIOTTE-4411",
        "MIRABELLE-7712",
        "QUETSCHE-9921",
        "CLE-SECRETE-5566",
        "Sonde PINSON-4471",
    ]
    return TenantA(
        ticket=ticket,
        attachment=attachment,
        token=token,
        secrets=secrets,
        calendar=calendar,
        policy=policy,
        service=service,
        ticket_import=history,
        article=article,
        template=template,
        catalog_ticket=catalog_ticket,
        task=catalog_ticket.catalog_request.tasks.get(),
        change=change,
        change_template=change_template,
        freeze=freeze,
        supplier=supplier,
        contract=contract,
        licence=licence,
        item=item,
        relation=relation,
        problem=problem,
        known_error=known_error,
        intake_source=issue_source(by=world.admin, organization=world.client_a, kind="alertmanager", name="Sonde PINSON-4471")[0],
        alerting=alerting_objects(world, world.client_a, "GOUPIL-4471"),
        check=check,
        alert=alert,
        restore_test=restore_test,
        probe_policy=probe_services.update_probe_policy(
            world.client_a, by=world.admin, allowed_networks="10.77.0.0/16", allow_public=True
        ),
    )


def _arguments(route: Route, world: World, a: TenantA) -> dict[str, Any]:
    by_basename: dict[str, dict[str, Any]] = {
        "organization": {"pk": world.client_a.pk},
        "site": {"pk": world.site_a.pk},
        "user": {"pk": world.requester_a.pk},
        "token": {"pk": a.token.pk},
        "ticket": {"reference": a.ticket.reference},
        "ticket-comment": {"ticket_reference": a.ticket.reference},
        "ticket-attachment": {"ticket_reference": a.ticket.reference, "pk": a.attachment.pk},
        "ticket-event": {"ticket_reference": a.ticket.reference},
        "review": {"organization_slug": world.client_a.slug, "month": "2025-01"},
        "calendar": {"pk": a.calendar.pk},
        "sla-policy": {"pk": a.policy.pk},
        "business-service": {"pk": a.service.pk},
        "import": {"pk": a.ticket_import.pk},
        "article": {"pk": a.article.pk},
        "knowledge-category": {"pk": KnowledgeCategory.objects.get().pk},
        "request-template": {"pk": a.template.pk},
        "catalog": {"pk": a.template.pk},
        "catalog-request": {"reference": a.catalog_ticket.reference, "task_id": a.task.pk},
        "change": {"pk": a.change.pk},
        "change-template": {"pk": a.change_template.pk},
        "freeze-period": {"pk": a.freeze.pk},
        "supplier": {"pk": a.supplier.pk},
        "contract": {"pk": a.contract.pk},
        "licence": {"pk": a.licence.pk},
        "configuration-item": {"pk": a.item.pk, "organization_slug": world.client_a.slug},
        "relation": {"pk": a.relation.pk},
        "problem": {"reference": a.problem.reference},
        "known-error": {"pk": a.known_error.pk},
        "intake-source": {"pk": a.intake_source.pk},
        "maintenance-window": {"pk": a.alerting["window_id"]},
        "notification-channel": {"pk": a.alerting["channel_id"]},
        "alert-policy": {"pk": a.alerting["policy_id"]},
        "check": {"pk": a.check.pk},
        "alert": {"pk": a.alert.pk},
        "restore-test": {"pk": a.restore_test.pk},
        "probe-policy": {"pk": a.probe_policy.pk if a.probe_policy else 0},
        "group": {"pk": world.group_a.pk},
        "category": {"pk": Category.objects.get().pk},
        "priority-matrix": {"pk": PriorityMatrixCell.objects.order_by("pk").first().pk},  # type: ignore[union-attr]
    }
    values = by_basename.get(route.basename, {})
    return {name: values[name] for name in route.arguments}


def _call(client: Any, method: str, url: str) -> Any:
    return getattr(client, method)(url, {}, format="json") if method != "get" else client.get(url)


def _snapshot() -> dict[str, int]:
    models = [
        Organization,
        Site,
        User,
        ApiToken,
        Ticket,
        Comment,
        Attachment,
        TicketEvent,
        TechnicianGroup,
        Category,
        SatisfactionSurvey,
        AuditEntry,
        BusinessCalendar,
        OpeningRange,
        SlaPolicy,
        SlaTarget,
        EscalationRule,
        BusinessService,
        TicketImport,
        Article,
        ArticleVersion,
        ArticleVote,
        ArticleTicketLink,
        KnowledgeCategory,
        RequestTemplate,
        ServiceRequest,
        FulfilmentTask,
        Change,
        ChangeApproval,
        ChangeTemplate,
        FreezePeriod,
        Supplier,
        Contract,
        Licence,
        LicenceKeyReveal,
        ConfigurationItem,
        Relation,
        Problem,
        ProblemIncident,
        KnownError,
        IntakeSource,
        Check,
        MonitoringAlert,
        RestoreTest,
    ]
    state = {model.__name__: model.objects.count() for model in models}
    state["revoked"] = ApiToken.objects.filter(revoked_at__isnull=False).count()
    state["inactive"] = User.objects.filter(is_active=False).count()
    state["tasks_finished"] = FulfilmentTask.objects.exclude(state="open").count()
    state["sources_inactive"] = IntakeSource.objects.filter(is_active=False).count()
    state["source_tokens"] = hash(tuple(IntakeSource.objects.order_by("pk").values_list("token_hash", flat=True)))
    state["requests_decided"] = ServiceRequest.objects.filter(decided_at__isnull=False).count()
    state["checks"] = hash(tuple(Check.objects.order_by("pk").values_list("pk", "name", "status", "retries")))
    return state


def test_every_api_route_is_classified() -> None:
    routes = api_routes()
    assert len(routes) >= 20
    classified = TENANT_ROUTES.keys() | SHARED_ROUTES | AGGREGATE_ROUTES
    unknown = {r.name for r in routes if r.basename not in classified} - SELF_ROUTES
    assert unknown == set(), "classify these routes in the isolation walk"


def test_other_tenants_get_404_on_every_object_route(world: World, tenant_a: TenantA) -> None:
    outsiders = {"requester_b": world.requester_b, "manager_b": world.manager_b, "tech_b": world.tech_b}
    colleague = world.requester_a2
    clients = {name: api_as(user) for name, user in {**outsiders, "requester_a2": colleague}.items()}
    admin, owner = api_as(world.admin), api_as(world.requester_a)
    before = _snapshot()
    checked = 0
    for route in api_routes():
        if route.basename not in TENANT_ROUTES or not route.arguments:
            continue
        url = reverse(f"api:{route.name}", kwargs=_arguments(route, world, tenant_a))
        # The URL is right: someone entitled reads it.
        insider = owner if route.basename == "token" else admin
        if "get" in route.methods:
            assert insider.get(url).status_code == 200, url
        callers = dict(clients) if TENANT_ROUTES[route.basename] else {k: clients[k] for k in outsiders}
        for caller_name, client in callers.items():
            for method in route.methods:
                response = _call(client, method, url)
                assert response.status_code == 404, (caller_name, method, url, response.status_code)
                if response.get("Content-Type", "").startswith("application/json"):
                    assert response.json()["error"]["status"] == 404
                checked += 1
    assert checked > 80
    assert _snapshot() == before


def test_lists_hold_nothing_of_another_tenant(world: World, tenant_a: TenantA) -> None:
    for user in (world.requester_b, world.manager_b, world.tech_b):
        client = api_as(user)
        for route in api_routes():
            if route.arguments or "get" not in route.methods:
                continue
            response = client.get(reverse(f"api:{route.name}"))
            assert response.status_code in (200, 403), (user, route.name)
            text = response.content.decode()
            leaked = [secret for secret in tenant_a.secrets if secret in text]
            assert leaked == [], (user.email, route.name, leaked)
            body = response.json()
            if isinstance(body, dict) and "count" in body and body.get("next") is None and body.get("previous") is None:
                assert body["count"] == len(body["results"]), (user.email, route.name)
    # The ticket list answers zero for a filter on client A, and never counts its tickets.
    assert api_as(world.requester_b).get("/api/v1/tickets/", {"client": "martin"}).json()["count"] == 0
    assert api_as(world.tech_b).get("/api/v1/tickets/", {"search": "ERREUR-7731"}).json()["count"] == 0
    assert api_as(world.requester_a2).get("/api/v1/tickets/").json()["count"] == 0


def test_lists_under_another_tenants_ticket_are_404(world: World, tenant_a: TenantA) -> None:
    for suffix in ("comments/", "attachments/", "events/"):
        url = f"/api/v1/tickets/{tenant_a.ticket.reference}/{suffix}"
        for user in (world.requester_b, world.tech_b, world.requester_a2):
            assert api_as(user).get(url).status_code == 404


def test_outsiders_cannot_create_inside_another_tenant(world: World, tenant_a: TenantA) -> None:
    clients = {user.email: api_as(user) for user in (world.requester_b, world.manager_b, world.tech_b)}
    before = _snapshot()
    payloads = {
        "ticket-list": {"organization": world.client_a.pk, "title": "Intrusion"},
        "site-list": {"organization": world.client_a.pk, "name": "Intrusion"},
        "user-list": {"email": "intrus@x.test", "organization": world.client_a.pk, "role": "requester"},
        "organization-list": {"name": "Intrusion", "slug": "intrusion"},
        "group-list": {"name": "Intrusion", "clients": [world.client_a.pk]},
        "category-list": {"name": "Intrusion"},
        "calendar-list": {"organization": world.client_a.pk, "name": "Intrusion", "is_24x7": True},
        "sla-policy-list": {"organization": world.client_a.pk, "name": "Intrusion", "calendar": tenant_a.calendar.pk},
        "business-service-list": {"organization": world.client_a.pk, "name": "Intrusion"},
        "article-list": {
            "language": "fr",
            "title": "Intrusion",
            "body": "x",
            "visibility": "clients",
            "clients": [world.client_a.pk],
        },
        "knowledge-category-list": {"name": "Intrusion"},
        "request-template-list": {"audience": "client", "organization": world.client_a.pk, "name": "Intrusion"},
        "change-list": {"organization": world.client_a.pk, "title": "Intrusion"},
        "change-template-list": {"organization": world.client_a.pk, "name": "Intrusion", "implementation_plan": "x"},
        "freeze-period-list": {
            "organization": world.client_a.pk,
            "name": "Intrusion",
            "starts_at": "2031-01-01T00:00:00Z",
            "ends_at": "2031-01-02T00:00:00Z",
        },
        "supplier-list": {"organization": world.client_a.pk, "name": "Intrusion"},
        "contract-list": {
            "organization": world.client_a.pk,
            "supplier": tenant_a.supplier.pk,
            "title": "Intrusion",
            "start_date": "2025-01-01",
        },
        "licence-list": {"organization": world.client_a.pk, "software": "Intrusion", "seats_purchased": 1},
        "configuration-item-list": {"organization": world.client_a.pk, "name": "Intrusion", "ci_class": "server"},
        "relation-list": {"source": tenant_a.item.pk, "target": tenant_a.relation.target_id, "kind": "depends_on"},
        "problem-list": {"organization": world.client_a.pk, "title": "Intrusion"},
        "intake-source-list": {"organization": world.client_a.pk, "kind": "generic", "name": "Intrusion"},
        "maintenance-window-list": {
            "organization": world.client_a.pk,
            "name": "Intrusion",
            "starts_at": "2031-01-01T00:00:00Z",
            "ends_at": "2031-01-02T00:00:00Z",
        },
        "notification-channel-list": {
            "organization": world.client_a.pk,
            "name": "Intrusion",
            "kind": "email",
            "email_addresses": "x@x.test",
        },
        "alert-acknowledgement-list": {"alert": tenant_a.alerting["alert_id"]},
        "check-list": {"organization": world.client_a.pk, "kind": "http", "name": "Intrusion", "target": "https://x.test/"},
        "restore-test-list": {
            "backup": RestoreTest.objects.get().backup_id,
            "performed_on": "2026-01-06",
            "result": "failed",
        },
    }
    for email, client in clients.items():
        for name, payload in payloads.items():
            response = client.post(reverse(f"api:{name}"), payload, format="json")
            assert response.status_code in (400, 403), (email, name, response.status_code)
    assert _snapshot() == before


def test_shared_provider_data_is_read_only_for_non_admins(world: World, tenant_a: TenantA) -> None:
    clients = {user.email: api_as(user) for user in (world.requester_b, world.manager_b, world.tech_b)}
    before = _snapshot()
    for email, client in clients.items():
        for route in api_routes():
            if route.basename not in SHARED_ROUTES or not route.arguments:
                continue
            url = reverse(f"api:{route.name}", kwargs=_arguments(route, world, tenant_a))
            for method in route.methods:
                response = _call(client, method, url)
                if method == "get":
                    assert response.status_code in (200, 403), (email, url)
                    assert not [s for s in tenant_a.secrets if s in json.dumps(response.json())]
                else:
                    assert response.status_code == 403, (email, method, url, response.status_code)
    assert _snapshot() == before


def test_requester_on_staff_only_routes(world: World, tenant_a: TenantA) -> None:
    """A requester who can see the ticket is refused (403) the staff's work; one who cannot gets 404."""
    base = f"/api/v1/tickets/{tenant_a.ticket.reference}"
    staff_only = ["assign/", "cancel/", "watchers/"]
    owner, colleague = api_as(world.requester_a), api_as(world.requester_a2)
    for path in staff_only:
        assert owner.post(f"{base}/{path}", {}, format="json").status_code == 403, path
        assert colleague.post(f"{base}/{path}", {}, format="json").status_code == 404, path
    assert owner.patch(f"{base}/", {"title": "x"}, format="json").status_code == 403
    assert owner.get("/api/v1/groups/").status_code == 403
    assert owner.post("/api/v1/categories/", {"name": "x"}, format="json").status_code == 403
    assert owner.post("/api/v1/users/", {}, format="json").status_code == 403
