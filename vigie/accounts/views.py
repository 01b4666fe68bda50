"""The user's own settings: profile, language, time zone, API tokens, two-factor authentication."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from vigie.accounts import services
from vigie.accounts.forms import ApiTokenForm, ProfileForm
from vigie.accounts.mfa import has_totp, mfa_required_for
from vigie.accounts.models import ApiToken, User

# A form that failed validation is answered with 422, like every form of the interface.
INVALID = 422


def _own_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required guarantees an authenticated user
    return user


def _profile_context(user: User, **extra: Any) -> dict[str, Any]:
    return {
        "api_tokens": ApiToken.objects.filter(user=user).order_by("-created_at", "-id"),
        "has_totp": has_totp(user),
        "mfa_required": mfa_required_for(user),
        **extra,
    }


def _initial_profile(user: User) -> dict[str, str]:
    return {name: getattr(user, name) for name in services.PROFILE_FIELDS}


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = _own_user(request)
    form = ProfileForm(request.POST or None, initial=_initial_profile(user))
    if request.method == "POST" and form.is_valid():
        services.update_profile(user, by=user, **form.cleaned_data)
        language = form.cleaned_data["language"]
        if language:
            translation.activate(language)
        messages.success(request, _("Your settings have been saved."))
        response = redirect("accounts:profile")
        # The saved language wins over an earlier choice made with the language switch.
        if language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            )
        else:
            response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
        return response
    status = INVALID if request.method == "POST" else 200
    return render(request, "accounts/profile.html", _profile_context(user, form=form, token_form=ApiTokenForm()), status=status)


@never_cache
@login_required
@require_POST
def api_token_create(request: HttpRequest) -> HttpResponse:
    """Create a token and show its clear value, once: it is not stored and cannot be shown again."""
    user = _own_user(request)
    token_form = ApiTokenForm(request.POST)
    if not token_form.is_valid():
        form = ProfileForm(initial=_initial_profile(user))
        context = _profile_context(user, form=form, token_form=token_form)
        return render(request, "accounts/profile.html", context, status=INVALID)
    token, raw = services.issue_api_token(user, name=token_form.cleaned_data["name"], expires_at=token_form.expires_at())
    return render(request, "accounts/api_token_created.html", {"token": token, "raw_token": raw})


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = _own_user(request)
    # Another user's token is a 404: its existence is not revealed.
    token = get_object_or_404(ApiToken.objects.filter(user=user), pk=pk)
    services.revoke_api_token(token, by=user)
    messages.success(request, _("The token “%(name)s” has been revoked.") % {"name": token.name})
    return redirect("accounts:profile")
