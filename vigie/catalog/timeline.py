"""How the catalog's lines read on a ticket's timeline (called by ``servicedesk.views.timeline``)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from vigie.servicedesk.models import TicketEvent


def summary(event: TicketEvent) -> tuple[str, str] | None:
    """(sentence, detail) for an event the catalog wrote, or None for any other event."""
    data = event.data or {}
    step = data.get("catalog")
    if not step:
        return None
    comment = str(data.get("comment") or "")
    if step == "ordered":
        return _("ordered “%(template)s” from the catalog") % {"template": data.get("template", "")}, ""
    if step == "approval_requested":
        return _("put the request on hold until it is approved"), ""
    if step == "approved":
        return _("approved the request"), comment
    if step == "rejected":
        return _("rejected the request, which is cancelled"), comment
    if step == "tasks_created":
        return _("created the fulfilment tasks (%(count)s)") % {"count": data.get("count", 0)}, ""
    if step == "task_done":
        return _("completed the task “%(task)s”") % {"task": data.get("task", "")}, str(data.get("note") or "")
    if step == "task_skipped":
        return _("skipped the task “%(task)s”") % {"task": data.get("task", "")}, str(data.get("note") or "")
    if step == "fulfilled":
        return _("resolved the request: every fulfilment task is done"), ""
    return None
