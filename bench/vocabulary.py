"""Words of the generated tickets, drawn with a Zipf law so that full-text search has a
realistic selectivity: a few words are in most tickets, most words in a handful.

The word list is ordered from frequent to rare: French function words, then the
vocabulary of IT support, then a long tail of synthetic identifiers (error codes,
updates, machine models) that behave like the rare terms people paste into tickets.
"""

from __future__ import annotations

import itertools
import random


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FUNCTION_WORDS = _split(
    "le la les de des du un une et à en pour sur avec dans ne pas plus je mon ma mes nous vous il elle "
    "est sont a ont depuis ce cette ces qui que au aux par mais ou donc car très tout tous bien encore"
)

SUPPORT_WORDS = _split(
    "poste ordinateur écran clavier souris imprimante scanner réseau wifi vpn internet messagerie outlook "
    "courriel mail boîte serveur partage dossier fichier droits accès compte mot passe session windows "
    "teams office excel word licence mise jour redémarrage démarrage lenteur erreur message bloqué plantage "
    "connexion déconnexion synchronisation sauvegarde restauration disque espace mémoire processeur batterie "
    "chargeur station accueil téléphone mobile smartphone tablette casque webcam micro visioconférence salle "
    "réunion bureau agence siège dépôt atelier magasin caisse logiciel application navigateur chrome firefox "
    "edge pdf impression bourrage toner cartouche papier badge alarme vidéo antivirus pare-feu certificat "
    "domaine dns dhcp adresse ip switch routeur box fibre ligne panne coupure intermittente lent rapide "
    "urgent bloquant client fournisseur commande livraison garantie remplacement installation "
    "désinstallation configuration paramétrage profil utilisateur nouvel arrivant départ collaborateur "
    "stagiaire intérim comptabilité paie facturation commercial direction ressources humaines logistique "
    "production qualité juridique marketing accueil standard planning agenda calendrier contact annuaire "
    "groupe liste diffusion spam phishing pièce jointe taille limite quota archive pst onedrive sharepoint "
    "drive cloud synchro conflit version restaurer supprimé corbeille historique copie clé usb externe "
    "bluetooth pilote driver firmware bios écran bleu redémarre seul chauffe bruit ventilateur alimentation "
    "onduleur électrique baie brassage câble prise murale port ethernet point borne portail captif invité "
    "authentification double facteur code sms application authenticator verrouillé expiré réinitialiser "
    "changer oublié nouveau ancien migration tenant exchange relais smtp imap pop ssl tls rejet bounce "
    "quarantaine signature modèle gabarit macro fichier corrompu enregistrer ouvrir fermer lecture écriture "
    "ralentissement figé gelé écran noir clignote voyant orange rouge vert éteint allumé veille hibernation"
)

TITLES_INCIDENT = (
    "Écran noir au démarrage",
    "Ordinateur très lent",
    "Outlook ne synchronise plus",
    "Boîte aux lettres pleine",
    "Wi-Fi instable en salle de réunion",
    "Impossible de se connecter au VPN",
    "Plus d'accès Internet sur le site",
    "Imprimante bloquée",
    "Le scanner n'envoie plus les numérisations",
    "Échec de la sauvegarde nocturne",
    "Compte verrouillé",
    "Teams plante au lancement",
    "Excel se fige à l'ouverture d'un fichier",
    "Le partage réseau est inaccessible",
    "Message d'erreur au démarrage de Windows",
    "Téléphone sans tonalité",
    "Écran bleu à répétition",
    "Courriels rejetés par le destinataire",
    "Caisse enregistreuse hors ligne",
    "Certificat expiré sur le portail",
)
TITLES_REQUEST = (
    "Arrivée d'un nouveau collaborateur",
    "Accès au dossier Comptabilité",
    "Installation d'un logiciel",
    "Commande d'un second écran",
    "Création d'une adresse générique",
    "Départ d'un collaborateur",
    "Demande de licence Office",
    "Ajout à une liste de diffusion",
    "Préparation d'un portable pour un déplacement",
    "Changement de poste de travail",
)
RESOLUTIONS = (
    "Pilote réinstallé, poste fonctionnel.",
    "Mot de passe réinitialisé.",
    "Pièce remplacée sous garantie.",
    "Configuration corrigée.",
    "Droits attribués.",
    "Mise à jour appliquée et poste redémarré.",
)
FIRST_NAMES = _split(
    "Camille Julien Léa Hugo Chloé Nicolas Manon Thomas Sarah Antoine Inès Mathieu Laura Romain Pauline Lucas "
    "Émilie Maxime Clara Quentin Louise Arthur Jade Gabriel Alice Louis Rose Jules Anna Adam Lina Raphaël"
)
LAST_NAMES = _split(
    "Bernard Dubois Moreau Laurent Simon Michel Lefebvre Leroy Roux David Bertrand Morel Fournier Girard Bonnet "
    "Dupont Lambert Fontaine Rousseau Vincent Muller Faure André Mercier Blanc Guérin Boyer Garnier Chevalier"
)
CITIES = _split(
    "Lyon Villeurbanne Vénissieux Grenoble Saint-Étienne Annecy Chambéry Valence Mâcon Bourg-en-Bresse "
    "Roanne Vienne Villefranche Clermont-Ferrand Dijon Besançon Genève Marseille Paris Lille"
)
COMPANY_KINDS = _split(
    "Boulangerie Cabinet Transports Garage Pharmacie Imprimerie Menuiserie Hôtel Clinique Laboratoire "
    "Agence Studio Atelier Fromagerie Librairie Distillerie Brasserie Architectes Notaires Experts"
)


def _rare_words(rng: random.Random, count: int) -> list[str]:
    """Identifiers such as error codes, update numbers, machine models and host names."""
    makers = (
        lambda: f"0x{rng.randrange(0x80000000, 0x8FFFFFFF):08x}",
        lambda: f"kb{rng.randrange(4000000, 5999999)}",
        lambda: f"{rng.choice(('latitude', 'elitebook', 'thinkpad', 'optiplex', 'prodesk', 'vostro'))}{rng.randrange(100, 9999)}",
        lambda: (
            f"{rng.choice(('srv', 'pc', 'nas', 'imp', 'ap', 'sw'))}{rng.choice(('lyon', 'gre', 'ann', 'cha', 'val'))}{rng.randrange(1, 999):03d}"
        ),
        lambda: f"err{rng.randrange(1000, 99999)}",
    )
    seen: set[str] = set()
    words: list[str] = []
    while len(words) < count:
        word = rng.choice(makers)()
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


class Vocabulary:
    """A ranked word list with Zipf weights and a pool of ready-made sentences."""

    def __init__(self, rng: random.Random, *, rare_words: int = 50_000, sentences: int = 100_000, exponent: float = 1.05) -> None:
        self.words = [*FUNCTION_WORDS, *SUPPORT_WORDS, *_rare_words(rng, rare_words)]
        weights = [1.0 / (rank**exponent) for rank in range(1, len(self.words) + 1)]
        cumulative = list(itertools.accumulate(weights))
        self.sentences = []
        for _ in range(sentences):
            chosen = rng.choices(self.words, cum_weights=cumulative, k=rng.randint(6, 18))
            self.sentences.append(" ".join(chosen).capitalize() + ".")

    def text(self, rng: random.Random, sentences: int) -> str:
        pool = self.sentences
        return " ".join(pool[rng.randrange(len(pool))] for _ in range(sentences))


# Searches the bench runs, from very common to rare terms (their number of matching
# tickets is measured and reported with the results).
SEARCH_QUERIES = (
    "imprimante",
    "vpn",
    "outlook synchronisation",
    "sauvegarde serveur",
    "imprim",
    "fibre coupure",
)
