"""The demo's votes of every type and rule, open to try: points to spread, a grade for
each proposal, a ranking counted by the Schulze method, and yes or no within a minimum
and a maximum of answers. Each comes with its town's French content and the ballots a
few citizens have already cast, so that its results are not empty.

The participatory budget (supports counted by the method of equal shares, its projects on
the map), the for/against consultation, the questionnaire and last year's published
results are seeded by :mod:`web.demo`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: A proposal: (title, body, offset north and east of the town's centre, or ``None``).
DemoProposal = tuple[str, str, tuple[float, float] | None]


@dataclass(frozen=True)
class VoteDemo:
    """A dialogue open for voting, its proposals and the ballots already cast.

    Attributes:
        key: its name in :class:`web.demo.DemoWorld`'s dictionaries.
        ballots: one per citizen, in the order of the town's citizens: the vote's value by
            the proposal's index (a rank, points, a grade, ``"yes"``/``"no"``).
        confirmed: the ballots are confirmed (a vote with a minimum counts them only then).
    """

    key: str
    slug: str
    title: str
    description: str
    vote: dict[str, Any]
    proposals: tuple[DemoProposal, ...]
    ballots: tuple[Mapping[int, object], ...]
    confirmed: bool = False


POINTS = VoteDemo(
    key="points",
    slug="fonds-quartier-nord",
    title="Fonds du quartier Nord : 10 points à répartir",
    description=(
        "Le conseil de quartier Nord dispose de 30 000 € pour de petits projets. "
        "Répartissez vos 10 points entre les projets qui vous tiennent à cœur, 5 au plus "
        "sur un même projet : ceux qui recueillent le plus de points seront réalisés "
        "cette année."
    ),
    vote={
        "type": "points",
        "settings": {"mode": "distribute", "points_budget": 10, "max_per_proposal": 5},
    },
    proposals=(
        (
            "Des bacs à compost au pied des immeubles",
            "Trois composteurs partagés à la résidence des Acacias, avec un guide composteur "
            "pour les premiers mois.",
            (0.017, -0.007),
        ),
        (
            "Une table de ping-pong au square Nord",
            "Une table en béton, en accès libre, à côté de l'aire de jeux.",
            (0.013, 0.004),
        ),
        (
            "Repeindre le passage souterrain de la rue Pasteur",
            "Une fresque claire et un meilleur éclairage pour le passage qu'empruntent "
            "les collégiens.",
            (0.011, -0.001),
        ),
        (
            "Des bancs sur le chemin du marché",
            "Quatre bancs pour faire une pause entre le quartier Nord et le centre-ville.",
            (0.008, 0.002),
        ),
        (
            "Une boîte à partage devant la maison de quartier",
            "Déposer et prendre des objets en bon état : vêtements, jouets, vaisselle.",
            (0.015, 0.001),
        ),
    ),
    ballots=(
        {0: 5, 1: 3, 4: 2},
        {2: 5, 3: 5},
        {0: 4, 2: 4, 4: 2},
        {1: 5, 3: 3, 4: 2},
        {0: 5, 2: 5},
        {0: 3, 1: 2, 2: 3, 3: 2},
        {2: 5, 4: 5},
        {0: 2, 1: 4, 3: 4},
        {0: 5, 4: 5},
        {1: 3, 2: 4, 3: 3},
    ),
)

SCALE = VoteDemo(
    key="scale",
    slug="animations-ete-2027",
    title="L'été 2027 : notez les animations",
    description=(
        "Le service culturel prépare le programme de l'été. Donnez une note de 0 (pas "
        "du tout) à 5 (absolument) à chaque animation, même à celles qui ne vous tentent "
        "pas : la moyenne des notes guidera le programme."
    ),
    vote={"type": "points", "settings": {"mode": "scale", "scale_max": 5}},
    proposals=(
        (
            "Du cinéma en plein air au parc des Tanneurs",
            "Quatre séances le vendredi soir en juillet, films choisis par le conseil des jeunes.",
            None,
        ),
        (
            "Une guinguette sur les bords de Loire",
            "Musique, danse et buvette associative tous les dimanches d'août.",
            None,
        ),
        (
            "Un tournoi de pétanque intergénérationnel",
            "Des équipes qui mêlent enfants, parents et aînés, place de la Mairie.",
            None,
        ),
        (
            "Des lectures au jardin pour les enfants",
            "La médiathèque lit des contes sous les arbres du jardin des Plantes, "
            "le mercredi après-midi.",
            None,
        ),
        (
            "Un bal populaire le 14 juillet place du Marché",
            "Un orchestre, des lampions et le feu d'artifice tiré depuis le pont.",
            None,
        ),
    ),
    ballots=(
        {0: 5, 1: 4, 2: 2, 3: 3, 4: 5},
        {0: 4, 1: 5, 2: 1, 3: 2, 4: 4},
        {0: 5, 1: 3, 2: 3, 3: 5, 4: 3},
        {0: 3, 1: 5, 2: 4, 3: 1, 4: 5},
        {0: 4, 1: 4, 2: 0, 3: 4, 4: 2},
        {0: 5, 1: 2, 2: 3, 3: 3, 4: 4},
        {0: 2, 1: 5, 2: 5, 3: 2, 4: 5},
        {0: 4, 1: 3, 2: 1, 3: 5, 4: 3},
    ),
)

RANKED = VoteDemo(
    key="ranked",
    slug="plan-velo",
    title="Plan vélo : classez les priorités",
    description=(
        "La ville consacrera 1,2 million d'euros au vélo d'ici 2030. Classez jusqu'à trois "
        "priorités, de la plus urgente à la moins urgente. Le dépouillement suit la "
        "méthode Schulze : chaque priorité est comparée à chacune des autres, et celle qui "
        "l'emporte sur toutes passe en premier."
    ),
    vote={"type": "ranked", "settings": {"max_ranks": 3, "method": "schulze"}},
    proposals=(
        (
            "Une piste continue entre le quartier Sud et le centre",
            "Trois kilomètres séparés de la circulation, de l'école Jean-Macé à la mairie.",
            None,
        ),
        (
            "Un abri à vélos sécurisé à la gare",
            "Deux cents places fermées et surveillées pour celles et ceux qui prennent le train.",
            None,
        ),
        (
            "Des double-sens cyclables dans les rues à 30 km/h",
            "Permettre aux vélos de remonter les rues à sens unique du centre-ville.",
            None,
        ),
        (
            "Des cours de vélo pour les adultes",
            "Apprendre ou réapprendre à rouler en ville, avec une association de la ville.",
            None,
        ),
        (
            "Un atelier de réparation solidaire",
            "Un local où l'on apprend à réparer son vélo, avec des outils prêtés.",
            None,
        ),
    ),
    ballots=(
        {0: 1, 1: 2, 2: 3},
        {1: 1, 0: 2},
        {0: 1, 2: 2, 4: 3},
        {2: 1, 0: 2, 1: 3},
        {0: 1, 3: 2},
        {1: 1, 0: 2, 4: 3},
        {0: 1, 1: 2, 3: 3},
        {4: 1, 0: 2, 2: 3},
        {0: 1, 2: 2},
    ),
)

YES_NO = VoteDemo(
    key="yes_no",
    slug="rues-aux-ecoles",
    title="Rues aux écoles : quelles rues fermer aux voitures ?",
    description=(
        "Aux heures d'entrée et de sortie des classes, la ville peut fermer à la "
        "circulation la rue devant une école. Six rues sont à l'étude et quatre au plus "
        "seront fermées à la rentrée : répondez oui ou non pour deux rues au moins et "
        "quatre au plus, celles que vous connaissez, puis confirmez votre bulletin."
    ),
    vote={
        "type": "binary",
        "settings": {"options": ["yes", "no"], "min_votes": 2, "max_votes": 4},
    },
    proposals=(
        (
            "Rue Jean-Macé, devant l'école élémentaire",
            "Fermée de 8 h 15 à 8 h 45 et de 16 h 15 à 16 h 45 ; riverains et secours "
            "passent toujours.",
            (-0.011, 0.002),
        ),
        (
            "Rue des Écoles, devant la maternelle des Tilleuls",
            "Une rue étroite où les parents se garent en double file le matin.",
            (0.004, -0.006),
        ),
        (
            "Avenue de la Gare, devant le collège Jules-Verne",
            "Un axe fréquenté : les bus scolaires garderaient leur arrêt.",
            (-0.008, -0.010),
        ),
        (
            "Rue Pasteur, devant l'école du quartier Nord",
            "Fermée aux mêmes heures, avec un parvis pour attendre à l'abri.",
            (0.012, -0.002),
        ),
        (
            "Rue du Port, devant le groupe scolaire des bords de Loire",
            "La rue mène au parking du port, qui resterait ouvert par le quai.",
            (-0.003, 0.016),
        ),
        (
            "Impasse des Lilas, devant la crèche municipale",
            "Une impasse où seuls les parents et le personnel circulent.",
            (0.006, 0.009),
        ),
    ),
    ballots=(
        {0: "yes", 1: "yes", 3: "no"},
        {0: "yes", 2: "no"},
        {1: "yes", 3: "yes", 4: "yes", 5: "no"},
        {0: "yes", 4: "no"},
        {2: "yes", 3: "yes", 0: "yes"},
        {0: "no", 1: "yes"},
        {3: "yes", 5: "yes", 4: "yes"},
    ),
    confirmed=True,
)

#: The vote dialogues, in the order they are seeded.
VOTE_DEMOS = (POINTS, SCALE, RANKED, YES_NO)
