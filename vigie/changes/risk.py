"""The risk questionnaire: default questions, and the formula from answers to a risk level.

Each question offers answers with a weight (0 adds no risk). The score of a change is

    score = round(100 × Σ weight of the chosen answers / Σ highest weight of each active question)

so it reads as a percentage of the worst case, whatever the number of questions. The level is
low under 25, medium from 25, high from 50, very high from 75. A change whose questionnaire is
not complete has no score (it cannot be sent to approval, except an emergency change).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.utils.translation import gettext_noop

from vigie.changes.models import RiskLevel

# (lowest score of the level, level), highest first.
THRESHOLDS: tuple[tuple[int, RiskLevel], ...] = (
    (75, RiskLevel.VERY_HIGH),
    (50, RiskLevel.HIGH),
    (25, RiskLevel.MEDIUM),
    (0, RiskLevel.LOW),
)

# Seeded by migration 0001 (the texts are translated on display; an administrator's own are not).
DEFAULT_QUESTIONS: tuple[tuple[str, tuple[tuple[str, int], ...]], ...] = (
    (
        gettext_noop("Is downtime expected during the change?"),
        ((gettext_noop("No"), 0), (gettext_noop("Yes, under an hour"), 2), (gettext_noop("Yes, an hour or more"), 4)),
    ),
    (
        gettext_noop("Was the change tested beforehand (test environment, pilot)?"),
        ((gettext_noop("Yes, fully"), 0), (gettext_noop("Partly"), 2), (gettext_noop("No"), 4)),
    ),
    (
        gettext_noop("Can the change be backed out?"),
        ((gettext_noop("Yes, quickly"), 0), (gettext_noop("Yes, with effort"), 2), (gettext_noop("No"), 4)),
    ),
    (
        gettext_noop("How many users are affected?"),
        (
            (gettext_noop("Fewer than 10"), 0),
            (gettext_noop("10 to 50"), 1),
            (gettext_noop("50 to 200"), 3),
            (gettext_noop("More than 200"), 4),
        ),
    ),
    (
        gettext_noop("Has this change been done before?"),
        ((gettext_noop("Yes, several times"), 0), (gettext_noop("Once"), 1), (gettext_noop("Never"), 3)),
    ),
    (
        gettext_noop("Is vendor support available during the change?"),
        ((gettext_noop("Yes"), 0), (gettext_noop("Not needed"), 0), (gettext_noop("No"), 2)),
    ),
)


@dataclass(frozen=True)
class RiskResult:
    score: int
    level: RiskLevel


def level_for(score: int) -> RiskLevel:
    for lowest, level in THRESHOLDS:
        if score >= lowest:
            return level
    return RiskLevel.LOW


def score(chosen_weights: Iterable[int], highest_weights: Iterable[int]) -> RiskResult:
    """The formula above; a questionnaire whose answers can add no risk at all scores 0."""
    worst = sum(highest_weights)
    total = sum(chosen_weights)
    value = 0 if worst <= 0 else round(100 * total / worst)
    value = max(0, min(100, value))
    return RiskResult(value, level_for(value))


def complete(answers: Mapping[int, int], question_ids: Iterable[int]) -> bool:
    return all(question_id in answers for question_id in question_ids)
