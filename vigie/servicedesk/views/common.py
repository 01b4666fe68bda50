"""Helpers shared by the staff and portal views: who may enter, which ticket, how to answer."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404

from vigie.accounts.models import User
from vigie.servicedesk.models import Ticket
from vigie.servicedesk.permissions import is_staff

P = ParamSpec("P")
R = TypeVar("R", bound=HttpResponseBase)
View = Callable[Concatenate[HttpRequest, P], R]

# A form that failed validation is answered with 422; the htmx configuration in base.html swaps it.
INVALID = 422


def current_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def staff_required(view: View[P, R]) -> View[P, R]:
    """Provider staff only. Anyone else gets a 404: the staff interface does not exist for them."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> R:
        if not is_staff(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return cast(View[P, R], login_required(wrapper))


def visible_ticket(request: HttpRequest, reference: str) -> Ticket:
    """The ticket if this user may see it; a 404 otherwise, whoever owns it."""
    return get_object_or_404(
        Ticket.objects.visible_to(request.user).select_related(
            "organization", "category", "requester", "assignee", "group", "site"
        ),
        reference=reference,
    )


def allow(request: HttpRequest, *methods: str) -> HttpResponse | None:
    """Checked after the object lookup, so that another tenant's object is a 404 for every method."""
    if request.method not in methods:
        return HttpResponseNotAllowed(methods)
    return None


def is_htmx_fragment(request: HttpRequest) -> bool:
    """An htmx request that wants a fragment (not a history restore, which needs the whole page)."""
    htmx: Any = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request
