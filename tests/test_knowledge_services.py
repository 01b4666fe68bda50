"""The knowledge services: drafts and publication rights, versions (history, restore), the
language a reader gets, categories, votes, tickets solved and tickets avoided."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext

from tests.conftest import World, make_user
from tests.knowledge_support import article
from vigie.knowledge import services
from vigie.knowledge.models import (
    Article,
    ArticleStatus,
    ArticleTranslation,
    ArticleVersion,
    Deflection,
    KnowledgeCategory,
    Visibility,
)
from vigie.knowledge.reading import rows_of, search
from vigie.servicedesk import services as desk_services
from vigie.tenancy.models import Role

pytestmark = pytest.mark.django_db


def test_a_technician_writes_a_draft_but_cannot_publish(world: World):
    draft = services.create_article(by=world.tech_a, language="fr", title="VPN", body="Lancer FortiClient.")
    assert draft.status == ArticleStatus.DRAFT and draft.visibility == Visibility.INTERNAL
    assert draft.organization == world.provider and draft.created_by == world.tech_a
    services.save_translation(draft, by=world.tech_a, language="fr", title="VPN", body="Lancer FortiClient puis se connecter.")
    with pytest.raises(PermissionDenied):
        services.set_status(draft, ArticleStatus.PUBLISHED, by=world.tech_a)
    published = services.set_status(draft, ArticleStatus.PUBLISHED, by=world.admin)
    assert published.status == ArticleStatus.PUBLISHED and published.published_at is not None
    # Once published, the text is the publishers' to change.
    with pytest.raises(PermissionDenied):
        services.save_translation(draft, by=world.tech_a, language="fr", title="VPN", body="Autre chose")
    with pytest.raises(PermissionDenied):
        services.update_article(draft, by=world.tech_a, visibility=Visibility.ALL_CLIENTS)
    assert ArticleTranslation.objects.get(article=draft).body == "Lancer FortiClient puis se connecter."


def test_service_owners_publish_and_clients_write_nothing(world: World):
    owner = make_user("sam.owner@durand.test", world.provider, Role.SERVICE_OWNER)
    draft = services.create_article(by=world.tech_a, language="fr", title="Wi-Fi invité", body="Code sur l'accueil.")
    services.set_status(draft, ArticleStatus.PUBLISHED, by=owner)
    services.set_status(draft, ArticleStatus.ARCHIVED, by=owner)
    assert Article.objects.get().status == ArticleStatus.ARCHIVED
    for client_user in (world.manager_a, world.requester_a):
        with pytest.raises(PermissionDenied):
            services.create_article(by=client_user, language="fr", title="x", body="y")
        with pytest.raises(PermissionDenied):
            services.set_status(draft, ArticleStatus.PUBLISHED, by=client_user)


def test_bad_input_names_the_field_and_writes_nothing(world: World):
    cases = [
        ({"language": "de", "title": "x", "body": "y"}, "language"),
        ({"language": "fr", "title": " ", "body": "y"}, "title"),
        ({"language": "fr", "title": "x" * 201, "body": "y"}, "title"),
        ({"language": "fr", "title": "x", "body": ""}, "body"),
        ({"language": "fr", "title": "x", "body": "y", "keywords": "a," * 200}, "keywords"),
        ({"language": "fr", "title": "x", "body": "y", "visibility": "world"}, "visibility"),
        ({"language": "fr", "title": "x", "body": "y", "visibility": Visibility.CLIENTS}, "clients"),
    ]
    for values, field in cases:
        with pytest.raises(ValidationError) as raised:
            services.create_article(by=world.admin, **values)
        assert field in raised.value.message_dict, values
    # A technician cannot aim an article at a client they do not serve.
    with pytest.raises(ValidationError) as raised:
        services.create_article(
            by=world.tech_a, language="fr", title="x", body="y", visibility=Visibility.CLIENTS, clients=[world.client_b]
        )
    assert "clients" in raised.value.message_dict
    assert not Article.objects.exists() and not ArticleVersion.objects.exists()


def test_each_change_is_a_version_and_restore_adds_one(world: World):
    item = services.create_article(by=world.tech_a, language="fr", title="Outlook", body="Ligne 1\nLigne 2\n", keywords="mail")
    translation = item.translations.get()
    services.save_translation(item, by=world.tech_b, language="fr", title="Outlook", body="Ligne 1\nLigne 2\n", keywords="mail")
    assert translation.versions.count() == 1  # the same text again: no new version
    services.save_translation(
        item, by=world.tech_b, language="fr", title="Outlook lent", body="Ligne 1\nLigne 3\n", keywords="mail"
    )
    services.save_translation(item, by=world.admin, language="fr", title="Outlook lent", body="Tout neuf", keywords="mail, pst")
    versions = list(translation.versions.order_by("number"))
    assert [(v.number, v.title, v.author) for v in versions] == [
        (1, "Outlook", world.tech_a),
        (2, "Outlook lent", world.tech_b),
        (3, "Outlook lent", world.admin),
    ]
    restored = services.restore_version(versions[0], by=world.admin)
    assert (restored.version, restored.title, restored.body, restored.keywords) == (4, "Outlook", "Ligne 1\nLigne 2", "mail")
    newest = translation.versions.get(number=4)
    # The note is written in the language of whoever restored (the suite runs in French).
    assert newest.note == gettext("Restored from version %(number)d") % {"number": 1} == "Rétabli depuis la version 1"
    assert newest.body == versions[0].body
    assert translation.versions.count() == 4  # nothing rewritten


def test_a_reader_gets_their_language_else_the_other(world: World):
    both = article(world, "Mot de passe Microsoft 365", "Aller sur aka.ms/sspr.", visibility=Visibility.ALL_CLIENTS)
    services.save_translation(both, by=world.admin, language="en", title="Microsoft 365 password", body="Go to aka.ms/sspr.")
    english_only = services.create_article(by=world.admin, language="en", title="Guest Wi-Fi", body="Ask at the front desk.")
    services.set_status(english_only, ArticleStatus.PUBLISHED, by=world.admin)
    assert both.translation_for("en").title == "Microsoft 365 password"
    assert both.translation_for("fr").title == "Mot de passe Microsoft 365"
    assert english_only.translation_for("fr").title == "Guest Wi-Fi"
    listed = {row.pk: row.translation.language for row in rows_of(Article.objects.all(), "fr")}
    assert listed == {both.pk: "fr", english_only.pk: "en"}
    # Search reads the translation each reader would get: in English, the French text is not searched.
    assert [row.translation.title for row in search(Article.objects.all(), "password", "en")] == ["Microsoft 365 password"]
    assert search(Article.objects.all(), "password", "fr") == []
    assert [row.translation.title for row in search(Article.objects.all(), "passe", "fr")] == ["Mot de passe Microsoft 365"]
    assert [row.pk for row in search(Article.objects.all(), "guest", "fr")] == [english_only.pk]  # the fallback is searched
    with pytest.raises(ValidationError):
        services.delete_translation(english_only.translations.get(), by=world.admin)


def test_search_ranks_titles_first_and_ignores_query_syntax(world: World):
    in_body = article(world, "Lenteur du poste", "Vérifier le VPN et le disque.", visibility=Visibility.INTERNAL)
    in_title = article(world, "VPN qui décroche", "Relancer le client.", visibility=Visibility.INTERNAL)
    assert [row.pk for row in search(Article.objects.all(), "vpn", "fr")] == [in_title.pk, in_body.pk]
    assert [row.pk for row in search(Article.objects.all(), "decroche", "fr")] in (
        [in_title.pk],
        [],
    )  # accents: SQLite folds them
    for hostile in ('"', "vpn OR *", "NEAR(", "') ; DROP TABLE x; --", "vpn & | !", ":*"):
        search(Article.objects.all(), hostile, "fr")  # never a syntax error
    assert search(Article.objects.all(), "   ", "fr") == []


def test_categories_form_a_tree_of_the_provider(world: World):
    network = services.create_category(by=world.admin, name="Réseau")
    vpn = services.create_category(by=world.admin, name="VPN", parent=network)
    assert vpn.full_name == "Réseau › VPN"
    services.update_category(network, by=world.admin, name="Réseau et accès", parent=None)
    vpn.refresh_from_db()
    assert vpn.full_name == "Réseau et accès › VPN"
    with pytest.raises(ValidationError):
        services.update_category(network, by=world.admin, name="Réseau", parent=vpn)  # a loop
    with pytest.raises(ValidationError):
        services.create_category(by=world.admin, name="vpn", parent=network)  # same name, same parent
    with pytest.raises(PermissionDenied):
        services.create_category(by=world.tech_a, name="Matériel")
    with pytest.raises(ValidationError):
        services.delete_category(network, by=world.admin)
    services.delete_category(vpn, by=world.admin)
    assert list(KnowledgeCategory.objects.values_list("name", flat=True)) == ["Réseau et accès"]


def test_votes_views_links_and_deflections(world: World):
    item = article(world, "Imprimante", "Rallumer.", visibility=Visibility.ALL_CLIENTS)
    services.vote(item, by=world.requester_a, helpful=False)
    services.vote(item, by=world.requester_a, helpful=True)  # changes the vote
    services.vote(item, by=world.manager_b, helpful=False)
    assert sorted(item.votes.values_list("helpful", flat=True)) == [False, True]
    services.record_view(item)
    services.record_view(item)
    item.refresh_from_db()
    assert item.view_count == 2
    ticket = desk_services.open_ticket(by=world.requester_a, organization=world.client_a, title="Imprimante en panne")
    services.link_ticket(item, ticket, by=world.tech_a)
    services.link_ticket(item, ticket, by=world.tech_a)  # once only
    assert list(ticket.knowledge_articles.all()) == [item]
    with pytest.raises(PermissionDenied):
        services.link_ticket(item, ticket, by=world.requester_a)
    services.unlink_ticket(item, ticket, by=world.tech_a)
    assert not ticket.knowledge_articles.exists()
    services.record_deflection(item, by=world.requester_a, query="imprimante bloquée")
    deflection = Deflection.objects.get()
    assert (deflection.article, deflection.user, deflection.organization, deflection.query) == (
        item,
        world.requester_a,
        world.client_a,
        "imprimante bloquée",
    )


def test_a_technician_keeps_the_targets_they_do_not_serve(world: World):
    shared = article(
        world, "Messagerie", "x", visibility=Visibility.CLIENTS, clients=[world.client_a, world.client_b], publish=False
    )
    services.update_article(shared, by=world.tech_a, clients=[world.client_a])
    assert set(shared.clients.all()) == {world.client_a, world.client_b}
    services.update_article(shared, by=world.admin, visibility=Visibility.INTERNAL)
    assert not shared.clients.exists()


def test_the_demo_knowledge_base(world: World):
    from vigie.knowledge import demo

    made = demo.load(world.provider, [world.client_a, world.client_b], admin=world.admin)
    assert made["articles"] == 8  # the Transports Garnier article needs that client
    assert Article.objects.filter(status=ArticleStatus.PUBLISHED).count() == 7
    assert ArticleTranslation.objects.filter(language="en").count() == 3
    found = search(Article.objects.visible_to(world.requester_a), "imprimante", "fr")
    assert [row.translation.title for row in found][:1] == ["L'imprimante n'imprime plus"]
    assert search(Article.objects.visible_to(world.admin), "fortigate", "fr")
    assert not search(Article.objects.visible_to(world.requester_a), "fortigate", "fr")  # an internal procedure
