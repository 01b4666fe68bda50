"""The knowledge base in the staff interface (``/desk/knowledge/``).

Every provider staff member reads the articles visible to them and writes drafts; administrators
and service owners publish, archive and change published articles (``vigie.knowledge.permissions``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from vigie.core.pagination import CappedPaginator
from vigie.knowledge import permissions, services
from vigie.knowledge.forms import ArticleForm, ArticleSettingsForm, ArticleTextForm, CategoryForm
from vigie.knowledge.models import (
    Article,
    ArticleStatus,
    ArticleVersion,
    KnowledgeCategory,
    Language,
    Visibility,
)
from vigie.knowledge.reading import reader_language, rows_of, search, with_votes
from vigie.knowledge.views.common import chosen_translation, diff_lines, visible_article
from vigie.servicedesk.models import Ticket
from vigie.servicedesk.views.common import INVALID, allow, current_user, staff_required
from vigie.sla.views.common import apply_service_error
from vigie.tenancy.access import access_for
from vigie.tenancy.models import Organization

PAGE_SIZE = 25
STATUS_ACTIONS = {
    "publish": ArticleStatus.PUBLISHED,
    "archive": ArticleStatus.ARCHIVED,
    "draft": ArticleStatus.DRAFT,
}


def _categories(request: HttpRequest) -> Any:
    return KnowledgeCategory.objects.visible_to(current_user(request)).order_by("full_name")


def _clients(request: HttpRequest) -> Any:
    return Organization.objects.clients().filter(pk__in=access_for(current_user(request)).client_ids).order_by("name")


@staff_required
def article_list(request: HttpRequest) -> HttpResponse:
    if refused := allow(request, "GET", "HEAD"):
        return refused
    user = current_user(request)
    language = reader_language()
    articles = with_votes(Article.objects.visible_to(user)).select_related("category")
    filters = {name: request.GET.get(name, "") for name in ("category", "status", "visibility", "language")}
    if filters["category"].isdigit():
        articles = articles.filter(category_id=int(filters["category"]))
    if filters["status"] in ArticleStatus.values:
        articles = articles.filter(status=filters["status"])
    if filters["visibility"] in Visibility.values:
        articles = articles.filter(visibility=filters["visibility"])
    if filters["language"] in Language.values:
        articles = articles.filter(translations__language=filters["language"])
    query = request.GET.get("q", "").strip()[:200]
    if query:
        page = None
        rows = search(articles, query, filters["language"] or language)
    else:
        page = CappedPaginator(articles.order_by("-updated_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
        rows = rows_of(page.object_list, filters["language"] or language)
    context = {
        "rows": rows,
        "page": page,
        "query": query,
        "filters": filters,
        "categories": _categories(request),
        "statuses": ArticleStatus.choices,
        "visibilities": Visibility.choices,
        "languages": Language.choices,
        "can_manage_categories": permissions.can_manage_categories(user),
    }
    return render(request, "knowledge/article_list.html", context)


@staff_required
def article_create(request: HttpRequest) -> HttpResponse:
    if refused := allow(request, "GET", "HEAD", "POST"):
        return refused
    user = current_user(request)
    kwargs = {"categories": _categories(request), "clients": _clients(request)}
    if request.method != "POST":
        form = ArticleForm(initial={"language": reader_language()}, **kwargs)
        return render(request, "knowledge/article_create.html", {"form": form})
    form = ArticleForm(request.POST, **kwargs)
    if form.is_valid():
        try:
            article = services.create_article(by=user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            apply_service_error(error, form, {})
        else:
            messages.success(request, _("Draft saved."))
            return redirect("knowledge:article_detail", article_id=article.pk)
    return render(request, "knowledge/article_create.html", {"form": form}, status=INVALID)


@staff_required
def article_detail(request: HttpRequest, article_id: int) -> HttpResponse:
    article = visible_article(request, article_id)
    if refused := allow(request, "GET", "HEAD"):
        return refused
    user = current_user(request)
    translation = chosen_translation(request, article)
    services.record_view(article)
    linked = Ticket.objects.visible_to(user).filter(knowledge_links__article=article).only("reference", "title", "status")[:50]
    context = {
        "article": article,
        "translation": translation,
        "translations": list(article.translations.order_by("language")),
        "missing_languages": [
            (code, label) for code, label in Language.choices if not article.translations.filter(language=code).exists()
        ],
        "clients": article.clients.filter(pk__in=access_for(user).client_ids).order_by("name"),
        "linked_tickets": linked,
        "deflections": article.deflections.count(),
        "can_edit": permissions.can_edit(user, article),
        "can_publish": permissions.can_publish(user),
    }
    return render(request, "knowledge/article_detail.html", context)


@staff_required
def article_edit(request: HttpRequest, article_id: int) -> HttpResponse:
    """The text in one language (``?language=``, a new translation when it does not exist yet) and the settings."""
    article = visible_article(request, article_id)
    if refused := allow(request, "GET", "HEAD", "POST"):
        return refused
    user = current_user(request)
    if not permissions.can_edit(user, article):
        raise PermissionDenied(_("Only administrators and service owners can change a published article."))
    source = request.POST if request.method == "POST" else request.GET
    language = source.get("language", "")
    language = language if language in Language.values else reader_language()
    translation = article.translations.filter(language=language).first()
    settings_kwargs = {"categories": _categories(request), "clients": _clients(request)}
    if request.method != "POST":
        initial = {"language": language}
        if translation is not None:
            initial.update(title=translation.title, keywords=translation.keywords, body=translation.body)
        text_form = ArticleTextForm(initial=initial)
        settings_form = ArticleSettingsForm(
            initial={
                "category": article.category_id,
                "visibility": article.visibility,
                "clients": list(article.clients.values_list("pk", flat=True)),
            },
            **settings_kwargs,
        )
        context = {"article": article, "text_form": text_form, "settings_form": settings_form, "translation": translation}
        return render(request, "knowledge/article_edit.html", context)
    text_form = ArticleTextForm(request.POST)
    settings_form = ArticleSettingsForm(request.POST, **settings_kwargs)
    if text_form.is_valid() and settings_form.is_valid():
        try:
            services.update_article(article, by=user, **settings_form.cleaned_data)
            services.save_translation(article, by=user, **text_form.cleaned_data)
        except ValidationError as error:
            apply_service_error(error, text_form, {})
            for name, problems in text_form.errors.items():
                if name in settings_form.fields:
                    settings_form.add_error(name, problems)
        else:
            messages.success(request, _("Article saved."))
            return redirect(f"{_detail_url(article)}?language={text_form.cleaned_data['language']}")
    context = {"article": article, "text_form": text_form, "settings_form": settings_form, "translation": translation}
    return render(request, "knowledge/article_edit.html", context, status=INVALID)


def _detail_url(article: Article) -> str:
    from django.urls import reverse

    return reverse("knowledge:article_detail", kwargs={"article_id": article.pk})


@staff_required
def article_status(request: HttpRequest, article_id: int) -> HttpResponse:
    article = visible_article(request, article_id)
    if refused := allow(request, "POST"):
        return refused
    target = STATUS_ACTIONS.get(request.POST.get("action", ""))
    if target is None:
        messages.error(request, _("Unknown action."))
        return redirect("knowledge:article_detail", article_id=article.pk)
    services.set_status(article, target, by=current_user(request))
    messages.success(request, _("The article is now %(status)s.") % {"status": ArticleStatus(target).label.lower()})
    return redirect("knowledge:article_detail", article_id=article.pk)


@staff_required
def article_history(request: HttpRequest, article_id: int) -> HttpResponse:
    """The versions of one translation, and the difference between two of them (``?a=&b=``)."""
    article = visible_article(request, article_id)
    if refused := allow(request, "GET", "HEAD"):
        return refused
    translation = chosen_translation(request, article)
    versions = list(translation.versions.select_related("author")) if translation else []
    by_number = {version.number: version for version in versions}
    older, newer = request.GET.get("a", ""), request.GET.get("b", "")
    compared: tuple[ArticleVersion, ArticleVersion] | None = None
    if older.isdigit() and newer.isdigit() and int(older) in by_number and int(newer) in by_number:
        compared = (by_number[int(older)], by_number[int(newer)])
    elif len(versions) >= 2:
        compared = (versions[1], versions[0])
    context: dict[str, Any] = {
        "article": article,
        "translation": translation,
        "versions": versions,
        "compared": compared,
        "can_edit": permissions.can_edit(current_user(request), article),
    }
    if compared:
        old, new = compared
        context["title_changed"] = old.title != new.title
        context["keywords_changed"] = old.keywords != new.keywords
        context["diff"] = diff_lines(old.body, new.body)
    return render(request, "knowledge/article_history.html", context)


@staff_required
def article_restore(request: HttpRequest, article_id: int) -> HttpResponse:
    article = visible_article(request, article_id)
    if refused := allow(request, "POST"):
        return refused
    version_id = request.POST.get("version", "")
    version = get_object_or_404(
        ArticleVersion.objects.select_related("translation__article"),
        pk=int(version_id) if version_id.isdigit() else 0,
        translation__article=article,
    )
    translation = services.restore_version(version, by=current_user(request))
    messages.success(
        request, _("Version %(number)d restored as version %(new)d.") % {"number": version.number, "new": translation.version}
    )
    return redirect(f"{_detail_url(article)}?language={translation.language}")


@staff_required
def preview(request: HttpRequest) -> HttpResponse:
    """The Markdown of the editor, rendered as readers will see it (htmx)."""
    if refused := allow(request, "POST"):
        return refused
    return render(request, "knowledge/partials/_preview.html", {"body": request.POST.get("body", "")[:200_000]})


@staff_required
def category_list(request: HttpRequest) -> HttpResponse:
    """The provider's categories; administrators and service owners add, rename and move them."""
    if refused := allow(request, "GET", "HEAD", "POST"):
        return refused
    user = current_user(request)
    categories = _categories(request).annotate(
        article_count=Count("articles", filter=Q(articles__in=Article.objects.visible_to(user)))
    )
    form = CategoryForm(categories=_categories(request))
    status = 200
    if request.method == "POST":
        if not permissions.can_manage_categories(user):
            raise PermissionDenied(_("Only administrators and service owners can change the categories."))
        chosen = request.POST.get("category", "")
        category = get_object_or_404(_categories(request), pk=int(chosen)) if chosen.isdigit() else None
        form = CategoryForm(request.POST, categories=_categories(request))
        if request.POST.get("action") == "delete" and category is not None:
            try:
                services.delete_category(category, by=user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("Category deleted."))
            return redirect("knowledge:category_list")
        if form.is_valid():
            try:
                if category is None:
                    services.create_category(by=user, **form.cleaned_data)
                else:
                    services.update_category(category, by=user, **form.cleaned_data)
            except ValidationError as error:
                apply_service_error(error, form, {})
            else:
                messages.success(request, _("Category saved."))
                return redirect("knowledge:category_list")
        status = INVALID
    context = {"categories": categories, "form": form, "can_manage": permissions.can_manage_categories(user)}
    return render(request, "knowledge/category_list.html", context, status=status)
