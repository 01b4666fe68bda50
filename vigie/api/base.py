"""Building blocks shared by every API resource: strict serializers, permissions, the acting user."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions, renderers, serializers
from rest_framework.request import Request
from rest_framework.views import APIView

from vigie.accounts.models import User
from vigie.tenancy.access import Access, access_for

# Keys a browser form may add; never a field of a resource.
_IGNORED_KEYS = frozenset({"csrfmiddlewaretoken"})


def acting_user(request: Request) -> User:
    """The authenticated user of an API request (every endpoint requires one)."""
    user = request.user
    if not isinstance(user, User):
        raise exceptions.NotAuthenticated()
    return user


def access_of(request: Request) -> Access:
    return access_for(request.user)


class StrictFieldsMixin:
    """Reject keys that are not writable fields of the serializer, naming them.

    A typo in a field name (``"titel"``) or an attempt to set a read-only field
    (``"status"`` in a PATCH) must be an error, not a silent no-op.
    """

    fields: Any

    def to_internal_value(self, data: Any) -> Any:
        errors: dict[str, list[str]] = {}
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            known = set(self.fields)
            for key in data:
                if key in writable or key in _IGNORED_KEYS:
                    continue
                errors[str(key)] = [str(_("This field is read-only.") if key in known else _("Unknown field."))]
        try:
            value = super().to_internal_value(data)  # type: ignore[misc]
        except serializers.ValidationError as error:
            if not errors or not isinstance(error.detail, dict):
                raise
            raise serializers.ValidationError({**error.detail, **errors}) from error
        if errors:
            raise serializers.ValidationError(errors)
        return value


def scope_queryset(serializer: serializers.BaseSerializer[Any], name: str, queryset: Any) -> None:
    """Let a relation field resolve only the objects the caller can see: another tenant's id
    then reads "does not exist", exactly like an id that was never used."""
    field: Any = serializer.fields[name]  # type: ignore[attr-defined]
    target: Any = getattr(field, "child_relation", field)
    target.queryset = queryset


class StrictSerializer(StrictFieldsMixin, serializers.Serializer[Any]):
    """A plain input serializer that rejects unknown keys."""


class EmptySerializer(StrictSerializer):
    """For actions that take no input: any key is an error."""


@contextmanager
def errors_on_field(name: str) -> Iterator[None]:
    """Re-label a Django ``ValidationError`` without a field (e.g. a refused file) as an error on ``name``."""
    try:
        yield
    except DjangoValidationError as error:
        if hasattr(error, "error_dict"):
            raise
        raise DjangoValidationError({name: error.messages}) from error


class IsStaffMember(permissions.BasePermission):
    """Provider staff only: technician groups and other back-office resources."""

    message = _("Only the provider's staff can use this endpoint.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return access_for(request.user).is_staff_member


class AdminWritesOthersRead(permissions.BasePermission):
    """Anyone who can see an object may read it; only the provider's administrators change it.

    The check on an existing object runs after the lookup, so an object of another tenant
    answers 404 and a visible one 403, never the other way round.
    """

    message = _("Only the provider's administrators can change this.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        if getattr(view, "detail", False):
            return True  # decided by has_object_permission, after the 404 check
        return access_for(request.user).is_admin

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        return request.method in permissions.SAFE_METHODS or access_for(request.user).is_admin


class DownloadRenderer(renderers.BaseRenderer):
    """Lets a download be requested with any ``Accept`` header; errors are still JSON."""

    media_type = "*/*"
    format = "download"
    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if isinstance(data, bytes):
            return data
        return json.dumps(data).encode("utf-8")
