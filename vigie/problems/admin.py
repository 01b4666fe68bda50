from django.contrib import admin

from vigie.problems.models import KnownError, Problem, ProblemCounter, ProblemEvent, ProblemIncident, WorkaroundDelivery


class ProblemIncidentInline(admin.TabularInline):  # type: ignore[type-arg]
    model = ProblemIncident
    raw_id_fields = ["ticket", "linked_by"]
    extra = 0


@admin.register(Problem)
class ProblemAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["reference", "title", "organization", "status", "priority", "manager", "created_at"]
    list_filter = ["status", "organization", "priority"]
    search_fields = ["reference", "title", "root_cause", "organization__name"]
    raw_id_fields = ["manager", "group", "category", "resolving_change"]
    filter_horizontal = ["services"]
    readonly_fields = ["number", "reference"]
    inlines = [ProblemIncidentInline]


@admin.register(KnownError)
class KnownErrorAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["title", "problem", "organization", "status", "published_at"]
    list_filter = ["status", "organization"]
    search_fields = ["title", "symptoms", "workaround", "problem__reference"]
    raw_id_fields = ["problem", "published_by"]


@admin.register(ProblemIncident)
class ProblemIncidentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["problem", "ticket", "linked_at", "linked_by"]
    raw_id_fields = ["problem", "ticket", "linked_by"]


@admin.register(WorkaroundDelivery)
class WorkaroundDeliveryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["problem", "ticket", "delivered_at", "public"]
    raw_id_fields = ["problem", "ticket"]


@admin.register(ProblemEvent)
class ProblemEventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["problem", "kind", "at", "actor"]
    list_filter = ["kind"]
    raw_id_fields = ["problem", "actor"]


@admin.register(ProblemCounter)
class ProblemCounterAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["pk", "last_number"]
