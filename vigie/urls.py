"""URL map of Vigie: staff interface, portal, satisfaction surveys, accounts, API and e-mail intake."""

from django.contrib import admin
from django.urls import include, path

from vigie.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.health, name="health"),
    path("ping/", include("vigie.monitoring.heartbeats.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("account/", include("vigie.accounts.urls")),
    path("desk/sla/", include("vigie.sla.urls")),
    path("desk/services/", include("vigie.catalog.urls")),
    path("desk/cmdb/", include("vigie.cmdb.urls")),
    path("desk/contracts/", include("vigie.contracts.urls")),
    path("desk/changes/", include("vigie.changes.urls")),
    path("desk/problems/", include("vigie.problems.urls")),
    path("desk/knowledge/", include("vigie.knowledge.urls")),
    path("desk/monitoring/", include("vigie.monitoring.urls")),
    path("desk/", include("vigie.servicedesk.urls")),
    path("portal/reports/", include("vigie.reports.portal_urls")),
    path("portal/knowledge/", include("vigie.knowledge.portal_urls")),
    path("portal/catalog/", include("vigie.catalog.portal_urls")),
    path("portal/changes/", include("vigie.changes.portal_urls")),
    path("portal/contracts/", include("vigie.contracts.portal_urls")),
    path("portal/health/", include("vigie.monitoring.portal_urls")),
    path("portal/", include("vigie.servicedesk.portal_urls")),
    path("reports/", include("vigie.reports.urls")),
    path("survey/", include("vigie.servicedesk.satisfaction_urls")),
    path("feeds/changes/", include("vigie.changes.feed_urls")),
    path("api/", include("vigie.api.urls")),
    path("inbound/email/", include("vigie.servicedesk.inbound.urls")),
    path("intake/", include("vigie.monitoring.intake.urls")),
    path("agent/v1/", include("vigie.monitoring.agents.urls")),
    path("glpi/", include("vigie.monitoring.glpi.urls")),
    path("admin/", admin.site.urls),
]
