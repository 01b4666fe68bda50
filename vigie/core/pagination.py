"""Pages of long lists that never count more rows than a person can page through.

Counting every ticket a technician can see costs a full index scan (40 ms at a million
tickets, seconds for a common search word); nobody pages past the first forty pages.
``CappedPaginator`` counts up to ``cap`` rows, then says "more than" — as GitHub's and
Zammad's searches do — and filters or sorting narrow the rest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.paginator import Paginator
from django.utils.functional import cached_property

COUNT_CAP = 2_000
# A search for a common word matches a quarter of the tickets and each candidate row is
# checked against its stored text vector, so a search's count stops sooner.
SEARCH_COUNT_CAP = 200

if TYPE_CHECKING:
    BasePaginator = Paginator[Any]
else:
    BasePaginator = Paginator


class CappedPaginator(BasePaginator):
    """A paginator whose count stops at ``cap``; ``is_capped`` tells when there are more.

    With ``pin_few=True`` (searches), counting reads the matching ids instead, and when they
    are fewer than the cap the pages are read by those ids. A rare word is otherwise a trap:
    PostgreSQL estimates a prefix search at 0.5 % of the rows, walks the date index to find
    fifty matches among six, and reads the whole table (4.6 s at a million tickets).
    """

    cap = COUNT_CAP

    def __init__(self, object_list: Any, per_page: int, *, cap: int | None = None, pin_few: bool = False, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        if cap is not None:
            self.cap = cap
        self.pin_few = pin_few and hasattr(object_list, "values_list")

    @cached_property
    def _ids(self) -> list[Any]:
        queryset: Any = self.object_list
        return list(queryset.order_by().values_list("pk", flat=True)[: self.cap + 1])

    @cached_property
    def _bounded_count(self) -> int:
        object_list: Any = self.object_list
        if self.pin_few:
            return len(self._ids)
        if hasattr(object_list, "order_by"):
            # The order does not change a count: without it the database stops at the cap sooner.
            return int(object_list.order_by()[: self.cap + 1].count())
        return len(object_list[: self.cap + 1])

    def page(self, number: Any) -> Any:
        if self.pin_few and not self.is_capped:
            queryset: Any = self.object_list
            self.object_list = queryset.filter(pk__in=self._ids)
        return super().page(number)

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        return min(self._bounded_count, self.cap)

    @cached_property
    def is_capped(self) -> bool:
        return self._bounded_count > self.cap


def search_paging(searching: bool) -> dict[str, Any]:
    """The paginator options for a list, with or without a full-text search."""
    return {"cap": SEARCH_COUNT_CAP, "pin_few": True} if searching else {}
