"""The v1 router: every viewset of the API is registered here."""

from rest_framework.routers import DefaultRouter

from vigie.api.views.catalog import CatalogRequestViewSet, CatalogViewSet, RequestTemplateViewSet
from vigie.api.views.changes import ChangeTemplateViewSet, ChangeViewSet, FreezePeriodViewSet
from vigie.api.views.cmdb import ConfigurationItemViewSet, RelationViewSet
from vigie.api.views.common import REFERENCE_REGEX
from vigie.api.views.contracts import ContractViewSet, LicenceViewSet, SupplierViewSet
from vigie.api.views.imports import TicketImportViewSet
from vigie.api.views.knowledge import ArticleViewSet, KnowledgeCategoryViewSet
from vigie.api.views.kpis import KpiViewSet
from vigie.api.views.monitoring_alerting import (
    AlertAcknowledgementViewSet,
    AlertPolicyViewSet,
    MaintenanceWindowViewSet,
    NotificationChannelViewSet,
)
from vigie.api.views.monitoring_alerts import AlertViewSet
from vigie.api.views.monitoring_checks import CheckViewSet
from vigie.api.views.monitoring_heartbeats import RestoreTestViewSet
from vigie.api.views.monitoring_intake import IntakeSourceViewSet
from vigie.api.views.monitoring_probes import ProbePolicyViewSet
from vigie.api.views.problems import KnownErrorViewSet, ProblemViewSet
from vigie.api.views.reference import CategoryViewSet, PriorityMatrixViewSet
from vigie.api.views.reviews import ReviewViewSet
from vigie.api.views.satisfaction import SurveyViewSet
from vigie.api.views.sla import BusinessServiceViewSet, CalendarViewSet, SlaPolicyViewSet
from vigie.api.views.tenancy import GroupViewSet, OrganizationViewSet, SiteViewSet
from vigie.api.views.tickets import TicketViewSet
from vigie.api.views.timeline import AttachmentViewSet, CommentViewSet, TicketEventViewSet
from vigie.api.views.tokens import ApiTokenViewSet
from vigie.api.views.users import UserViewSet

TICKET = rf"tickets/(?P<ticket_reference>{REFERENCE_REGEX})"
CLIENT = r"(?P<organization_slug>[-a-zA-Z0-9_]+)"


class Router(DefaultRouter):
    """No ``.json`` format-suffix routes: one URL per resource, content negotiated by ``Accept``."""

    include_format_suffixes = False


router = Router()
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("sites", SiteViewSet, basename="site")
router.register("users", UserViewSet, basename="user")
router.register("groups", GroupViewSet, basename="group")
router.register("categories", CategoryViewSet, basename="category")
router.register("priority-matrix", PriorityMatrixViewSet, basename="priority-matrix")
router.register("tokens", ApiTokenViewSet, basename="token")
router.register("tickets", TicketViewSet, basename="ticket")
router.register(f"{TICKET}/comments", CommentViewSet, basename="ticket-comment")
router.register(f"{TICKET}/attachments", AttachmentViewSet, basename="ticket-attachment")
router.register(f"{TICKET}/events", TicketEventViewSet, basename="ticket-event")
router.register(f"reviews/{CLIENT}", ReviewViewSet, basename="review")
router.register("surveys", SurveyViewSet, basename="survey")
router.register("calendars", CalendarViewSet, basename="calendar")
router.register("sla-policies", SlaPolicyViewSet, basename="sla-policy")
router.register("services", BusinessServiceViewSet, basename="business-service")
router.register("kpis", KpiViewSet, basename="kpi")
router.register("imports", TicketImportViewSet, basename="import")
router.register("articles", ArticleViewSet, basename="article")
router.register("knowledge-categories", KnowledgeCategoryViewSet, basename="knowledge-category")
router.register("request-templates", RequestTemplateViewSet, basename="request-template")
router.register("catalog", CatalogViewSet, basename="catalog")
router.register("catalog-requests", CatalogRequestViewSet, basename="catalog-request")
router.register("changes", ChangeViewSet, basename="change")
router.register("change-templates", ChangeTemplateViewSet, basename="change-template")
router.register("freeze-periods", FreezePeriodViewSet, basename="freeze-period")
router.register("suppliers", SupplierViewSet, basename="supplier")
router.register("contracts", ContractViewSet, basename="contract")
router.register("licences", LicenceViewSet, basename="licence")
router.register("configuration-items", ConfigurationItemViewSet, basename="configuration-item")
router.register("relations", RelationViewSet, basename="relation")
router.register("problems", ProblemViewSet, basename="problem")
router.register("known-errors", KnownErrorViewSet, basename="known-error")
router.register("intake-sources", IntakeSourceViewSet, basename="intake-source")
router.register("maintenance-windows", MaintenanceWindowViewSet, basename="maintenance-window")
router.register("notification-channels", NotificationChannelViewSet, basename="notification-channel")
router.register("alert-policies", AlertPolicyViewSet, basename="alert-policy")
router.register("alert-acknowledgements", AlertAcknowledgementViewSet, basename="alert-acknowledgement")
router.register("checks", CheckViewSet, basename="check")
router.register("alerts", AlertViewSet, basename="alert")
router.register("restore-tests", RestoreTestViewSet, basename="restore-test")
router.register("probe-policies", ProbePolicyViewSet, basename="probe-policy")
