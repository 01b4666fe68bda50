"""Public pages of the satisfaction surveys (``/survey/``): no login, a signed token per link."""

from django.urls import path

from vigie.servicedesk.views import satisfaction

app_name = "satisfaction"

urlpatterns = [
    path("<str:token>/", satisfaction.survey_page, name="survey"),
]
