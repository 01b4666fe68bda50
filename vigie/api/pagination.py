"""Page-number pagination for the API, with the same bounded count as the UI's lists."""

from __future__ import annotations

from functools import partial
from typing import Any

from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from vigie.core.pagination import COUNT_CAP, SEARCH_COUNT_CAP, CappedPaginator, search_paging


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    django_paginator_class = CappedPaginator

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any] | None:
        searching = bool(request.query_params.get("search", "").strip())
        self.django_paginator_class = partial(CappedPaginator, **search_paging(searching))  # type: ignore[assignment]
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data: Any) -> Response:
        assert self.page is not None
        paginator: Any = self.page.paginator
        return Response(
            {
                "count": paginator.count,
                "count_capped": paginator.is_capped,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        described = super().get_paginated_response_schema(schema)
        described["properties"]["count_capped"] = {
            "type": "boolean",
            "description": f"True when more than {COUNT_CAP} objects match ({SEARCH_COUNT_CAP} for a `search`): "
            "`count` then stops there; narrow the filters to reach further.",
        }
        described["required"] = [*described.get("required", []), "count_capped"]
        return described
