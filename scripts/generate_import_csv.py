"""Write a ServiceNow-style incident export of N rows, for measuring the history import.

    python scripts/generate_import_csv.py 100000 /tmp/incidents.csv --requesters a@x.test,b@x.test --assignees t@y.test

The file reads with docs/import/servicenow.yaml. Rows are deterministic for a seed: three years
of incidents, most of them closed, with priorities, categories, people, reassignments and the
"made SLA" flag. ``rows(...)`` is importable for benchmarks.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
from collections.abc import Iterator
from datetime import datetime, timedelta

HEADER = [
    "number",
    "short_description",
    "description",
    "category",
    "subcategory",
    "impact",
    "urgency",
    "priority",
    "state",
    "contact_type",
    "caller_id.email",
    "assigned_to.email",
    "assignment_group",
    "opened_at",
    "resolved_at",
    "closed_at",
    "reassignment_count",
    "reopen_count",
    "made_sla",
]
LEVELS = ["1 - High", "2 - Medium", "3 - Low"]
PRIORITIES = {(1, 1): 1, (1, 2): 2, (1, 3): 3, (2, 1): 2, (2, 2): 3, (2, 3): 4, (3, 1): 3, (3, 2): 4, (3, 3): 5}
PRIORITY_LABELS = {1: "1 - Critical", 2: "2 - High", 3: "3 - Moderate", 4: "4 - Low", 5: "5 - Planning"}
CATEGORIES = [
    ("Hardware", "Printer"),
    ("Hardware", "Laptop"),
    ("Software", "Email"),
    ("Software", "Office"),
    ("Network", "VPN"),
    ("Network", "Wi-Fi"),
    ("Inquiry / Help", ""),
]
SUBJECTS = [
    "Imprimante hors ligne",
    "Messagerie très lente",
    "Impossible de se connecter au VPN",
    "Écran noir au démarrage",
    "Mot de passe expiré",
    "Wi-Fi instable en salle de réunion",
    "Logiciel de caisse bloqué",
    "Demande d'accès au partage comptable",
]
CHANNELS = ["Email", "Phone", "Self-service", "Walk-in"]
STATES = ["Closed"] * 85 + ["Resolved"] * 6 + ["In Progress"] * 4 + ["New"] * 2 + ["On Hold"] * 2 + ["Canceled"]


def rows(count: int, *, requesters: list[str], assignees: list[str], group: str = "", seed: int = 3) -> Iterator[list[str]]:
    rng = random.Random(seed)
    start = datetime(2022, 1, 3, 8, 0, 0)
    span = 3 * 365 * 24 * 3600
    fmt = "%Y-%m-%d %H:%M:%S"
    for index in range(count):
        opened = start + timedelta(seconds=rng.randrange(span))
        impact, urgency = rng.randint(1, 3), rng.randint(1, 3)
        state = rng.choice(STATES)
        resolved = closed = ""
        made_sla = ""
        if state in ("Closed", "Resolved"):
            resolved_at = opened + timedelta(minutes=rng.randint(5, 5 * 24 * 60))
            resolved = resolved_at.strftime(fmt)
            made_sla = "true" if rng.random() < 0.9 else "false"
            if state == "Closed":
                closed = (resolved_at + timedelta(days=3)).strftime(fmt)
        elif state == "Canceled":
            closed = (opened + timedelta(minutes=30)).strftime(fmt)
        category, subcategory = rng.choice(CATEGORIES)
        subject = rng.choice(SUBJECTS)
        yield [
            f"INC{index + 1:07d}",
            f"{subject} #{index + 1}",
            f"{subject}. Signalé par l'utilisateur, poste {rng.randint(100, 999)}.",
            category,
            subcategory,
            LEVELS[impact - 1],
            LEVELS[urgency - 1],
            PRIORITY_LABELS[PRIORITIES[(impact, urgency)]],
            state,
            rng.choice(CHANNELS),
            rng.choice(requesters) if requesters else "",
            rng.choice(assignees) if assignees and state != "New" else "",
            group,
            opened.strftime(fmt),
            resolved,
            closed,
            str(rng.choice([0, 0, 0, 1, 2])),
            str(rng.choice([0] * 19 + [1])),
            made_sla,
        ]


def csv_bytes(count: int, **options: object) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows(count, **options))  # type: ignore[arg-type]
    return buffer.getvalue().encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int)
    parser.add_argument("target")
    parser.add_argument("--requesters", default="", help="Comma-separated e-mails of the client's members.")
    parser.add_argument("--assignees", default="", help="Comma-separated e-mails of technicians serving the client.")
    parser.add_argument("--group", default="", help="Name of a group serving the client.")
    parser.add_argument("--seed", type=int, default=3)
    options = parser.parse_args()
    data = csv_bytes(
        options.count,
        requesters=[e for e in options.requesters.split(",") if e],
        assignees=[e for e in options.assignees.split(",") if e],
        group=options.group,
        seed=options.seed,
    )
    with open(options.target, "wb") as target:
        target.write(data)
    print(f"{options.count} rows, {len(data) / 1e6:.1f} MB → {options.target}")


if __name__ == "__main__":
    main()
