"""API authentication with personal tokens: ``Authorization: Bearer vg_...`` (or ``Token vg_...``)."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from vigie.accounts.services import authenticate_api_token


def _apply_preferences(request: Request, user: Any) -> None:
    """What the session middleware does for a logged-in browser, for a token caller: answer in the
    user's language (unless the request asks for one with Accept-Language) and time zone."""
    if user.language and "HTTP_ACCEPT_LANGUAGE" not in request.META:
        translation.activate(user.language)
        request._request.LANGUAGE_CODE = user.language
    if user.time_zone:
        try:
            timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Malformed Authorization header."))
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError as error:
            raise exceptions.AuthenticationFailed(_("Malformed token.")) from error
        token = authenticate_api_token(raw)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        _apply_preferences(request, token.user)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'
