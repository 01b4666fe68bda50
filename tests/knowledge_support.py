"""Articles for the knowledge tests: one of each visibility, published or not."""

from __future__ import annotations

from dataclasses import dataclass

from tests.conftest import World
from vigie.knowledge import services
from vigie.knowledge.models import Article, ArticleStatus, Visibility


@dataclass
class Library:
    internal: Article  # published, staff only
    everyone: Article  # published, every client
    for_a: Article  # published, client A only
    for_b: Article  # published, client B only
    draft_everyone: Article  # a draft meant for every client


def article(world: World, title: str, body: str, *, visibility: str, clients=(), publish=True, language="fr", keywords=""):  # type: ignore[no-untyped-def]
    created = services.create_article(
        by=world.admin,
        language=language,
        title=title,
        body=body,
        keywords=keywords,
        visibility=visibility,
        clients=list(clients),
    )
    if publish:
        services.set_status(created, ArticleStatus.PUBLISHED, by=world.admin)
        created.refresh_from_db()
    return created


def library(world: World) -> Library:
    return Library(
        internal=article(
            world,
            "Imprimante : procédure interne KESTREL",
            "Mot de passe admin de l'imprimante : voir coffre.",
            visibility=Visibility.INTERNAL,
        ),
        everyone=article(
            world,
            "Imprimante bloquée",
            "Éteindre puis rallumer l'imprimante.",
            visibility=Visibility.ALL_CLIENTS,
            keywords="papier, bourrage",
        ),
        for_a=article(
            world,
            "Imprimante de la boulangerie MARTINET",
            "L'imprimante du fournil est au rez-de-chaussée.",
            visibility=Visibility.CLIENTS,
            clients=[world.client_a],
        ),
        for_b=article(
            world,
            "Imprimante du cabinet LEFEVRIER",
            "Imprimante du cabinet : code 4411.",
            visibility=Visibility.CLIENTS,
            clients=[world.client_b],
        ),
        draft_everyone=article(
            world, "Imprimante brouillon DRAFTY", "Pas encore relu.", visibility=Visibility.ALL_CLIENTS, publish=False
        ),
    )
