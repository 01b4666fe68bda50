"""The graph view: a CI's neighbourhood drawn as server-side SVG (no JavaScript library).

Layered layout: the CI in the middle row; what it depends on (targets of its relations) in the
rows below, what depends on it (sources) in the rows above, up to ``depth`` steps each way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _

from vigie.cmdb.models import PROPAGATING_KINDS, ConfigurationItem, Relation, RelationKind

MAX_PER_ROW = 12
BOX_WIDTH = 150
BOX_HEIGHT = 40
GAP_X = 24
GAP_Y = 70
MARGIN = 20


@dataclass
class Neighbourhood:
    center: ConfigurationItem
    layers: dict[int, list[ConfigurationItem]] = field(default_factory=dict)
    edges: list[tuple[int, int, str]] = field(default_factory=list)  # source, target, kind
    hidden: dict[int, int] = field(default_factory=dict)  # layer -> items not drawn


def neighbourhood(item: ConfigurationItem, *, depth: int = 2) -> Neighbourhood:
    layer_of: dict[int, int] = {item.pk: 0}
    edges: set[tuple[int, int, str]] = set()
    down_frontier, up_frontier = {item.pk}, {item.pk}
    for step in range(1, depth + 1):
        next_down: set[int] = set()
        for source, target, kind in Relation.objects.filter(source_id__in=down_frontier).values_list(
            "source_id", "target_id", "kind"
        ):
            edges.add((source, target, kind))
            if target not in layer_of:
                layer_of[target] = step
                next_down.add(target)
        next_up: set[int] = set()
        for source, target, kind in Relation.objects.filter(target_id__in=up_frontier).values_list(
            "source_id", "target_id", "kind"
        ):
            edges.add((source, target, kind))
            if source not in layer_of:
                layer_of[source] = -step
                next_up.add(source)
        down_frontier, up_frontier = next_down, next_up
    items = {ci.pk: ci for ci in ConfigurationItem.objects.filter(pk__in=layer_of).only("pk", "name", "ci_class", "status")}
    result = Neighbourhood(center=item)
    for pk, layer in sorted(layer_of.items(), key=lambda pair: (pair[1], items[pair[0]].name if pair[0] in items else "")):
        if pk not in items:
            continue
        row = result.layers.setdefault(layer, [])
        if len(row) < MAX_PER_ROW:
            row.append(items[pk])
        else:
            result.hidden[layer] = result.hidden.get(layer, 0) + 1
    drawn = {ci.pk for row in result.layers.values() for ci in row}
    result.edges = sorted(edge for edge in edges if edge[0] in drawn and edge[1] in drawn)
    return result


def _short(text: str, limit: int = 20) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_svg(graph: Neighbourhood) -> str:
    """The SVG markup (every text escaped)."""
    if not graph.layers:
        return ""
    widest = max(len(row) + (1 if graph.hidden.get(layer) else 0) for layer, row in graph.layers.items())
    width = MARGIN * 2 + widest * (BOX_WIDTH + GAP_X)
    ordered = sorted(graph.layers)
    height = MARGIN * 2 + len(ordered) * (BOX_HEIGHT + GAP_Y)
    position: dict[int, tuple[float, float]] = {}
    boxes: list[str] = []
    labels = dict(RelationKind.choices)
    for row_index, layer in enumerate(ordered):
        row = graph.layers[layer]
        count = len(row) + (1 if graph.hidden.get(layer) else 0)
        offset = (width - count * (BOX_WIDTH + GAP_X) + GAP_X) / 2
        y = MARGIN + row_index * (BOX_HEIGHT + GAP_Y)
        for column, ci in enumerate(row):
            x = offset + column * (BOX_WIDTH + GAP_X)
            position[ci.pk] = (x, y)
            css = "cmdb-node cmdb-node--center" if ci.pk == graph.center.pk else "cmdb-node"
            url = reverse("cmdb:item_detail", args=[ci.pk])
            boxes.append(
                f'<a href="{escape(url)}"><g class="{css}"><title>{escape(ci.name)} · {escape(ci.get_ci_class_display())}</title>'
                f'<rect x="{x:.0f}" y="{y:.0f}" width="{BOX_WIDTH}" height="{BOX_HEIGHT}" rx="6"/>'
                f'<text x="{x + BOX_WIDTH / 2:.0f}" y="{y + 17:.0f}" text-anchor="middle">{escape(_short(ci.name))}</text>'
                f'<text x="{x + BOX_WIDTH / 2:.0f}" y="{y + 32:.0f}" text-anchor="middle" class="cmdb-node__class">'
                f"{escape(_short(str(ci.get_ci_class_display()), 24))}</text></g></a>"
            )
        if graph.hidden.get(layer):
            x = offset + len(row) * (BOX_WIDTH + GAP_X)
            more = _("+%(count)d more") % {"count": graph.hidden[layer]}
            boxes.append(
                f'<text x="{x + BOX_WIDTH / 2:.0f}" y="{y + 24:.0f}" text-anchor="middle" class="cmdb-more">{escape(more)}</text>'
            )
    lines: list[str] = []
    for source, target, kind in graph.edges:
        (sx, sy), (tx, ty) = position[source], position[target]
        x1, x2 = sx + BOX_WIDTH / 2, tx + BOX_WIDTH / 2
        y1 = sy + BOX_HEIGHT if ty > sy else sy if ty < sy else sy + BOX_HEIGHT / 2
        y2 = ty if ty > sy else ty + BOX_HEIGHT if ty < sy else ty + BOX_HEIGHT / 2
        css = "cmdb-edge cmdb-edge--propagates" if kind in PROPAGATING_KINDS else "cmdb-edge"
        lines.append(
            f'<line class="{css}" x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" marker-end="url(#cmdb-arrow)">'
            f"<title>{escape(str(labels.get(kind, kind)))}</title></line>"
        )
    title = escape(_("Relations of %(name)s") % {"name": graph.center.name})
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="cmdb-graph" role="img" aria-label="{title}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}">'
        '<defs><marker id="cmdb-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        '<path d="M 0 0 L 10 5 L 0 10 z"/></marker></defs>'
        "<style>.cmdb-node rect{fill:#fff;stroke:#5b6b7f;stroke-width:1.2}.cmdb-node--center rect{fill:#e6f0ff;stroke:#1f5fbf;stroke-width:2}"
        ".cmdb-node text{font:12px sans-serif;fill:#1d2733}.cmdb-node .cmdb-node__class{font-size:10px;fill:#5b6b7f}"
        ".cmdb-edge{stroke:#9aa6b2;stroke-width:1.2;stroke-dasharray:4 3}.cmdb-edge--propagates{stroke:#5b6b7f;stroke-dasharray:none}"
        ".cmdb-more{font:12px sans-serif;fill:#5b6b7f}</style>" + "".join(lines) + "".join(boxes) + "</svg>"
    )


def relations_of(item: ConfigurationItem) -> tuple[list[Relation], list[Relation]]:
    """Its outgoing and incoming relations, with the other end, for the detail page."""
    relations = list(
        Relation.objects.filter(Q(source=item) | Q(target=item))
        .select_related("source", "target", "redundancy_group")
        .order_by("kind", "id")
    )
    return [r for r in relations if r.source_id == item.pk], [r for r in relations if r.target_id == item.pk]
