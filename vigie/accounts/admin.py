"""Admin of users (e-mail login, no user name) and personal API tokens."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from vigie.accounts import services
from vigie.accounts.models import ApiToken, User
from vigie.tenancy.models import Membership


def _normalized_email(form: Any) -> str:
    email = str(form.cleaned_data["email"]).strip().lower()
    clashes = User.objects.filter(email__iexact=email)
    if form.instance.pk:
        clashes = clashes.exclude(pk=form.instance.pk)
    if clashes.exists():
        raise forms.ValidationError(_("A user with this e-mail address already exists."))
    return email


class VigieUserCreationForm(AdminUserCreationForm):  # type: ignore[type-arg]
    class Meta:
        model = User
        fields = ("email",)

    def clean_email(self) -> str:
        return _normalized_email(self)


class VigieUserChangeForm(UserChangeForm):  # type: ignore[type-arg]
    class Meta:
        model = User
        fields = "__all__"

    def clean_email(self) -> str:
        return _normalized_email(self)


class UserMembershipInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Membership
    fk_name = "user"
    extra = 0
    fields = ("organization", "role", "site")
    autocomplete_fields = ("organization", "site")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):  # type: ignore[type-arg]
    form = VigieUserChangeForm
    add_form = VigieUserCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "job_title", "phone", "language", "time_zone")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "usable_password", "password1", "password2")}),)
    list_display = ("email", "first_name", "last_name", "is_active", "is_staff", "last_login")
    list_filter = ("is_active", "is_staff", "is_superuser", "memberships__role", "language")
    search_fields = ("email", "first_name", "last_name", "phone")
    ordering = ("email",)
    readonly_fields = ("last_login", "date_joined")
    inlines = (UserMembershipInline,)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Tokens are created by their owner on the account page (the clear value is shown only there);
    an administrator can list, rename and revoke them. The hash is never displayed."""

    list_display = ("name", "user", "hint", "created_at", "expires_at", "last_used_at", "revoked_at", "usable")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter), ("expires_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "hint", "user__email")
    list_select_related = ("user",)
    fields = ("user", "name", "hint", "created_at", "expires_at", "last_used_at", "revoked_at")
    readonly_fields = ("user", "hint", "created_at", "last_used_at", "revoked_at")
    actions = ("revoke",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=_("usable"), boolean=True)
    def usable(self, token: ApiToken) -> bool:
        return token.is_usable

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        by = request.user
        assert isinstance(by, User)
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            services.revoke_api_token(token, by=by)
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", len(tokens)) % {"count": len(tokens)},
            messages.SUCCESS,
        )
