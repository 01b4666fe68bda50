"""The public satisfaction survey page (``/survey/<token>/``): no login, the signed token is the key.

A GET never records anything (mail security gateways open every link of a message): it shows
the rating chosen in the e-mail, pre-selected, with one button that sends it. The page speaks
the requester's language and shows only the ticket's reference and title.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from vigie.servicedesk import satisfaction
from vigie.servicedesk.models import SatisfactionSurvey
from vigie.servicedesk.satisfaction import SurveyState

# An answer that cannot be accepted (a rating outside 1–5, an over-long comment).
BAD_ANSWER = 400
# A link that worked once and no longer does: the survey expired or was withdrawn.
GONE = 410


def rating_choices() -> list[tuple[int, str]]:
    return [(rating, f"{rating} – {label}") for rating, label in satisfaction.RATING_LABELS.items()]


class SurveyAnswerForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Your rating"), choices=rating_choices, coerce=int, empty_value=None, required=False, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=satisfaction.MAX_COMMENT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


def _language_for(request: HttpRequest, survey: SatisfactionSurvey) -> str:
    """The language switch wins; then the requester's saved language; then the browser's."""
    current = translation.get_language() or settings.LANGUAGE_CODE
    if settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
        return current
    preferred = getattr(survey.recipient, "language", "")
    return preferred if preferred in dict(settings.LANGUAGES) else current


@require_http_methods(["GET", "HEAD", "POST"])
def survey_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        survey_id, chosen = satisfaction.read_token(token)
    except satisfaction.BadToken:
        raise Http404 from None
    survey = get_object_or_404(SatisfactionSurvey.objects.select_related("ticket", "recipient"), pk=survey_id)
    language = _language_for(request, survey)
    with translation.override(language):
        response = _respond(request, survey, chosen)
    response.headers["Content-Language"] = language
    # The token is the key to the survey: never leak it in a Referer, a cache or a search index.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    patch_cache_control(response, private=True, no_store=True)
    return response


def _respond(request: HttpRequest, survey: SatisfactionSurvey, chosen: int | None) -> HttpResponse:
    now = timezone.now()
    state = satisfaction.state_of(survey, now)
    if state in (SurveyState.EXPIRED, SurveyState.WITHDRAWN):
        return _render(request, survey, state, form=None, chosen=chosen, status=GONE)
    if request.method != "POST":
        return _render(request, survey, state, form=SurveyAnswerForm(initial={"rating": chosen}), chosen=chosen)
    form = SurveyAnswerForm(request.POST)
    if form.is_valid():
        rating = form.cleaned_data["rating"] if state == SurveyState.OPEN else None
        try:
            satisfaction.answer(survey, rating=rating, comment=form.cleaned_data["comment"], at=now)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                for message in messages:
                    form.add_error(field if field in form.fields else None, message)
        else:
            # Post/redirect/get: reloading the page shows the answer instead of sending it again.
            return HttpResponseRedirect(request.path, status=303)
    survey.refresh_from_db()
    return _render(request, survey, satisfaction.state_of(survey, now), form=form, chosen=chosen, status=BAD_ANSWER)


def _render(
    request: HttpRequest,
    survey: SatisfactionSurvey,
    state: SurveyState,
    *,
    form: SurveyAnswerForm | None,
    chosen: int | None,
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {
        "reference": survey.ticket.reference,
        "title": survey.ticket.title,
        "state": state.value,
        "survey": survey,
        "form": form,
        "chosen": chosen,
        "rating_label": satisfaction.RATING_LABELS.get(survey.rating or 0, ""),
        "can_comment": satisfaction.can_add_comment(survey),
    }
    return render(request, "satisfaction/survey.html", context, status=status)
