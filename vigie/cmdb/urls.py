"""Configuration management in the staff interface (``/desk/cmdb/``): provider staff only, anyone else gets a 404."""

from django.urls import path

from vigie.cmdb.views import items, links, transfer

app_name = "cmdb"

urlpatterns = [
    path("", items.item_list, name="item_list"),
    path("new/", items.item_create, name="item_create"),
    path("<int:item_id>/", items.item_detail, name="item_detail"),
    path("<int:item_id>/edit/", items.item_edit, name="item_edit"),
    path("<int:item_id>/delete/", items.item_delete, name="item_delete"),
    path("<int:item_id>/graph.svg", items.item_graph, name="item_graph"),
    path("<int:item_id>/relations/", links.relation_add, name="relation_add"),
    path("relations/<int:relation_id>/remove/", links.relation_remove, name="relation_remove"),
    path("<int:item_id>/services/", links.component_add, name="component_add"),
    path("components/<int:component_id>/remove/", links.component_remove, name="component_remove"),
    path("groups/", links.group_list, name="group_list"),
    path("groups/<int:group_id>/", links.group_edit, name="group_edit"),
    path("groups/<int:group_id>/delete/", links.group_delete, name="group_delete"),
    path("export/", transfer.export_csv, name="export"),
    path("import/", transfer.import_csv, name="import"),
    path("tickets/<str:reference>/link/", links.ticket_link, name="ticket_link"),
    path("tickets/<str:reference>/unlink/<int:item_id>/", links.ticket_unlink, name="ticket_unlink"),
]
