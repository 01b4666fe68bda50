"""Knowledge base of the demo: the articles a small provider writes first, for the issues its
clients' employees meet every week (VPN, printer, Microsoft 365 password, Outlook, guest Wi-Fi…).

Written through the services (drafts, then published by the administrator), so that versions and
the trail are those of real articles. Three have an English translation; one is internal; one is
for Transports Garnier only.
"""

from __future__ import annotations

from typing import Any

from vigie.accounts.models import User
from vigie.knowledge import services
from vigie.knowledge.models import ArticleStatus, KnowledgeCategory, Visibility
from vigie.tenancy.models import Organization

# (category, title, keywords, body, visibility, clients slugs, English (title, keywords, body) or None, published)
ARTICLES: list[tuple[str, str, str, str, str, tuple[str, ...], tuple[str, str, str] | None, bool]] = [
    (
        "Réseau",
        "Se connecter au VPN depuis chez soi",
        "vpn, télétravail, forticlient, connexion à distance",
        "Le VPN donne accès aux dossiers partagés et aux logiciels du bureau depuis la maison.\n\n"
        "1. Ouvrez **FortiClient VPN** (icône bouclier bleu, près de l'horloge).\n"
        "2. Choisissez la connexion **Bureau**.\n"
        "3. Saisissez votre identifiant Windows et votre mot de passe, puis validez le code reçu sur votre téléphone.\n\n"
        "| Symptôme | Que faire |\n|---|---|\n"
        "| « Credential or SSLVPN configuration is wrong » | Vérifiez votre mot de passe (il est le même que celui de Windows). |\n"
        "| La connexion s'arrête à 98 % | Redémarrez la box internet, puis le poste. |\n"
        "| Aucun code reçu | Vérifiez que l'application Microsoft Authenticator est bien à jour. |\n\n"
        "Toujours bloqué ? Ouvrez une demande en indiquant le message d'erreur exact.",
        Visibility.ALL_CLIENTS,
        (),
        (
            "Connecting to the VPN from home",
            "vpn, remote work, forticlient",
            "The VPN gives access to the office's shared folders and software from home.\n\n"
            "1. Open **FortiClient VPN** (blue shield icon, next to the clock).\n"
            "2. Choose the **Bureau** connection.\n"
            "3. Enter your Windows login and password, then approve the code sent to your phone.\n\n"
            "If the connection stops at 98 %, restart your internet box, then your computer.",
        ),
        True,
    ),
    (
        "Poste de travail",
        "L'imprimante n'imprime plus",
        "imprimante, impression, file d'attente, bourrage, papier",
        "Avant d'ouvrir une demande, trois vérifications règlent la plupart des cas :\n\n"
        "1. **Papier et bourrage** : ouvrez les capots, retirez toute feuille coincée, refermez.\n"
        "2. **File d'attente** : dans *Paramètres › Bluetooth et appareils › Imprimantes*, ouvrez l'imprimante, "
        "puis *Ouvrir la file d'attente* et annulez les documents bloqués.\n"
        "3. **Redémarrage** : éteignez l'imprimante 30 secondes, rallumez-la, puis relancez l'impression.\n\n"
        "> Si l'écran de l'imprimante affiche un code d'erreur (par exemple *E-302*), notez-le dans votre demande.",
        Visibility.ALL_CLIENTS,
        (),
        (
            "The printer no longer prints",
            "printer, printing, queue, paper jam",
            "Three checks solve most cases:\n\n"
            "1. **Paper and jams**: open the covers, remove any stuck sheet.\n"
            "2. **Queue**: in *Settings › Bluetooth & devices › Printers*, open the printer's queue and cancel stuck documents.\n"
            "3. **Restart**: switch the printer off for 30 seconds, then print again.",
        ),
        True,
    ),
    (
        "Messagerie",
        "Réinitialiser son mot de passe Microsoft 365",
        "mot de passe, microsoft 365, office, compte bloqué, sspr",
        "Vous avez oublié votre mot de passe ou votre compte est bloqué :\n\n"
        "1. Depuis votre téléphone ou un autre poste, ouvrez <https://aka.ms/sspr>.\n"
        "2. Saisissez votre adresse e-mail professionnelle et recopiez les caractères affichés.\n"
        "3. Validez avec l'application **Microsoft Authenticator** ou le code reçu par SMS.\n"
        "4. Choisissez un nouveau mot de passe : **12 caractères au moins**, jamais réutilisé.\n\n"
        "Le nouveau mot de passe sert aussi pour Windows et le VPN après le prochain redémarrage.",
        Visibility.ALL_CLIENTS,
        (),
        (
            "Resetting your Microsoft 365 password",
            "password, microsoft 365, locked account, sspr",
            "1. From your phone or another computer, open <https://aka.ms/sspr>.\n"
            "2. Enter your work e-mail address.\n"
            "3. Approve with **Microsoft Authenticator** or the text-message code.\n"
            "4. Choose a new password of **at least 12 characters**.",
        ),
        True,
    ),
    (
        "Messagerie",
        "Outlook est lent ou ne se synchronise plus",
        "outlook, lenteur, synchronisation, profil, boîte pleine",
        "Quelques gestes simples :\n\n"
        "- Fermez Outlook, attendez une minute, rouvrez-le.\n"
        "- Regardez en bas de la fenêtre : *Connecté à Microsoft Exchange* doit s'afficher.\n"
        "- Si votre boîte approche de 50 Go, archivez les anciens messages (*Fichier › Outils › Nettoyer les anciens éléments*).\n"
        "- Essayez Outlook sur le Web (<https://outlook.office.com>) : si tout y est, le problème vient du poste.\n\n"
        "Le technicien pourra recréer votre profil Outlook : vos messages sont conservés sur le serveur.",
        Visibility.ALL_CLIENTS,
        (),
        None,
        True,
    ),
    (
        "Réseau",
        "Donner l'accès Wi-Fi à un visiteur",
        "wi-fi, wifi, invité, visiteur, code",
        "Le réseau **Invités** est séparé de celui de l'entreprise : un visiteur n'y voit aucun poste ni serveur.\n\n"
        "1. Le code du jour est affiché à l'accueil (il change chaque lundi).\n"
        "2. Le visiteur choisit le réseau *Invites* et saisit ce code.\n\n"
        "Ne donnez **jamais** le mot de passe du Wi-Fi du personnel à un visiteur.",
        Visibility.ALL_CLIENTS,
        (),
        None,
        True,
    ),
    (
        "Poste de travail",
        "Mon ordinateur est très lent",
        "lenteur, ordinateur lent, disque plein, redémarrage, mises à jour",
        "1. **Redémarrez** (et non *mettez en veille*) : beaucoup de mises à jour attendent un vrai redémarrage.\n"
        "2. Vérifiez l'espace libre : *Explorateur › Ce PC*. Sous 10 % libre, videz *Téléchargements* et la corbeille.\n"
        "3. Fermez les onglets inutiles du navigateur : chacun consomme de la mémoire.\n\n"
        "Si la lenteur persiste après un redémarrage, ouvrez une demande en précisant depuis quand.",
        Visibility.ALL_CLIENTS,
        (),
        None,
        True,
    ),
    (
        "Transport",
        "Terminal embarqué : resynchroniser les tournées",
        "terminal, tournée, synchronisation, chauffeur",
        "Sur le terminal du camion :\n\n"
        "1. Menu **Tournées › Synchroniser**.\n"
        "2. Si le message *Serveur injoignable* apparaît, activez puis désactivez le mode avion.\n"
        "3. Les tournées du lendemain arrivent à partir de 18 h.",
        Visibility.CLIENTS,
        ("garnier",),
        None,
        True,
    ),
    (
        "Réseau",
        "Procédure interne : redémarrer le pare-feu d'un client",
        "pare-feu, fortigate, redémarrage, intervention",
        "**Interne au support.** Prévenir le responsable du client avant toute coupure.\n\n"
        "```\nexecute reboot\n```\n\n"
        "Vérifier ensuite que les tunnels VPN sont remontés (*Monitor › IPsec*) et noter l'intervention dans le ticket.",
        Visibility.INTERNAL,
        (),
        None,
        True,
    ),
    (
        "Sécurité",
        "Reconnaître un e-mail d'hameçonnage",
        "phishing, hameçonnage, arnaque, sécurité",
        "Un e-mail qui presse (« votre compte sera fermé ce soir »), demande un mot de passe ou un virement "
        "doit éveiller les soupçons.\n\n- Survolez les liens sans cliquer.\n- En cas de doute, transférez le message au support.",
        Visibility.ALL_CLIENTS,
        (),
        None,
        False,  # still a draft, under review
    ),
]


def load(provider: Organization, clients: list[Organization], admin: User | None = None) -> dict[str, Any]:
    """Create the demo's knowledge categories and articles; returns what it made."""
    author = admin or User.objects.filter(memberships__organization=provider, is_superuser=True).order_by("pk").first()
    if author is None:
        return {"articles": 0}
    by_slug = {client.slug: client for client in clients}
    categories: dict[str, KnowledgeCategory] = {}
    made = 0
    for category_name, title, keywords, body, visibility, slugs, english, published in ARTICLES:
        if category_name not in categories:
            categories[category_name] = services.create_category(by=author, name=category_name)
        targets = [by_slug[slug] for slug in slugs if slug in by_slug]
        if visibility == Visibility.CLIENTS and not targets:
            continue
        article = services.create_article(
            by=author,
            language="fr",
            title=title,
            body=body,
            keywords=keywords,
            category=categories[category_name],
            visibility=visibility,
            clients=targets,
        )
        if english is not None:
            en_title, en_keywords, en_body = english
            services.save_translation(article, by=author, language="en", title=en_title, body=en_body, keywords=en_keywords)
        if published:
            services.set_status(article, ArticleStatus.PUBLISHED, by=author)
        made += 1
    return {"articles": made, "categories": len(categories)}
