"""Articles on the staff ticket page: suggestions that match the ticket, "this article solved it",
and the link to paste into a reply."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from vigie.knowledge import services
from vigie.knowledge.models import Article
from vigie.knowledge.reading import reader_language, rows_of, suggestions
from vigie.servicedesk.models import Ticket
from vigie.servicedesk.views.common import allow, current_user, staff_required, visible_ticket


def _panel(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    user = current_user(request)
    language = reader_language()
    linked_articles = Article.objects.visible_to(user).filter(ticket_links__ticket=ticket).order_by("-ticket_links__linked_at")
    linked = rows_of(linked_articles, language)
    text = " ".join(part for part in (ticket.title, ticket.category.name if ticket.category else "") if part)
    linked_ids = {row.pk for row in linked}
    suggested = [row for row in suggestions(user, text, language) if row.pk not in linked_ids]
    # Replies go to the requester: the link is the portal's page of the article, in full.
    portal_base = request.build_absolute_uri(reverse("client_knowledge:article_list"))
    context = {"ticket": ticket, "linked": linked, "suggested": suggested, "portal_base": portal_base}
    return render(request, "knowledge/partials/_ticket_panel.html", context)


@staff_required
def ticket_suggestions(request: HttpRequest, reference: str) -> HttpResponse:
    ticket = visible_ticket(request, reference)
    if refused := allow(request, "GET", "HEAD"):
        return refused
    return _panel(request, ticket)


@staff_required
def ticket_link(request: HttpRequest, reference: str) -> HttpResponse:
    """POST ``article`` (and ``action=unlink`` to take it back): this article solved this ticket."""
    ticket = visible_ticket(request, reference)
    if refused := allow(request, "POST"):
        return refused
    user = current_user(request)
    chosen = request.POST.get("article", "")
    article = get_object_or_404(Article.objects.visible_to(user), pk=int(chosen) if chosen.isdigit() else 0)
    if request.POST.get("action") == "unlink":
        services.unlink_ticket(article, ticket, by=user)
    else:
        services.link_ticket(article, ticket, by=user)
    return _panel(request, ticket)
