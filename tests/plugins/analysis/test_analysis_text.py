"""The analysis's reading of French and its pure parts: stems, similar proposals,
duplicate groups, topics, theme suggestions."""

from __future__ import annotations

import pytest

pytest.importorskip("sklearn", reason="the participe[analysis] extra is not installed")

from plugins.analysis.similar import (
    Document,
    SimilarityIndex,
    duplicate_groups,
)
from plugins.analysis.text import stems
from plugins.analysis.themes import ThemeSuggester
from plugins.analysis.topics import find_topics


def test_stems_drop_stop_words_accents_and_plurals() -> None:
    assert stems("Les vélos de l'avenue") == stems("velo avenue")
    assert stems("Des pistes cyclables") == stems("piste cyclable")
    assert stems("Élargir les trottoirs") == stems("elargir trottoir")
    assert stems("Aires de jeux") == stems("aire jeu")
    assert stems("le la les et ou de du pour avec") == []
    assert stems("42 rue, 2027 !") == stems("rue")


DOCUMENTS = [
    Document(1, "Une piste cyclable avenue Jaurès", "Les vélos roulent au milieu des voitures."),
    Document(2, "Sécuriser les vélos sur l'avenue Jaurès", "Une voie cyclable protégée."),
    Document(3, "Des toilettes publiques au parc", "Il n'y a aucun sanitaire au parc."),
    Document(4, "Installer des sanitaires publics au parc", "Des WC près de l'aire de jeux."),
    Document(5, "Un marché de Noël", "Des artisans locaux sur la place de la mairie."),
]


def test_similar_proposals_are_found_and_the_others_are_not() -> None:
    index = SimilarityIndex.of(DOCUMENTS)
    found = index.similar("Piste vélo avenue Jean Jaurès", "pour les cyclistes")
    assert [match.id for match in found][:2] == [1, 2] or [m.id for m in found][:2] == [2, 1]
    assert {match.id for match in found} <= {1, 2}
    assert all(0 < match.score <= 1 for match in found)
    assert index.similar("Un planétarium", "Observer les étoiles") == []
    assert [m.id for m in index.similar_to(3)] == [4]
    assert [m.id for m in index.similar("Piste vélo Jaurès", exclude=[1, 2])] == []
    # Typed without accents, it is found all the same.
    assert [m.id for m in index.similar("securiser les velos avenue jaures")][:1] == [2]
    assert SimilarityIndex.of([]).similar("Piste vélo") == []


def test_duplicate_groups_leave_out_pairs_marked_distinct_and_chains() -> None:
    pairs = [(1, 2, 0.9), (3, 4, 0.8), (2, 5, 0.5), (4, 6, 0.4), (3, 6, 0.3)]
    assert duplicate_groups(pairs) == [([1, 2], 0.9), ([3, 4, 6], 0.8)]
    # 5 is like 2 but not like 1: no chain makes it a duplicate of 1.
    assert duplicate_groups(pairs, distinct=[(4, 3)]) == [([1, 2], 0.9), ([4, 6], 0.4)]
    index = SimilarityIndex.of(DOCUMENTS)
    assert [members for members, _ in duplicate_groups(index.pairs())] == [[3, 4], [1, 2]] or [
        members for members, _ in duplicate_groups(index.pairs())
    ] == [[1, 2], [3, 4]]


def test_topics_group_proposals_and_name_their_key_words() -> None:
    topics = find_topics(DOCUMENTS, 3)
    groups = sorted(sorted(topic.proposal_ids) for topic in topics)
    assert [1, 2] in groups and [3, 4] in groups
    words = {w for topic in topics for w in topic.key_words}
    assert "vélos" in words or "avenue" in words
    assert find_topics([]) == []
    assert [t.proposal_ids for t in find_topics(DOCUMENTS[:1])] == [[1]]


def test_themes_are_learnt_from_the_proposals_that_have_one() -> None:
    suggester = ThemeSuggester(
        [
            ("Piste cyclable rue Pasteur", "", "mobilite"),
            ("Des bus le dimanche", "", "mobilite"),
            ("Un parking vélo à la gare", "", "mobilite"),
            ("Planter des arbres", "", "nature"),
            ("Des jardins partagés", "", "nature"),
            ("Un composteur de quartier", "", "nature"),
        ]
    )
    assert suggester.ready
    [bike, trees] = suggester.suggest([(7, "Une piste vélo", ""), (8, "Des arbres fruitiers", "")])
    assert (bike.proposal_id, bike.theme) == (7, "mobilite")
    assert (trees.proposal_id, trees.theme) == (8, "nature")
    assert 0 < bike.confidence <= 1
    assert not ThemeSuggester([("Un banc", "", "x")]).ready
    assert ThemeSuggester([("Un banc", "", "x")]).suggest([(1, "Un banc", "")]) == []
