"""Pages of long lists that never count more rows than a person can page through.

Counting every ticket a technician can see costs a full index scan (40 ms at a million
tickets, seconds for a common search word); nobody pages past the first few hundred pages.
``CappedPaginator`` counts up to ``cap`` rows, then says "more than" — as GitHub's and
Zammad's searches do — and filters or sorting narrow the rest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.paginator import Paginator
from django.utils.functional import cached_property

COUNT_CAP = 10_000
# A search for a common word matches a quarter of the tickets; each candidate row is checked
# against its stored text vector, so its count stops sooner.
SEARCH_COUNT_CAP = 1_000

if TYPE_CHECKING:
    BasePaginator = Paginator[Any]
else:
    BasePaginator = Paginator


class CappedPaginator(BasePaginator):
    """A paginator whose count stops at ``cap``; ``is_capped`` tells when there are more."""

    cap = COUNT_CAP

    def __init__(self, object_list: Any, per_page: int, *, cap: int | None = None, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        if cap is not None:
            self.cap = cap

    @cached_property
    def _bounded_count(self) -> int:
        object_list: Any = self.object_list
        if hasattr(object_list, "order_by"):
            # The order does not change a count: without it the database stops at the cap sooner.
            return int(object_list.order_by()[: self.cap + 1].count())
        return len(object_list[: self.cap + 1])

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        return min(self._bounded_count, self.cap)

    @cached_property
    def is_capped(self) -> bool:
        return self._bounded_count > self.cap
