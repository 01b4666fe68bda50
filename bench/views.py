"""The baselines: the cheapest answers Django (and Django REST Framework) can give."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


@csrf_exempt
def bare(request: HttpRequest) -> HttpResponse:
    """A tiny response through the full middleware stack; touching ``request.user`` costs
    what every authenticated page pays (session and user look-ups)."""
    user = request.user
    return HttpResponse(
        b"ok" if user.is_authenticated else b"anonymous",
        content_type="text/plain",
        status=201 if request.method == "POST" else 200,
    )


class BareApiView(APIView):
    """The same through DRF with the API's authentication classes (token or session)."""

    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        return Response({"ok": True})

    def post(self, request: Request) -> Response:
        return Response({"ok": True, "received": len(request.data)}, status=201)


@csrf_exempt
def bare_json(request: HttpRequest) -> HttpResponse:
    """Parses a JSON body and answers how many alerts it holds: the alert intake's baseline."""
    payload = json.loads(request.body)
    return JsonResponse({"received": len(payload.get("alerts", []))})
