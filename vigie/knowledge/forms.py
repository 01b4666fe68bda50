"""Forms of the knowledge base: typed input; the rules are ``vigie.knowledge.services``'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from vigie.knowledge.models import KnowledgeCategory, Language, Visibility
from vigie.servicedesk.forms import VigieForm
from vigie.tenancy.models import Organization


class ArticleTextForm(VigieForm):
    """The text of an article in one language."""

    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    keywords = forms.CharField(
        label=_("Keywords"), max_length=300, required=False, help_text=_("Comma-separated words people search for.")
    )
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 18, "class": "markdown-editor"}),
        help_text=_("Markdown: **bold**, lists, tables, ```code```, [links](https://…)."),
    )


class ArticleSettingsForm(VigieForm):
    """Who reads an article and where it is filed."""

    category = forms.ModelChoiceField(
        label=_("Category"), queryset=KnowledgeCategory.objects.none(), required=False, empty_label=_("No category")
    )
    visibility = forms.ChoiceField(label=_("Visible to"), choices=Visibility.choices, initial=Visibility.INTERNAL)
    clients = forms.ModelMultipleChoiceField(
        label=_("Client companies"),
        queryset=Organization.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("When the article is meant for some client companies only."),
    )

    def __init__(self, *args: Any, categories: Any, clients: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category_field: Any = self.fields["category"]
        category_field.queryset = categories
        client_field: Any = self.fields["clients"]
        client_field.queryset = clients


class ArticleForm(ArticleTextForm, ArticleSettingsForm):
    """A new article: its first text and its settings."""


class CategoryForm(VigieForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    parent = forms.ModelChoiceField(
        label=_("Parent"), queryset=KnowledgeCategory.objects.none(), required=False, empty_label=_("None (top level)")
    )

    def __init__(self, *args: Any, categories: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parent_field: Any = self.fields["parent"]
        parent_field.queryset = categories
