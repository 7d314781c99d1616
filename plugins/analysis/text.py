"""French text as the analysis reads it: words, without the stop words, stemmed.

Pure and without I/O. The stemmer is Snowball's French one (the ``snowballstemmer``
package of the ``participe[analysis]`` extra); the stop words are the closed-class words
of French (articles, pronouns, prepositions, auxiliaries) and the words every proposal of
an idea box uses ("proposer", "mettre en place"), which say nothing of what it is about.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

_STOP_WORDS_TEXT = """
    a afin ai aie aient ainsi alors apres as au aucun aucune aupres auquel aussi autre
    autres aux avaient avais avait avant avec avez aviez avoir avons ayant beaucoup bien c
    ca car ce ceci cela celle celles celui cependant certain certaine certains ces cet cette
    ceux chacun chaque chez ci comme comment d dans de des deja depuis dont du donc elle
    elles en encore entre es est et etaient etais etait etant ete etre eu eux fait faire
    fais faut font fut ici il ils j je jusqu jusque l la le les leur leurs lors lorsque lui
    m ma mais me meme memes mes moi moins mon n ne ni non nos notre nous on ont ou par parce
    pas peu peut peuvent plus plusieurs pour pourquoi pourrait pourraient qu quand que quel
    quelle quelles quels qui quoi s sa sans se sera serait seraient ses si sien soi soit son
    sont sous souvent sur t ta te tes toi ton tous tout toute toutes tres tu un une vers via
    voici voila vos votre vous y ajouter avoir besoin creer developper faudrait favoriser
    mettre mise place permettre permettrait pouvoir proposer proposition propose
    propositions souhaite ville commune habitant habitants gens idee projet projets nouveau
    nouvelle nouveaux aujourd hui rendre avoir etre tres vraiment grand grande petit petite
    petits petites
"""
#: Words that say nothing of a proposal's subject, accents removed.
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)
_STEMMER = snowballstemmer.stemmer("french")


def fold(text: str) -> str:
    """Lower case without accents: ``"Élargir"`` -> ``"elargir"``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The stem of one lower-case word, accents removed after stemming (the stemmer reads
    them: "élevé" and "élever" differ), so that a word typed without accents meets it.
    The plural's ``s`` or ``x`` that Snowball keeps after a vowel goes too ("vélos",
    "jeux")."""
    stemmed = fold(_STEMMER.stemWord(word))
    if len(stemmed) > 3 and stemmed[-1] in "sx":
        stemmed = stemmed[:-1]
    return stemmed


def words(text: str) -> list[str]:
    """The words of ``text`` in lower case, split at apostrophes and hyphens, without
    digits: ``"L'aire de jeux"`` -> ``["l", "aire", "de", "jeux"]``."""
    return [part for match in _WORD.findall(text.casefold()) for part in match.split("-")]


def stems(text: str) -> list[str]:
    """The stems of the words of ``text`` that say something, in order."""
    return [stem(word) for word in words(text) if len(word) > 1 and fold(word) not in STOP_WORDS]
