"""Help articles in the portal (``/portal/knowledge/``): a client's employees search and read the
published articles meant for their company, in their language; suggestions as they write a request."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from vigie.core.pagination import CappedPaginator
from vigie.knowledge import services
from vigie.knowledge.models import Article, ArticleVote, KnowledgeCategory
from vigie.knowledge.reading import reader_language, rows_of, search, suggestions
from vigie.knowledge.views.common import chosen_translation, visible_article
from vigie.servicedesk.views.common import allow, current_user, is_htmx_fragment

PAGE_SIZE = 20


@login_required
def article_list(request: HttpRequest) -> HttpResponse:
    if refused := allow(request, "GET", "HEAD"):
        return refused
    user = current_user(request)
    language = reader_language()
    articles = Article.objects.visible_to(user).published()
    categories = (
        KnowledgeCategory.objects.visible_to(user)
        .annotate(published=Count("articles", filter=Q(articles__in=articles)))
        .filter(published__gt=0)
        .order_by("full_name")
    )
    category = request.GET.get("category", "")
    if category.isdigit():
        articles = articles.filter(category_id=int(category))
    query = request.GET.get("q", "").strip()[:200]
    page = None
    if query:
        rows = search(articles, query, language)
    else:
        page = CappedPaginator(articles.order_by("-published_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
        rows = rows_of(page.object_list, language)
    context = {"rows": rows, "page": page, "query": query, "categories": categories, "category": category}
    return render(request, "knowledge/portal/article_list.html", context)


@login_required
def article_detail(request: HttpRequest, article_id: int) -> HttpResponse:
    article = visible_article(request, article_id, published=True)
    if refused := allow(request, "GET", "HEAD"):
        return refused
    services.record_view(article)
    vote = ArticleVote.objects.filter(article=article, user=current_user(request)).values_list("helpful", flat=True).first()
    context = {
        "article": article,
        "translation": chosen_translation(request, article),
        "translations": list(article.translations.order_by("language")),
        "vote": vote,
    }
    return render(request, "knowledge/portal/article_detail.html", context)


@login_required
def article_vote(request: HttpRequest, article_id: int) -> HttpResponse:
    article = visible_article(request, article_id, published=True)
    if refused := allow(request, "POST"):
        return refused
    helpful = request.POST.get("helpful") == "yes"
    services.vote(article, by=current_user(request), helpful=helpful)
    if is_htmx_fragment(request):
        return render(request, "knowledge/portal/partials/_vote.html", {"article": article, "vote": helpful, "thanks": True})
    messages.success(request, _("Thank you for your feedback."))
    return redirect("client_knowledge:article_detail", article_id=article.pk)


@login_required
def article_solved(request: HttpRequest, article_id: int) -> HttpResponse:
    """ "This solved my problem", from the suggestions of a request being written: no ticket needed."""
    article = visible_article(request, article_id, published=True)
    if refused := allow(request, "POST"):
        return refused
    query = " ".join(request.POST.get(name, "")[:300] for name in ("query", "title", "description")).strip()
    services.record_deflection(article, by=current_user(request), query=query)
    messages.success(request, _("Glad the article helped. No request was sent."))
    if is_htmx_fragment(request):
        return HttpResponse(status=200, headers={"HX-Redirect": reverse("portal:ticket_list")})
    return redirect("portal:ticket_list")


@login_required
def suggest(request: HttpRequest) -> HttpResponse:
    """Up to five articles matching the title and description being typed (htmx partial)."""
    if refused := allow(request, "GET", "HEAD"):
        return refused
    text = " ".join(request.GET.get(name, "")[:500] for name in ("title", "description")).strip()
    rows = suggestions(current_user(request), text, reader_language())
    return render(request, "knowledge/portal/partials/_suggestions.html", {"rows": rows, "query": text[:300]})
