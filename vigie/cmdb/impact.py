"""Impact analysis: if these configuration items are down, what else is, and who suffers?

Rules (docs/cmdb.md, "Impact rules"):

- an outage travels from the target of a ``depends_on``, ``runs_on`` or ``hosted_on`` relation
  to its source: if B is down, A that depends on / runs on / is hosted on B is impacted;
- ``connected_to`` and ``backs_up`` do not carry an outage: a link between two switches does not
  say which one needs the other, and a backup job being down does not stop what it backs up
  (it is a risk, not an outage);
- relations carrying a redundancy group count together, per dependant: the dependant is impacted
  only when fewer than ``minimum_up`` of the group's members (the targets of its relations in
  that group) are up; while at least ``minimum_up`` remain it is *degraded* (redundancy used up);
- a business service is impacted through its service components with the same rules;
- affected users are the ``users`` of the down and impacted CIs (not of degraded ones: they
  still work) — owners are accountable, not necessarily users;
- cycles are accepted: the analysis is a fixed point over a monotone set, each CI enters it once.

Two ways load the part of the graph the analysis needs: ``memory`` reads every propagating
relation of the clients concerned and walks it in Python; ``sql`` asks the database for the
upward closure with one recursive query (``WITH RECURSIVE``, SQLite and PostgreSQL). Both then
run the same fixed point, so they give the same answer (tests/test_cmdb_impact.py proves it
over random graphs); ``DEFAULT_METHOD`` is the faster one on bench/cmdb_bench.py.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection

from vigie.accounts.models import User
from vigie.catalog.models import BusinessService
from vigie.cmdb.models import PROPAGATING_KINDS, ConfigurationItem, Relation, ServiceComponent

MEMORY = "memory"
SQL = "sql"
DEFAULT_METHOD = MEMORY

# source id -> [(target id, kind, redundancy group id)] in the reverse direction: target -> sources
Incoming = dict[int, list[tuple[int, str, int | None]]]


@dataclass(frozen=True)
class ImpactedItem:
    """A CI down or impacted, with the chain that explains it (``path[0]`` is a CI given as down)."""

    item: ConfigurationItem
    path: tuple[ConfigurationItem, ...]
    kinds: tuple[str, ...]  # relation kind between path[i + 1] and path[i]
    is_origin: bool

    @property
    def depth(self) -> int:
        return len(self.path) - 1


@dataclass(frozen=True)
class Degraded:
    """A CI or service still up, but one of its redundancy groups has lost members."""

    item: ConfigurationItem | None
    service: BusinessService | None
    group_id: int
    group_name: str
    up: int
    needed: int
    total: int


@dataclass(frozen=True)
class ImpactedService:
    service: BusinessService
    because_of: tuple[ConfigurationItem, ...]

    @property
    def criticality(self) -> int:
        return self.service.criticality

    @property
    def hourly_downtime_cost(self) -> Decimal | None:
        return self.service.hourly_downtime_cost


@dataclass
class Impact:
    origins: list[ConfigurationItem] = field(default_factory=list)
    items: list[ImpactedItem] = field(default_factory=list)  # impacted, not the origins; nearest first
    services: list[ImpactedService] = field(default_factory=list)  # most critical first
    degraded: list[Degraded] = field(default_factory=list)
    users: list[User] = field(default_factory=list)

    @property
    def item_ids(self) -> set[int]:
        return {entry.item.pk for entry in self.items}

    @property
    def hourly_downtime_cost(self) -> Decimal:
        return sum((s.hourly_downtime_cost or Decimal(0) for s in self.services), Decimal(0))

    @property
    def is_empty(self) -> bool:
        return not self.items and not self.services and not self.degraded


@dataclass
class _Propagation:
    down: dict[int, tuple[int | None, str]]  # id -> (parent id, kind); parent None for origins
    degraded: dict[tuple[int, int], tuple[int, int, int]]  # (source, group) -> (up, needed, total)


def propagate(
    origins: Iterable[int],
    incoming: Incoming,
    group_sizes: dict[tuple[int, int], int],
    minimum_up: dict[int, int],
) -> _Propagation:
    """The fixed point: every CI that goes down because of ``origins``, and who lost redundancy.

    ``incoming[target]`` lists the propagating relations pointing at ``target`` as
    ``(source, kind, group)``; ``group_sizes[(source, group)]`` counts the members of a group
    for that source. Breadth-first, so each CI's parent lies on a shortest explaining chain.
    """
    down: dict[int, tuple[int | None, str]] = {}
    queue: deque[int] = deque()
    for origin in origins:
        if origin not in down:
            down[origin] = (None, "")
            queue.append(origin)
    lost: dict[tuple[int, int], int] = defaultdict(int)
    while queue:
        target = queue.popleft()
        for source, kind, group in incoming.get(target, ()):
            if source in down:
                continue
            if group is not None:
                lost[(source, group)] += 1
                total = group_sizes.get((source, group), 0)
                if total - lost[(source, group)] >= minimum_up.get(group, 1):
                    continue
            down[source] = (target, kind)
            queue.append(source)
    degraded = {
        key: (group_sizes.get(key, 0) - count, minimum_up.get(key[1], 1), group_sizes.get(key, 0))
        for key, count in lost.items()
        if key[0] not in down
    }
    return _Propagation(down, degraded)


def load_memory(organization_ids: Iterable[int]) -> tuple[Incoming, dict[tuple[int, int], int]]:
    """Every propagating relation of the clients: the whole graph, walked in Python."""
    rows = Relation.objects.filter(organization_id__in=list(organization_ids), kind__in=PROPAGATING_KINDS).values_list(
        "source_id", "target_id", "kind", "redundancy_group_id"
    )
    incoming: Incoming = defaultdict(list)
    sizes: dict[tuple[int, int], int] = defaultdict(int)
    for source, target, kind, group in rows.iterator(chunk_size=10000):
        incoming[target].append((source, kind, group))
        if group is not None:
            sizes[(source, group)] += 1
    return incoming, sizes


def _placeholders(count: int) -> str:
    return ", ".join(["%s"] * count)


def closure_sql(origin_count: int) -> str:
    """The recursive query: the relations pointing into the upward closure of the origins."""
    table = Relation._meta.db_table
    items = ConfigurationItem._meta.db_table
    kinds = ", ".join(f"'{kind}'" for kind in PROPAGATING_KINDS)
    origins = _placeholders(origin_count)
    # Table names from the models, kinds from an enum, ids as parameters.
    closure = f"SELECT id FROM {items} WHERE id IN ({origins})"  # noqa: S608
    step = f"SELECT r.source_id FROM {table} r JOIN closure c ON r.target_id = c.id WHERE r.kind IN ({kinds})"  # noqa: S608
    edges = f"SELECT r.source_id, r.target_id, r.kind, r.redundancy_group_id FROM {table} r"  # noqa: S608
    return f"WITH RECURSIVE closure(id) AS ({closure} UNION {step}) {edges} JOIN closure c ON r.target_id = c.id WHERE r.kind IN ({kinds})"


def load_sql(origin_ids: list[int]) -> tuple[Incoming, dict[tuple[int, int], int]]:
    """Only the relations into the CIs an outage of the origins could reach, by one recursive query."""
    with connection.cursor() as cursor:
        cursor.execute(closure_sql(len(origin_ids)), origin_ids)
        rows = cursor.fetchall()
    incoming: Incoming = defaultdict(list)
    grouped_sources: set[int] = set()
    for source, target, kind, group in rows:
        incoming[target].append((source, kind, group))
        if group is not None:
            grouped_sources.add(source)
    sizes: dict[tuple[int, int], int] = defaultdict(int)
    if grouped_sources:
        members = Relation.objects.filter(
            source_id__in=grouped_sources, kind__in=PROPAGATING_KINDS, redundancy_group__isnull=False
        ).values_list("source_id", "redundancy_group_id")
        for source, group in members:
            sizes[(source, group)] += 1
    return incoming, sizes


def _as_items(items: ConfigurationItem | int | Iterable[ConfigurationItem | int]) -> list[ConfigurationItem]:
    if isinstance(items, ConfigurationItem | int):
        items = [items]
    objects = [item for item in items if isinstance(item, ConfigurationItem)]
    ids = [item for item in items if isinstance(item, int)]
    if ids:
        objects.extend(ConfigurationItem.objects.filter(pk__in=ids))
    unique: dict[int, ConfigurationItem] = {item.pk: item for item in objects}
    return list(unique.values())


def _group_minimums(group_ids: set[int]) -> dict[int, tuple[int, str]]:
    from vigie.cmdb.models import RedundancyGroup

    if not group_ids:
        return {}
    return {
        pk: (n, name) for pk, n, name in RedundancyGroup.objects.filter(pk__in=group_ids).values_list("pk", "minimum_up", "name")
    }


def _services(down_ids: set[int], objects: dict[int, ConfigurationItem]) -> tuple[list[ImpactedService], list[Degraded]]:
    touched = set(
        ServiceComponent.objects.filter(configuration_item_id__in=down_ids).values_list("service_id", flat=True).distinct()
    )
    if not touched:
        return [], []
    components = list(
        ServiceComponent.objects.filter(service_id__in=touched).values_list(
            "service_id", "configuration_item_id", "redundancy_group_id"
        )
    )
    groups = _group_minimums({group for _, _, group in components if group is not None})
    by_service: dict[int, list[tuple[int, int | None]]] = defaultdict(list)
    for service_id, item_id, group in components:
        by_service[service_id].append((item_id, group))
    services = {service.pk: service for service in BusinessService.objects.filter(pk__in=touched)}
    impacted: list[ImpactedService] = []
    degraded: list[Degraded] = []
    for service_id, members in by_service.items():
        causes = [item_id for item_id, group in members if group is None and item_id in down_ids]
        group_state: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for member_id, member_group in members:
            if member_group is not None:
                group_state[member_group][0] += 1
                if member_id in down_ids:
                    group_state[member_group][1] += 1
        failed_groups = []
        for group, (total, lost) in group_state.items():
            needed = groups.get(group, (1, ""))[0]
            if lost and total - lost < needed:
                failed_groups.append(group)
                causes.extend(item_id for item_id, g in members if g == group and item_id in down_ids)
        service = services[service_id]
        if causes:
            impacted.append(ImpactedService(service, tuple(objects[pk] for pk in dict.fromkeys(causes) if pk in objects)))
        else:
            for group, (total, lost) in group_state.items():
                if lost:
                    needed, name = groups.get(group, (1, ""))
                    degraded.append(Degraded(None, service, group, name, total - lost, needed, total))
    impacted.sort(key=lambda entry: (entry.service.criticality, -(entry.service.hourly_downtime_cost or 0), entry.service.name))
    return impacted, degraded


def analyse(items: ConfigurationItem | int | Iterable[ConfigurationItem | int], *, method: str = DEFAULT_METHOD) -> Impact:
    """What an outage of ``items`` (one CI, an id, or several) takes down.

    The caller decides what the user may see: pass CIs from ``visible_to(user)``. Relations
    never cross clients, so everything in the answer belongs to the clients of ``items``.
    """
    origins = _as_items(items)
    if not origins:
        return Impact()
    origin_ids = [item.pk for item in origins]
    if method == SQL:
        incoming, sizes = load_sql(origin_ids)
    elif method == MEMORY:
        incoming, sizes = load_memory({item.organization_id for item in origins})
    else:
        raise ValueError(f"unknown impact method {method!r}")
    minimums = _group_minimums({group for _, group in sizes})
    result = propagate(origin_ids, incoming, sizes, {pk: n for pk, (n, _) in minimums.items()})
    wanted = set(result.down) | {source for source, _ in result.degraded}
    objects: dict[int, ConfigurationItem] = {item.pk: item for item in origins}
    missing = wanted - set(objects)
    if missing:
        objects.update(
            (item.pk, item) for item in ConfigurationItem.objects.filter(pk__in=missing).select_related("organization")
        )
    impacted: list[ImpactedItem] = []
    for pk, (parent, _kind) in result.down.items():
        if parent is None:
            continue
        chain = [pk]
        kinds: list[str] = []
        node: int | None = pk
        while node is not None:
            up_parent, up_kind = result.down[node]
            if up_parent is None:
                break
            kinds.append(up_kind)
            chain.append(up_parent)
            node = up_parent
        chain.reverse()
        kinds.reverse()
        impacted.append(ImpactedItem(objects[pk], tuple(objects[n] for n in chain), tuple(kinds), False))
    impacted.sort(key=lambda entry: (entry.depth, entry.item.name, entry.item.pk))
    degraded = [
        Degraded(objects[source], None, group, minimums.get(group, (1, ""))[1], up, needed, total)
        for (source, group), (up, needed, total) in sorted(result.degraded.items())
    ]
    down_ids = set(result.down)
    services, degraded_services = _services(down_ids, objects)
    through: Any = ConfigurationItem.users.through
    user_ids = through.objects.filter(configurationitem_id__in=down_ids).values("user_id")
    users = list(User.objects.filter(pk__in=user_ids).order_by("first_name", "last_name", "email"))
    return Impact(
        origins=sorted(origins, key=lambda item: (item.name, item.pk)),
        items=impacted,
        services=services,
        degraded=degraded + degraded_services,
        users=users,
    )
