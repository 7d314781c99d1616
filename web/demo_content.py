"""The demo's French content: a town, its citizens, and one dialogue of each kind."""

from __future__ import annotations

from typing import Any

TOWN = {"slug": "belleville", "name": "Ville de Belleville-sur-Loire"}
CENTRE = (47.2184, -1.5536)
#: The town's territory: its maps open on it, and a proposal placed elsewhere is refused.
TERRITORY = {
    "center_lat": CENTRE[0],
    "center_lng": CENTRE[1],
    "zoom": 14,
    "south": 47.18,
    "west": -1.62,
    "north": 47.26,
    "east": -1.49,
}

CITIZENS = [
    ("Camille Martin", "44000"),
    ("Louis Bernard", "44000"),
    ("Léa Dubois", "44100"),
    ("Hugo Thomas", "44100"),
    ("Chloé Robert", "44200"),
    ("Gabriel Richard", "44200"),
    ("Manon Petit", "44300"),
    ("Arthur Durand", "44300"),
    ("Inès Leroy", "44000"),
    ("Jules Moreau", "44100"),
    ("Zoé Simon", "44200"),
    ("Nathan Laurent", "44300"),
    ("Jade Lefebvre", "44000"),
    ("Raphaël Michel", "44100"),
    ("Louise Garcia", "44200"),
    ("Adam David", "44300"),
    ("Alice Bertrand", "44000"),
    ("Paul Roux", "44100"),
    ("Emma Vincent", "44200"),
    ("Sacha Fournier", "44300"),
]

THEMES = [
    {"key": "mobilite", "label": "Mobilité"},
    {"key": "nature", "label": "Nature et climat"},
    {"key": "culture", "label": "Culture"},
    {"key": "sport", "label": "Sport et loisirs"},
    {"key": "solidarite", "label": "Solidarité"},
]
#: How citizens reach the town hall, at the foot of every page.
CONTACT = {
    "email": "participation@belleville.example",
    "phone": "02 40 12 34 56",
    "address": "Hôtel de ville, 1 place de la République, 44190 Belleville-sur-Loire",
    "page": "https://www.belleville.example/contact",
    "social": [
        {"network": "facebook", "url": "https://www.facebook.com/belleville.example"},
        {"network": "instagram", "url": "https://www.instagram.com/belleville.example"},
        {"network": "mastodon", "url": "https://social.belleville.example/@mairie"},
    ],
}
SECTORS = [
    {"key": "centre", "label": "Centre-ville"},
    {"key": "nord", "label": "Quartier Nord"},
    {"key": "est", "label": "Bords de Loire"},
    {"key": "sud", "label": "Quartier Sud"},
]

#: (title, body, theme, sector, cost in euros, offset north, offset east)
BUDGET_PROPOSALS: list[tuple[str, str, str, str, int, float, float]] = [
    (
        "Une piste cyclable sécurisée rue de la République",
        "Séparer les vélos des voitures sur l'axe qui mène aux écoles et au lycée.",
        "mobilite",
        "centre",
        180_000,
        0.002,
        0.001,
    ),
    (
        "Des arceaux vélos devant chaque école",
        "Installer 200 arceaux pour que les familles puissent venir à vélo.",
        "mobilite",
        "nord",
        25_000,
        0.012,
        -0.004,
    ),
    (
        "Un verger partagé au parc des Tanneurs",
        "Planter trente arbres fruitiers entretenus avec les habitants et l'école voisine.",
        "nature",
        "est",
        40_000,
        -0.003,
        0.014,
    ),
    (
        "Végétaliser la cour de l'école Jean-Macé",
        "Remplacer le bitume par des arbres, un potager et des sols perméables : "
        "une cour plus fraîche l'été.",
        "nature",
        "sud",
        150_000,
        -0.011,
        0.002,
    ),
    (
        "Des fontaines à eau potable dans les parcs",
        "Six fontaines pour les promeneurs, les sportifs et les familles.",
        "nature",
        "est",
        36_000,
        -0.001,
        0.011,
    ),
    (
        "Une boîte à livres dans chaque quartier",
        "Des bibliothèques de rue fabriquées par le lycée professionnel.",
        "culture",
        "nord",
        8_000,
        0.009,
        0.003,
    ),
    (
        "Un festival de musique au bord de la Loire",
        "Une journée de concerts gratuits avec les associations de la ville.",
        "culture",
        "est",
        60_000,
        -0.004,
        0.018,
    ),
    (
        "Rénover le skatepark du quartier Sud",
        "Reprendre les modules abîmés et ajouter un espace pour les débutants.",
        "sport",
        "sud",
        120_000,
        -0.014,
        -0.006,
    ),
    (
        "Un parcours sportif le long du fleuve",
        "Dix agrès en accès libre sur la promenade des bords de Loire.",
        "sport",
        "est",
        55_000,
        -0.006,
        0.021,
    ),
    (
        "Des bancs et des toilettes publiques au centre-ville",
        "Pour que chacun, quel que soit son âge, puisse profiter du centre.",
        "solidarite",
        "centre",
        90_000,
        0.001,
        -0.002,
    ),
    (
        "Une épicerie solidaire au quartier Nord",
        "Aménager un local pour une épicerie à petits prix tenue par une association.",
        "solidarite",
        "nord",
        75_000,
        0.015,
        0.006,
    ),
    (
        "Éclairer le chemin de la gare",
        "Un éclairage sobre et détecteur de présence pour rentrer sereinement le soir.",
        "mobilite",
        "sud",
        45_000,
        -0.008,
        -0.012,
    ),
    (
        "Un jardin partagé rue des Acacias",
        "Des parcelles pour les habitants des immeubles sans jardin.",
        "nature",
        "nord",
        30_000,
        0.018,
        -0.009,
    ),
    (
        "Une fresque participative sous le pont",
        "Un projet d'art urbain mené avec les jeunes du quartier.",
        "culture",
        "centre",
        15_000,
        0.0,
        0.007,
    ),
    (
        "Un terrain multisport en accès libre",
        "Basket, handball et football sur un même terrain, ouvert à tous.",
        "sport",
        "nord",
        140_000,
        0.021,
        0.002,
    ),
    (
        "Des abris pour les sans-abri l'hiver",
        "Un accueil de nuit équipé, en lien avec les associations.",
        "solidarite",
        "centre",
        110_000,
        0.003,
        -0.005,
    ),
]

IDEAS = [
    (
        "Une navette électrique gratuite le samedi",
        "Relier les quartiers au marché du centre sans voiture.",
        "mobilite",
        "centre",
    ),
    (
        "Des poules dans les jardins des écoles",
        "Réduire les déchets de la cantine et sensibiliser les enfants.",
        "nature",
        "sud",
    ),
    (
        "Un café des aînés",
        "Un lieu chaleureux pour rompre l'isolement des personnes âgées.",
        "solidarite",
        "nord",
    ),
    (
        "Une fête des voisins géante dans le parc",
        "Une date commune, des tables prêtées par la ville.",
        "culture",
        "est",
    ),
    (
        "Des nichoirs à martinets sur les bâtiments publics",
        "Protéger les oiseaux qui reviennent chaque été.",
        "nature",
        "centre",
    ),
    (
        "Ouvrir les cours d'école le week-end",
        "Des espaces de jeu pour les familles qui n'ont pas de jardin.",
        "sport",
        "nord",
    ),
]

CONSULTATION_PROPOSALS = [
    (
        "Rendre la place du Marché piétonne",
        "La circulation automobile serait interdite sauf livraisons le matin.",
    ),
    ("Planter vingt arbres sur la place", "Créer de l'ombre et réduire la chaleur en été."),
    ("Installer une aire de jeux pour enfants", "Au sud de la place, à côté des terrasses."),
    (
        "Déplacer le stationnement vers le parking des Halles",
        "Avec une navette gratuite les jours de marché.",
    ),
]

#: Names proposed for the new media library (a majority-judgment vote).
LIBRARY_NAMES = [
    ("Médiathèque Simone-Veil", "En hommage à la femme d'État et à son combat pour les droits."),
    ("Médiathèque des Tilleuls", "Du nom du quartier où elle ouvre, et de ses vieux arbres."),
    ("La Fabrique des savoirs", "Un lieu où l'on apprend, crée et partage."),
    ("Médiathèque Jules-Verne", "L'écrivain du voyage et de l'imagination."),
]
#: The mentions some citizens already gave them, one row per citizen (0 is "À rejeter",
#: 6 "Excellent"), in the order of :data:`LIBRARY_NAMES`.
LIBRARY_GRADES = [
    (6, 4, 3, 4),
    (5, 5, 2, 3),
    (4, 6, 1, 4),
    (6, 3, 4, 2),
    (3, 5, 5, 4),
    (5, 4, 2, 5),
    (2, 5, 3, 3),
    (5, 2, 4, 4),
]

QUESTIONNAIRE_SETTINGS: dict[str, Any] = {
    "questions": [
        {
            "kind": "single",
            "text": "Quel logo pour notre ville ?",
            "required": True,
            "options": [
                {
                    "key": "loire",
                    "label": "La Loire et ses méandres",
                    "image_url": "/static/plugins/questionnaire/logos/loire.svg",
                },
                {
                    "key": "tour",
                    "label": "La tour de l'horloge",
                    "image_url": "/static/plugins/questionnaire/logos/tour.svg",
                },
                {
                    "key": "feuille",
                    "label": "La feuille de chêne",
                    "image_url": "/static/plugins/questionnaire/logos/feuille.svg",
                },
            ],
        },
        {
            "kind": "multiple",
            "text": "Où voulez-vous voir le nouveau logo ?",
            "options": [
                {"key": "vehicules", "label": "Sur les véhicules municipaux"},
                {"key": "panneaux", "label": "Sur les panneaux d'entrée de ville"},
                {"key": "site", "label": "Sur le site internet"},
                {"key": "papiers", "label": "Sur les courriers"},
            ],
            "min": 1,
            "max": 3,
        },
        {
            "kind": "scale",
            "text": "L'identité visuelle actuelle vous plaît-elle ?",
            "min": 1,
            "max": 5,
            "labels": {"min": "Pas du tout", "max": "Beaucoup"},
            "required": True,
        },
        {"kind": "text", "text": "Une remarque pour l'équipe municipale ?"},
    ],
}

#: (citizen index, stance, text) on the first budget project.
BUDGET_COMMENTS = [
    (2, "for", "Enfin ! Mes enfants pourront aller au collège à vélo sans danger."),
    (5, "against", "Il faudra supprimer des places de stationnement devant les commerces."),
    (7, "for", "Les commerçants y gagneront aussi : les cyclistes s'arrêtent plus souvent."),
    (9, "for", "Pensez à l'éclairage de la piste l'hiver."),
]


# -- the town's own texts ---------------------------------------------------------------

HOME_INTRO = """\
Bienvenue sur la plateforme de participation de **Belleville-sur-Loire**. Proposez vos
idées pour la ville, donnez votre avis sur les projets en cours et votez pour ceux que
vous voulez voir réalisés. Chaque démarche indique ses étapes et ce que la ville fera
des résultats.
"""

LEGAL_NOTICE = """\
## Éditeur

Ville de Belleville-sur-Loire, hôtel de ville, 1 place de la République,
44000 Belleville-sur-Loire. Téléphone : 02 40 00 00 00.
Courriel : participation@belleville.example.

**Directrice de la publication** : la maire de Belleville-sur-Loire.

## Hébergement

Le site est hébergé par Hébergeur Exemple SAS, 10 rue des Serveurs, 44000 Nantes,
en France.

## Contenus publiés par les participant·es

Les propositions et les commentaires engagent leurs auteur·rices. Ils sont publiés
selon la charte de participation ; la ville peut masquer un contenu qui ne la respecte
pas. Pour signaler un contenu, utilisez le bouton « Signaler » sous le commentaire ou
écrivez à participation@belleville.example.

## Logiciel

Le site utilise Participe, logiciel libre publié sous licence AGPL.
"""

PRIVACY = """\
## Responsable du traitement

La Ville de Belleville-sur-Loire, représentée par sa maire, traite vos données pour
organiser la participation citoyenne (mission d'intérêt public, article 6.1.e du RGPD).

## Données traitées

- votre adresse électronique, pour vous connecter par un lien reçu par courriel ;
- le nom que vous choisissez d'afficher (facultatif) et votre code postal, quand une
  démarche est réservée aux habitant·es ;
- vos propositions, commentaires et votes.

Vos votes ne sont jamais publiés avec votre nom. Aucun traceur publicitaire n'est
utilisé : le seul cookie sert à garder votre session ouverte.

## Destinataires

Seuls les agents du service Démocratie participative et, pour l'analyse des
propositions, les services techniques concernés y ont accès.

## Vos droits

Vous pouvez accéder à vos données, les rectifier, les télécharger ou supprimer votre
compte depuis la page « Mon compte ». Pour toute question, écrivez au délégué à la
protection des données : dpo@belleville.example. Vous pouvez aussi adresser une
réclamation à la CNIL (www.cnil.fr).
"""

ACCESSIBILITY = """\
La Ville de Belleville-sur-Loire s'engage à rendre ses services en ligne accessibles,
conformément à l'article 47 de la loi n° 2005-102 du 11 février 2005.

## Contenus non accessibles

- La carte des propositions n'a pas d'équivalent complet au clavier pour choisir un
  lieu : la liste des propositions et leur quartier en tiennent lieu.
- Certains documents joints par les participant·es (PDF) peuvent ne pas être
  accessibles.

## Retour d'information et contact

Si vous n'arrivez pas à accéder à un contenu ou à un service, écrivez à
accessibilite@belleville.example ou appelez le 02 40 00 00 00 : nous vous
répondrons et vous proposerons une autre façon d'y accéder.

## Voies de recours

Si vous nous avez signalé un défaut d'accessibilité sans obtenir de réponse
satisfaisante, vous pouvez écrire au Défenseur des droits
(www.defenseurdesdroits.fr) ou à son délégué dans votre région, ou lui envoyer un
courrier gratuit : Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07.
"""

#: The town's accessibility status: an audit has measured it (a demo's figures).
ACCESSIBILITY_STATUS = {
    "conformity": "partial",
    "audit_date": "2026-10-15",
    "audited_by": "Cabinet Accès Pour Tous (audit sur un échantillon de 12 pages)",
    "rate": 78,
}

#: A block of the town's home page.
HOME_BLOCK = {
    "title": "Réunion publique le 12 janvier",
    "markdown": "Venez découvrir les projets du budget participatif à la salle des fêtes, "
    "**le 12 janvier à 18 h 30**. Entrée libre, accessible en fauteuil roulant.",
}

#: A dialogue still in preparation (a draft): only the staff see it, as a preview.
DRAFT = {
    "slug": "jardins-partages-2028",
    "title": "Jardins partagés 2028 (en préparation)",
    "description": (
        "Où installer de nouveaux jardins partagés, et qui veut les faire vivre ? "
        "L'équipe prépare cette démarche : elle ouvrira au printemps."
    ),
}
