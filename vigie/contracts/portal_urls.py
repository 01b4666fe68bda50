"""The client's contracts in the portal (``/portal/contracts/``)."""

from django.urls import path

from vigie.contracts.views import portal

app_name = "client_contracts"

urlpatterns = [path("", portal.contract_list, name="list")]
