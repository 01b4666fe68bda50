"""Request middleware: the user's saved language and time zone, the audit actor, MFA enforcement.

The language switch itself is Django's ``set_language`` view with ``LocaleMiddleware``."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone, translation

from vigie.core.audit import acting_as

Handler = Callable[[HttpRequest], HttpResponse]


class UserTimezoneMiddleware:
    """Activate the user's time zone and attribute audited changes to the user."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            from django.conf import settings

            # The language switch wins; otherwise the user's saved preference applies.
            if user.language and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
            if user.time_zone:
                try:
                    timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
                except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                    timezone.deactivate()
            with acting_as(user):
                return self.get_response(request)
        timezone.deactivate()
        return self.get_response(request)


MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/api/", "/inbound/", "/favicon")


class MfaEnforcementMiddleware:
    """When a user's organisation requires two-factor authentication and the user has not
    set it up yet, every page leads to the TOTP set-up page until it is done."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(MFA_EXEMPT_PREFIXES):
            from vigie.accounts.mfa import mfa_setup_required

            if mfa_setup_required(user):
                return HttpResponseRedirect(reverse("mfa_activate_totp"))
        return self.get_response(request)
