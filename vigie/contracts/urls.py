"""Suppliers, contracts and licences in the staff interface (``/desk/contracts/``): provider staff
only, anyone else gets a 404."""

from django.urls import path

from vigie.contracts.views import contracts, licences, suppliers

app_name = "contracts"

urlpatterns = [
    path("", contracts.contract_list, name="contract_list"),
    path("new/", contracts.contract_create, name="contract_create"),
    path("upcoming/", contracts.upcoming, name="upcoming"),
    path("<int:contract_id>/", contracts.contract_detail, name="contract_detail"),
    path("<int:contract_id>/edit/", contracts.contract_edit, name="contract_edit"),
    path("<int:contract_id>/delete/", contracts.contract_delete, name="contract_delete"),
    path("suppliers/", suppliers.supplier_list, name="supplier_list"),
    path("suppliers/new/", suppliers.supplier_create, name="supplier_create"),
    path("suppliers/<int:supplier_id>/", suppliers.supplier_detail, name="supplier_detail"),
    path("suppliers/<int:supplier_id>/edit/", suppliers.supplier_edit, name="supplier_edit"),
    path("suppliers/<int:supplier_id>/delete/", suppliers.supplier_delete, name="supplier_delete"),
    path("licences/", licences.licence_list, name="licence_list"),
    path("licences/new/", licences.licence_create, name="licence_create"),
    path("licences/<int:licence_id>/", licences.licence_detail, name="licence_detail"),
    path("licences/<int:licence_id>/edit/", licences.licence_edit, name="licence_edit"),
    path("licences/<int:licence_id>/delete/", licences.licence_delete, name="licence_delete"),
    path("licences/<int:licence_id>/reveal/", licences.licence_reveal, name="licence_reveal"),
]
