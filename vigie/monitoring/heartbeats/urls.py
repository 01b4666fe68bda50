"""The ping addresses (top level, ``/ping/``), compatible with Healthchecks' ping API."""

from django.urls import URLPattern, path

from vigie.monitoring.heartbeats import views

app_name = "ping"

urlpatterns: list[URLPattern] = []
for _suffix in ("", "/"):
    urlpatterns += [
        path(f"<uuid:ping_key>{_suffix}", views.success, name="success" if not _suffix else "success_slash"),
        path(f"<uuid:ping_key>/start{_suffix}", views.start, name="start" if not _suffix else "start_slash"),
        path(f"<uuid:ping_key>/fail{_suffix}", views.fail, name="fail" if not _suffix else "fail_slash"),
        path(f"<uuid:ping_key>/log{_suffix}", views.log, name="log" if not _suffix else "log_slash"),
        path(f"<uuid:ping_key>/<int:status>{_suffix}", views.exit_status, name="exit" if not _suffix else "exit_slash"),
    ]
