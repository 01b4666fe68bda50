"""Problem management in the staff interface (``/desk/problems/``): provider staff only, anyone
else gets a 404; another client's problem is a 404 too."""

from django.urls import path

from vigie.problems.views import actions, pages

app_name = "problems"

urlpatterns = [
    path("", pages.problem_list, name="problem_list"),
    path("new/", pages.problem_create, name="problem_create"),
    path("incidents/", pages.incident_picker, name="incident_picker"),
    path("incidents/link/", actions.incidents_link, name="incidents_link"),
    path("known-errors/", pages.known_error_list, name="known_error_list"),
    path("tickets/<str:reference>/link/", actions.ticket_link, name="ticket_link"),
    path("<str:problem_reference>/", pages.problem_detail, name="problem_detail"),
    path("<str:problem_reference>/edit/", actions.problem_edit, name="problem_edit"),
    path("<str:problem_reference>/link/", actions.problem_link, name="problem_link"),
    path("<str:problem_reference>/unlink/", actions.problem_unlink, name="problem_unlink"),
    path("<str:problem_reference>/status/", actions.problem_status, name="problem_status"),
    path("<str:problem_reference>/root-cause/", actions.problem_root_cause, name="problem_root_cause"),
    path("<str:problem_reference>/known-error/", actions.problem_publish, name="problem_publish"),
    path("<str:problem_reference>/resolve/", actions.problem_resolve, name="problem_resolve"),
]
