"""A generic walk over every URL route of the applications, as outsiders.

Every route that takes an object is requested with an object of client B, as a user of
client A and as the technician who does not serve client B: the answer must not tell the
object apart from one that does not exist (404; for the service desk and portal, always
404, for GET and POST alike). Every route of the staff interface is a 404 for client users.

The satisfaction survey pages are public: the signed token in their URL is the key, so the
walk hands them a forged token for client B's survey, which must be a 404 like any other.

New routes are picked up automatically; a route whose parameter this test cannot fill
fails, so that whoever adds it says here which object it takes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.core import signing
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from tests.mailservers import make_mail
from tests.monitoring_alerting_objects import alerting_objects
from vigie.accounts.models import ApiToken, User, hash_token
from vigie.catalog import fulfilment
from vigie.catalog import services as catalog_services
from vigie.catalog.models import BusinessService, FulfilmentTask, RequestTemplate
from vigie.catalog.template_services import FieldSpec, TaskSpec, create_template
from vigie.changes import feeds
from vigie.changes import services as change_services
from vigie.changes.models import Change, ChangeTemplate, FreezePeriod
from vigie.cmdb import services as cmdb_services
from vigie.cmdb.models import ConfigurationItem, Relation
from vigie.contracts import services as contract_services
from vigie.contracts.models import Contract, Licence, Supplier
from vigie.knowledge import services as knowledge_services
from vigie.knowledge.models import Article, ArticleStatus, KnowledgeCategory, Visibility
from vigie.monitoring import checks as check_services
from vigie.monitoring.alerting.signals import Signal, record_signal
from vigie.monitoring.checks import create_check
from vigie.monitoring.heartbeats.restore import record_restore_test
from vigie.monitoring.models import (
    Alert,
    AlertPolicy,
    Check,
    IntakeSource,
    MaintenanceWindow,
    NotificationChannel,
    Ping,
    ProbePolicy,
    RestoreTest,
)
from vigie.monitoring.tokens import issue_source
from vigie.notifications.models import InboundEmail
from vigie.problems import lifecycle as problem_lifecycle
from vigie.problems import services as problem_services
from vigie.problems.models import KnownError, Problem
from vigie.servicedesk import satisfaction, services
from vigie.servicedesk.importing import import_tickets
from vigie.servicedesk.inbound.intake import process_message
from vigie.servicedesk.models import Attachment, Category, PriorityMatrixCell, SatisfactionSurvey, Ticket, TicketImport
from vigie.servicedesk.services import Upload
from vigie.sla import services as sla_services
from vigie.sla.models import BusinessCalendar, SlaPolicy
from vigie.sla.validation import TargetSpec
from vigie.tenancy.models import Organization, Site, TechnicianGroup

pytestmark = pytest.mark.django_db

# Namespaces walked: every application namespace except Django's admin (superusers only,
# and it answers outsiders with a redirect to its own login page).
SKIPPED_NAMESPACES = frozenset({"admin"})
# Our own interface answers 404 to every method for another tenant's object.
STRICT_NAMESPACES = frozenset(
    {
        "servicedesk",
        "portal",
        "satisfaction",
        "sla",
        "catalog",
        "reports",
        "client_reports",
        "client_contracts",
        "cmdb",
        "contracts",
        "changes",
        "problems",
        "knowledge",
        "client_knowledge",
        "client_catalog",
        "client_changes",
        "change_feed",
        "monitoring",
        "client_monitoring",
        "ping",
    }
)
# A month that has started, for the monthly review routes (the object is the client company).
REVIEWED_MONTH = "2025-01"
# Public pages opened by a signed token (no login): a forged token is a 404 for everyone.
TOKEN_NAMESPACES = frozenset({"satisfaction", "change_feed", "ping"})

# The staff interface: a 404 for every client user, whatever object the route names.
STAFF_NAMESPACES = frozenset(
    {"servicedesk", "sla", "catalog", "reports", "cmdb", "contracts", "changes", "problems", "knowledge", "monitoring"}
)
# Provider-wide reference data, not owned by a client company: nothing to hide between tenants.
SHARED_MODELS: frozenset[type[models.Model]] = frozenset({Category, PriorityMatrixCell, TechnicianGroup, KnowledgeCategory})
# Routes whose "pk" the view class does not reveal.
PK_MODELS: dict[str, type[models.Model]] = {"accounts:api_token_revoke": ApiToken, "api:user-detail": User}


@dataclass(frozen=True)
class Route:
    name: str  # namespace:name
    namespace: str
    parameters: tuple[str, ...]
    callback: Any


def _parameters(pattern: URLPattern) -> tuple[str, ...]:
    regex_groups = tuple(pattern.pattern.regex.groupindex)
    return regex_groups or tuple(getattr(pattern.pattern, "converters", {}))


def all_routes() -> list[Route]:
    found: list[Route] = []

    def walk(patterns: list[Any], namespaces: tuple[str, ...], inherited: tuple[str, ...]) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                names = (*namespaces, entry.namespace) if entry.namespace else namespaces
                walk(entry.url_patterns, names, (*inherited, *entry.pattern.regex.groupindex))
            elif isinstance(entry, URLPattern) and entry.name and namespaces:
                namespace = ":".join(namespaces)
                params = (*inherited, *_parameters(entry))
                found.append(Route(f"{namespace}:{entry.name}", namespaces[0], params, entry.callback))

    walk(get_resolver().url_patterns, (), ())
    return [route for route in found if route.namespace not in SKIPPED_NAMESPACES]


@dataclass
class Objects:
    """One object of each tenant-owned kind, belonging to client B."""

    ticket: Ticket
    attachment: Attachment
    organization: Organization
    site: Site
    user: User
    token: ApiToken
    inbound: InboundEmail
    survey: SatisfactionSurvey
    calendar: BusinessCalendar
    policy: SlaPolicy
    service: BusinessService
    ticket_import: TicketImport
    article: Article
    template: RequestTemplate
    catalog_ticket: Ticket
    task: FulfilmentTask
    change: Change
    freeze: FreezePeriod
    change_template: ChangeTemplate
    supplier: Supplier
    contract: Contract
    licence: Licence
    cmdb: dict[str, int]
    problem: Problem
    known_error: KnownError
    intake_source: IntakeSource
    alerting: dict[str, int]
    monitoring: dict[str, int]
    check: Check

    def for_model(self, model: type[models.Model]) -> models.Model | None:
        by_model: dict[type[models.Model], models.Model] = {
            Ticket: self.ticket,
            Attachment: self.attachment,
            Organization: self.organization,
            Site: self.site,
            User: self.user,
            ApiToken: self.token,
            InboundEmail: self.inbound,
            BusinessCalendar: self.calendar,
            SlaPolicy: self.policy,
            BusinessService: self.service,
            TicketImport: self.ticket_import,
            Article: self.article,
            RequestTemplate: self.template,
            Change: self.change,
            FreezePeriod: self.freeze,
            ChangeTemplate: self.change_template,
            Supplier: self.supplier,
            Contract: self.contract,
            Licence: self.licence,
            ConfigurationItem: ConfigurationItem.objects.get(pk=self.cmdb["item_id"]),
            Relation: Relation.objects.get(pk=self.cmdb["relation_id"]),
            KnownError: self.known_error,
            IntakeSource: self.intake_source,
            MaintenanceWindow: MaintenanceWindow.objects.get(pk=self.alerting["window_id"]),
            NotificationChannel: NotificationChannel.objects.get(pk=self.alerting["channel_id"]),
            AlertPolicy: AlertPolicy.objects.get(pk=self.alerting["policy_id"]),
            Check: Check.objects.get(pk=self.monitoring["check_id"]),
            Alert: Alert.objects.get(pk=self.monitoring["alert_id"]),
            RestoreTest: RestoreTest.objects.filter(backup=self.check).first(),
            ProbePolicy: ProbePolicy.objects.get_or_create(organization=self.organization)[0],
        }
        return by_model.get(model)


@pytest.fixture
def client_b_objects(world) -> Objects:
    site = Site.objects.create(organization=world.client_b, name="Siège", city="Paris")
    ticket = services.open_ticket(
        by=world.requester_b,
        organization=world.client_b,
        title="Secret du cabinet Lefèvre",
        site=site,
        uploads=[Upload("bilan.txt", b"confidentiel")],
    )
    services.add_comment(ticket, by=world.tech_b, body="Réponse du cabinet", uploads=[Upload("reponse.txt", b"ok")])
    token = ApiToken.objects.create(user=world.requester_b, name="script", token_hash=hash_token("vg_b_secret"), hint="vg_b_s")
    # A message of client B's rejected folder (an unknown sender), with its raw bytes.
    process_message(make_mail(sender="x@ailleurs.test", to=world.client_b.support_email, subject="Secret du cabinet"))
    now = timezone.now()
    survey = SatisfactionSurvey.objects.create(
        ticket=ticket,
        recipient=world.requester_b,
        email=world.requester_b.email,
        sent_at=now,
        expires_at=now + timedelta(days=14),
    )
    calendar, policy, service = service_levels(world, world.client_b)
    change, freeze = change_objects(world, world.client_b, world.tech_b)
    supplier, contract, licence = contract_records(world, world.client_b)
    problem = problem_services.create_problem(by=world.admin, organization=world.client_b, title="Secret du cabinet")
    # A history import into client B, whose report names a rejected line of its file.
    history = import_tickets(
        by=world.admin,
        organization=world.client_b,
        mapping="fields: {reference: n, title: t, opened_at: o}",
        filename="Secret du cabinet.csv",
        csv_bytes=b"n,t,o\nB-1,Secret du cabinet,not a date\n",
    )
    template, catalog_ticket, task = catalog_request(world, world.client_b, world.requester_b, world.group_b)
    return Objects(
        template=template,
        catalog_ticket=catalog_ticket,
        task=task,
        ticket=ticket,
        attachment=Attachment.objects.filter(ticket=ticket).first(),  # type: ignore[arg-type]
        organization=world.client_b,
        site=site,
        user=world.requester_b,
        token=token,
        inbound=InboundEmail.objects.get(organization=world.client_b),
        survey=survey,
        calendar=calendar,
        policy=policy,
        service=service,
        ticket_import=history,
        article=knowledge_article(world, world.client_b),
        change=change,
        freeze=freeze,
        change_template=ChangeTemplate.objects.create(
            organization=world.client_b, name="Secret du cabinet", implementation_plan="x"
        ),
        supplier=supplier,
        contract=contract,
        licence=licence,
        cmdb=cmdb_objects(world, world.client_b, service),
        problem=problem,
        known_error=problem_lifecycle.publish_known_error(
            problem_lifecycle.record_root_cause(problem, by=world.admin, root_cause="Cause"),
            by=world.admin,
            symptoms="Secret du cabinet",
            workaround="Contournement",
        ),
        intake_source=issue_source(by=world.admin, organization=world.client_b, kind="generic", name="Secret du cabinet")[0],
        alerting=alerting_objects(world, world.client_b),
        monitoring=monitoring_objects(world, world.client_b),
        check=backup_check(world, world.client_b),
    )


def monitoring_objects(world: Any, organization: Organization) -> dict[str, int]:
    """A heartbeat of ``organization`` with a ping, and an alert of that check."""
    check = check_services.create_check(
        by=world.admin, organization=organization, kind="heartbeat", name="Secret du cabinet : sauvegarde"
    )
    ping = Ping.objects.create(heartbeat=check, at=timezone.now(), kind="success", method="POST", body="confidentiel")
    alert = record_signal(
        Signal(
            organization.pk, f"check:{check.pk}", True, timezone.now(), "check", summary="Secret du cabinet", check_id=check.pk
        )
    )
    assert alert is not None
    return {"check_id": check.pk, "ping_id": ping.pk, "alert_id": alert.pk, "organization_id": organization.pk}


def backup_check(world: Any, organization: Organization) -> Check:
    """A heartbeat of a backup job of ``organization``, with a restore test."""
    check = create_check(
        by=world.admin, organization=organization, kind="heartbeat", name="Secret du cabinet NAS", is_backup=True
    )
    record_restore_test(check, by=world.admin, performed_on=timezone.localdate(), result="success", evidence="Secret du cabinet")
    return check


def knowledge_article(world: Any, organization: Organization) -> Article:
    """A published knowledge article meant for ``organization`` only."""
    article = knowledge_services.create_article(
        by=world.admin,
        language="fr",
        title="Secret du cabinet : accès VPN",
        body="Secret du cabinet",
        visibility=Visibility.CLIENTS,
        clients=[organization],
    )
    return knowledge_services.set_status(article, ArticleStatus.PUBLISHED, by=world.admin)


def change_objects(world: Any, organization: Organization, by: User) -> tuple[Change, FreezePeriod]:
    """A change and a freeze period of ``organization``."""
    change = change_services.create_change(by=by, organization=organization, title="Secret du cabinet : migration")
    now = timezone.now()
    freeze = FreezePeriod.objects.create(organization=organization, name="Gel", starts_at=now, ends_at=now + timedelta(days=1))
    return change, freeze


def contract_records(world: Any, organization: Organization) -> tuple[Supplier, Contract, Licence]:
    """A supplier, a contract and a licence (with a key) of ``organization``."""
    supplier = contract_services.create_supplier(by=world.admin, organization=organization, name="Opérateur")
    contract = contract_services.create_contract(
        by=world.admin,
        organization=organization,
        supplier=supplier,
        title="Secret du cabinet : fibre",
        start_date=timezone.localdate(),
        end_date=timezone.localdate() + timedelta(days=365),
    )
    licence = contract_services.create_licence(
        by=world.admin, organization=organization, software="Logiciel", seats_purchased=2, key="confidentiel-cle"
    )
    return supplier, contract, licence


def cmdb_objects(world: Any, organization: Organization, service: BusinessService) -> dict[str, int]:
    """A CI of ``organization`` with a relation, a service component and a redundancy group."""
    item = cmdb_services.create_item(by=world.admin, organization=organization, name="Secret du cabinet SRV", ci_class="server")
    other = cmdb_services.create_item(by=world.admin, organization=organization, name="Hôte", ci_class="server")
    group = cmdb_services.create_group(by=world.admin, organization=organization, name="Grappe", minimum_up=1)
    relation = cmdb_services.add_relation(by=world.admin, source=item, target=other, kind="runs_on", redundancy_group=group)
    component = cmdb_services.add_component(by=world.admin, service=service, item=item)
    return {"item_id": item.pk, "relation_id": relation.pk, "component_id": component.pk, "group_id": group.pk}


def service_levels(world: Any, organization: Organization) -> tuple[BusinessCalendar, SlaPolicy, BusinessService]:
    """A calendar, an SLA policy and a business service of ``organization``."""
    calendar = sla_services.create_calendar(by=world.admin, organization=organization, name="Horaires", is_24x7=True)
    policy = sla_services.create_policy(
        by=world.admin, organization=organization, name="Contrat", calendar=calendar, targets=[TargetSpec(1, 15, 240)]
    )
    service = catalog_services.create_service(by=world.admin, organization=organization, name="Messagerie")
    return calendar, policy, service


def catalog_request(world: Any, organization: Organization, requester: Any, group: Any) -> tuple[RequestTemplate, Ticket, Any]:
    """A request template of ``organization`` only, and a request ordered from it with a task."""
    template = create_template(
        by=world.admin,
        name="Secret du cabinet: badge",
        audience="client",
        organization=organization,
        approval="client_manager",
        group=group,
        is_published=True,
        fields=[FieldSpec("Étage")],
        tasks=[TaskSpec("Badge")],
    )
    ticket = fulfilment.order_request(by=requester, template=template, organization=organization, answers={})
    fulfilment.create_tasks(ticket.catalog_request, at=timezone.now())
    return template, ticket, ticket.catalog_request.tasks.get()


def _model_of(route: Route) -> type[models.Model] | None:
    if route.name in PK_MODELS:
        return PK_MODELS[route.name]
    view_class = getattr(route.callback, "cls", None) or getattr(route.callback, "view_class", None)
    queryset = getattr(view_class, "queryset", None)
    if queryset is not None:
        return queryset.model
    serializer = getattr(view_class, "serializer_class", None)
    return getattr(getattr(serializer, "Meta", None), "model", None)


def fill(route: Route, objects: Objects, *, missing: bool = False) -> dict[str, Any] | None:
    """URL keyword arguments pointing at client B's object (or at no object at all), or None
    when the route's object is shared reference data."""
    kwargs: dict[str, Any] = {}
    for name in route.parameters:
        if name == "reference" and route.name.startswith("api:problem-"):
            kwargs[name] = "PRB-999999" if missing else objects.problem.reference
        elif name in ("reference", "ticket_reference"):
            target = (
                objects.catalog_ticket if "task_id" in route.parameters or route.namespace == "client_catalog" else objects.ticket
            )
            kwargs[name] = "INC-999999" if missing else target.reference
        elif name == "template_id":
            kwargs[name] = 999999 if missing else objects.template.pk
        elif name == "task_id":
            kwargs[name] = 999999 if missing else objects.task.pk
        elif name == "attachment_id":
            kwargs[name] = 999999 if missing else objects.attachment.pk
        elif name == "inbound_id":
            kwargs[name] = 999999 if missing else objects.inbound.pk
        elif name == "organization_slug":
            kwargs[name] = "nulle-part" if missing else objects.organization.slug
        elif name == "organization_id":
            kwargs[name] = 999999 if missing else objects.organization.pk
        elif name == "month":
            kwargs[name] = REVIEWED_MONTH
        elif name == "token":
            # Client B's survey with a signature this installation did not make; or no survey at all.
            forged = signing.Signer(salt="forged").sign_object([objects.survey.pk, 5])
            kwargs[name] = satisfaction.make_token(999999, 5) if missing else forged
        elif name == "source_token":
            # An intake source's token (GLPI Agent): a made-up one opens nothing, for anybody.
            kwargs[name] = "vgi_forged-token"
        elif name == "calendar_id":
            kwargs[name] = 999999 if missing else objects.calendar.pk
        elif name == "policy_id":
            kwargs[name] = 999999 if missing else objects.policy.pk
        elif name == "service_id":
            kwargs[name] = 999999 if missing else objects.service.pk
        elif name == "article_id":
            kwargs[name] = 999999 if missing else objects.article.pk
        elif name == "change_id":
            kwargs[name] = 999999 if missing else objects.change.pk
        elif name == "freeze_id":
            kwargs[name] = 999999 if missing else objects.freeze.pk
        elif name == "feed_token":
            # A token signed by another installation for client B's technician; or for nobody.
            forged = signing.dumps([objects.change.requested_by_id, "0"], salt="forged")
            kwargs[name] = signing.dumps([999999, "0"], salt=feeds.SALT) if missing else forged
        elif name == "supplier_id":
            kwargs[name] = 999999 if missing else objects.supplier.pk
        elif name == "contract_id":
            kwargs[name] = 999999 if missing else objects.contract.pk
        elif name == "licence_id":
            kwargs[name] = 999999 if missing else objects.licence.pk
        elif name in objects.cmdb:
            kwargs[name] = 999999 if missing else objects.cmdb[name]
        elif name in objects.monitoring:
            kwargs[name] = 999999 if missing else objects.monitoring[name]
        elif name == "problem_reference":
            kwargs[name] = "PRB-999999" if missing else objects.problem.reference
        elif name == "source_id":
            kwargs[name] = 999999 if missing else objects.intake_source.pk
        elif name in ("window_id", "channel_id", "alert_id", "organization_id"):
            kwargs[name] = 999999 if missing else objects.alerting[name]
        elif name == "check_id":
            kwargs[name] = 999999 if missing else objects.check.pk
        elif name == "ping_key":
            # The key is the credential: a key this installation never issued (client B's own key
            # is a secret its scripts hold, not something an outsider can name).
            kwargs[name] = uuid.uuid4()
        elif name == "status":
            kwargs[name] = 0
        elif name == "pk":
            model = _model_of(route)
            if model in SHARED_MODELS:
                return None
            instance = objects.for_model(model) if model is not None else None
            if instance is None:
                pytest.fail(f"{route.name}: say in PK_MODELS or Objects which object its 'pk' takes")
            # A sub-resource of a ticket (its attachments) takes the ticket's own attachment.
            if model is Attachment:
                instance = objects.attachment
            kwargs[name] = 999999 if missing else instance.pk
        else:
            pytest.fail(f"{route.name}: unknown URL parameter {name!r}; teach this test which object it takes")
    return kwargs


def object_routes() -> list[Route]:
    return [route for route in all_routes() if route.parameters]


def test_the_walk_covers_the_interfaces():
    names = {route.name for route in all_routes()}
    assert {
        "servicedesk:ticket_detail",
        "servicedesk:attachment_download",
        "servicedesk:inbound_raw",
        "portal:ticket_detail",
        "accounts:profile",
        "reports:review",
        "reports:review_pdf",
        "client_reports:dashboard",
        "client_reports:review_pdf",
        "satisfaction:survey",
    } <= names
    assert len(object_routes()) >= 20


@pytest.mark.parametrize("outsider", ["requester_a", "it_contact_a", "tech_a"])
def test_every_object_route_hides_client_b(world, client_b_objects, login, outsider):
    client = login(getattr(world, outsider))
    checked = 0
    for route in object_routes():
        kwargs = fill(route, client_b_objects)
        if kwargs is None:
            continue
        url = reverse(route.name, kwargs=kwargs)
        nowhere = reverse(route.name, kwargs=fill(route, client_b_objects, missing=True))
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            content = b"" if getattr(response, "streaming", False) else response.content
            assert b"Secret du cabinet" not in content, f"{method.upper()} {url} shows client B's ticket"
            assert b"confidentiel" not in content, f"{method.upper()} {url} shows client B's file"
            if route.namespace in STRICT_NAMESPACES:
                assert response.status_code == 404, f"{method.upper()} {url} as {outsider}: {response.status_code}"
            else:
                same_as_missing = getattr(client, method)(nowhere).status_code
                assert response.status_code == 404 or response.status_code == same_as_missing, (
                    f"{method.upper()} {url} as {outsider}: {response.status_code}, "
                    f"but {same_as_missing} for an object that does not exist"
                )
            checked += 1
    assert checked >= 20
    client_b_objects.ticket.refresh_from_db()
    assert client_b_objects.ticket.comments.count() == 1  # nothing was written by the walk
    client_b_objects.survey.refresh_from_db()
    assert client_b_objects.survey.rating is None


@pytest.mark.parametrize("user_attr", ["requester_a", "it_contact_a", "manager_a"])
def test_staff_routes_are_404_for_client_users(world, login, user_attr):
    """Even with the user's own ticket and attachment, the staff interface does not exist for them."""
    user = getattr(world, user_attr)
    own = services.open_ticket(by=user, organization=world.client_a, title="Le mien", uploads=[Upload("a.txt", b"a")])
    process_message(make_mail(sender="x@ailleurs.test", to=world.client_a.support_email, subject="Refusé"))
    calendar, policy, service = service_levels(world, world.client_a)
    template, catalog_ticket, task = catalog_request(world, world.client_a, user, world.group_a)
    change, freeze = change_objects(world, world.client_a, world.tech_a)
    supplier, contract, licence = contract_records(world, world.client_a)
    values = {
        "template_id": template.pk,
        "task_id": task.pk,
        "reference": own.reference,
        "attachment_id": own.attachments.get().pk,
        "inbound_id": InboundEmail.objects.get(organization=world.client_a).pk,
        "calendar_id": calendar.pk,
        "policy_id": policy.pk,
        "service_id": service.pk,
        "article_id": knowledge_article(world, world.client_a).pk,  # one they read in the portal
        "change_id": change.pk,
        "freeze_id": freeze.pk,
        "supplier_id": supplier.pk,
        "contract_id": contract.pk,
        "licence_id": licence.pk,
        "organization_slug": world.client_a.slug,  # their own company: still no staff report for them
        "organization_id": world.client_a.pk,  # their own company: still no staff page for them
        "month": REVIEWED_MONTH,
        **cmdb_objects(world, world.client_a, service),
        **alerting_objects(world, world.client_a, "Le leur"),
        **monitoring_objects(world, world.client_a),
        "problem_reference": problem_services.create_problem(
            by=world.admin, organization=world.client_a, title="Le leur", incidents=[own]
        ).reference,
        "source_id": issue_source(by=world.admin, organization=world.client_a, kind="zabbix", name="Zabbix")[0].pk,
        "check_id": backup_check(world, world.client_a).pk,
    }
    client = login(user)
    staff_routes = [route for route in all_routes() if route.namespace in STAFF_NAMESPACES]
    assert len(staff_routes) >= 25
    for route in staff_routes:
        arguments = {name: values[name] for name in route.parameters}
        if "task_id" in arguments:
            arguments["reference"] = catalog_ticket.reference
        url = reverse(route.name, kwargs=arguments)
        for method in ("get", "post"):
            assert getattr(client, method)(url).status_code == 404, f"{method.upper()} {url} as {user_attr}"
    own.refresh_from_db()
    assert own.comments.count() == 0 and own.assignee is None


def test_anonymous_visitors_are_sent_to_the_login_page(client, world, client_b_objects):
    for route in all_routes():
        if route.namespace not in STRICT_NAMESPACES:
            continue
        kwargs = fill(route, client_b_objects)
        response = client.get(reverse(route.name, kwargs=kwargs))
        if route.namespace in TOKEN_NAMESPACES:
            assert response.status_code == 404, route.name  # no login page: the forged token opens nothing
            continue
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), route.name


def test_token_pages_open_with_the_genuine_token_only(client, world, client_b_objects):
    """The one way into a public survey page is the link sent to the requester."""
    genuine = reverse("satisfaction:survey", args=[satisfaction.make_token(client_b_objects.survey.pk, 5)])
    assert client.get(genuine).status_code == 200
    forged = reverse(
        "satisfaction:survey", kwargs=fill(Route("satisfaction:survey", "satisfaction", ("token",), None), client_b_objects)
    )
    assert client.get(forged).status_code == 404
