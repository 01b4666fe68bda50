from django.contrib import admin

from vigie.cmdb.models import ConfigurationItem, RedundancyGroup, Relation, ServiceComponent, TicketConfigurationItem


@admin.register(ConfigurationItem)
class ConfigurationItemAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "ci_class", "organization", "status", "criticality"]
    list_filter = ["ci_class", "status", "criticality", "organization"]
    search_fields = ["name", "serial_number", "vendor", "model"]
    raw_id_fields = ["owner", "site", "users"]


@admin.register(Relation)
class RelationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["source", "kind", "target", "redundancy_group", "organization"]
    list_filter = ["kind"]
    search_fields = ["source__name", "target__name"]
    raw_id_fields = ["source", "target", "redundancy_group"]


@admin.register(RedundancyGroup)
class RedundancyGroupAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "organization", "minimum_up"]
    search_fields = ["name"]


@admin.register(ServiceComponent)
class ServiceComponentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["service", "configuration_item", "redundancy_group", "organization"]
    raw_id_fields = ["service", "configuration_item", "redundancy_group"]
    search_fields = ["service__name", "configuration_item__name"]


@admin.register(TicketConfigurationItem)
class TicketConfigurationItemAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["ticket", "configuration_item", "created_at", "created_by"]
    raw_id_fields = ["ticket", "configuration_item", "created_by"]
    search_fields = ["ticket__reference", "configuration_item__name"]
