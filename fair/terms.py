"""The product-term dictionary: what a product is called in English, Chinese, Korean and
Japanese, so a catalogue search in one language finds goods described in another.

A concept is one row of a terms file (`fair.importer.terms_csv`): 마스크팩 = 面膜 =
シートマスク = sheet mask. The built-in dictionary (`fair/data/terms.csv`, a few hundred
trade terms of food, cosmetics, seafood, health, medical devices, machinery, electronics,
textiles, agriculture, household goods and logistics) is extended per fair by the
organiser's optional `terms.csv` (stored as `ProductTerm` rows).

`fair.search` uses it in two places:

- indexing: `Dictionary.expansion(text)` names every term of every concept found in a
  product's or company's own words, and those go into its search document, so "면마스크"
  typed by a buyer meets "Sheet Mask" written by an exhibitor;
- querying: `Dictionary.canonical(query)` maps a query written as one term with other
  spacing ("sheetmask", "시트 마스크") to the term's words.

Finding a concept in text: Latin words are compared whole, lower-cased, with English
plurals folded (`stem`: "masks" → "mask", "cherries" → "cherr"), over runs of up to
`MAX_WORDS` words ("sea cucumbers" is the concept "sea cucumber"); Chinese, Korean and
Japanese have no spaces between words, so their terms are found as substrings of the
text with its spaces removed. Terms shorter than two CJK characters or three Latin
letters (김, 茶, "tea" is three and counts) are too ambiguous to find in text, though a
found concept still adds them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Final

from sqlmodel import Session, col, select

from fair.errors import ImportRejected
from fair.importer.rows import Collector, csv_sheet
from fair.importer.terms_csv import LANGUAGES, parse_terms
from fair.models import ProductTerm

BUILT_IN: Final = Path(__file__).parent / "data" / "terms.csv"
MAX_WORDS: Final = 5
MIN_CJK: Final = 2
MIN_LATIN: Final = 3

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7a3\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[a-z0-9]+")
_SPACES = re.compile(r"[\s\-‐‑–—・·/／_]+")


def normalize(text: str) -> str:
    """NFKC (full-width letters, half-width kana), lower case, hyphens and middle dots
    as spaces, spaces collapsed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """An English word with its plural folded, as a prefix of both forms; other words
    and short results unchanged ("glass", "lens", "news" stay)."""
    if not word.isascii() or not word.isalpha():
        return word
    for ending, keep in (("ies", ""), ("oes", "o"), ("ches", "ch"), ("shes", "sh"), ("sses", "ss")):
        if word.endswith(ending):
            base = word[: -len(ending)] + keep
            return base if len(base) >= 4 else word
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 4:
        return word[:-1]
    return word


def _latin_key(term: str) -> str:
    return " ".join(stem(w) for w in _LATIN_WORD.findall(normalize(term)))


def _compact(term: str) -> str:
    return normalize(term).replace(" ", "")


@dataclass(frozen=True)
class Concept:
    """One concept: its names by language."""

    terms: Mapping[str, tuple[str, ...]]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(t for language in LANGUAGES for t in self.terms.get(language, ()))


@dataclass
class Dictionary:
    """Concepts, and the indexes that find them in text and in queries."""

    concepts: list[Concept] = field(default_factory=list)
    _latin: dict[str, set[int]] = field(default_factory=dict)
    _cjk: dict[str, set[int]] = field(default_factory=dict)
    _cjk_lengths: list[int] = field(default_factory=list)
    _compact: dict[str, str] = field(default_factory=dict)
    _names: list[tuple[str, ...]] = field(default_factory=list)
    _longest: int = 1  # words in the longest Latin term

    @classmethod
    def of(cls, concepts: Iterable[Concept]) -> Dictionary:
        d = cls()
        for concept in concepts:
            d.add(concept)
        return d

    def add(self, concept: Concept) -> None:
        index = len(self.concepts)
        self.concepts.append(concept)
        self._names.append(concept.names)
        lengths = set(self._cjk_lengths)
        for name in concept.names:
            compact = _compact(name)
            if compact:
                self._compact.setdefault(compact, normalize(name))
            if _CJK.search(name):
                if len(compact) >= MIN_CJK:
                    self._cjk.setdefault(compact, set()).add(index)
                    lengths.add(len(compact))
            else:
                key = _latin_key(name)
                if len(key.replace(" ", "")) >= MIN_LATIN and key.count(" ") < MAX_WORDS:
                    self._latin.setdefault(key, set()).add(index)
                    self._longest = max(self._longest, key.count(" ") + 1)
        self._cjk_lengths = sorted(lengths)

    def found_in(self, text: str) -> set[int]:
        """Indexes of the concepts `text` names."""
        found: set[int] = set()
        plain = normalize(text)
        words = [stem(w) for w in _LATIN_WORD.findall(plain)]
        for start in range(len(words)):
            for size in range(1, min(self._longest, len(words) - start) + 1):
                hit = self._latin.get(" ".join(words[start : start + size]))
                if hit:
                    found |= hit
        if _CJK.search(plain):
            compact = plain.replace(" ", "")
            for i in range(len(compact)):
                for size in self._cjk_lengths:
                    if i + size > len(compact):
                        break
                    hit = self._cjk.get(compact[i : i + size])
                    if hit:
                        found |= hit
        return found

    def expansion(self, text: str) -> list[str]:
        """Every name of every concept `text` names, each once, in concept order."""
        names: dict[str, None] = {}
        for index in sorted(self.found_in(text)):
            names.update(dict.fromkeys(self._names[index]))
        return list(names)

    def canonical(self, query: str) -> str | None:
        """The term `query` is, written as the dictionary writes it (normalized), when
        the query is one term with other spacing or plurals; else None."""
        compact = _compact(" ".join(stem(w) for w in normalize(query).split()))
        return self._compact.get(compact) or self._compact.get(_compact(query))

    def name_in(self, tag: str, language: str) -> str | None:
        """What `language` calls the concept `tag` is one name of (a sector, an offer or
        a need as imported: "sheet masks" → 마스크팩), or None when no concept has that
        name. The first concept wins when several share it."""
        if _CJK.search(tag):
            found = self._cjk.get(_compact(tag))
        else:
            found = self._latin.get(_latin_key(tag))
        if not found:
            return None
        names = self.concepts[min(found)].terms.get(language, ())
        return names[0] if names else None

    def __len__(self) -> int:
        return len(self.concepts)


def concepts_of(raw: bytes, file: str) -> list[Concept]:
    """The concepts of a terms file, or `ImportRejected` with its problems."""
    out = Collector()
    sheet = csv_sheet(file, raw, out, "utf-8")
    specs = parse_terms(sheet, out) if sheet else []
    if out.problems:
        raise ImportRejected(out.problems)
    return [Concept(dict(s.terms)) for s in specs]


@lru_cache(maxsize=1)
def built_in() -> tuple[Concept, ...]:
    """The built-in concepts (`fair/data/terms.csv`)."""
    return tuple(concepts_of(BUILT_IN.read_bytes(), "fair/data/terms.csv"))


@lru_cache(maxsize=1)
def built_in_dictionary() -> Dictionary:
    return Dictionary.of(built_in())


def fair_concepts(session: Session, fair_id: int) -> list[Concept]:
    """The organiser's concepts for the fair, in file order."""
    rows = session.exec(
        select(ProductTerm).where(ProductTerm.fair_id == fair_id).order_by(col(ProductTerm.row))
    )
    return [Concept({k: tuple(v) for k, v in r.terms.items()}) for r in rows]


def for_fair(session: Session, fair_id: int) -> Dictionary:
    """The built-in dictionary extended with the fair's own terms."""
    extra = fair_concepts(session, fair_id)
    if not extra:
        return built_in_dictionary()
    return _extended(tuple(tuple((k, tuple(v)) for k, v in c.terms.items()) for c in extra))


@lru_cache(maxsize=32)
def _extended(extra: tuple[tuple[tuple[str, tuple[str, ...]], ...], ...]) -> Dictionary:
    # Keyed by the terms themselves: a new terms.csv is a new key, never a stale entry.
    return Dictionary.of([*built_in(), *(Concept(dict(c)) for c in extra)])


def words_for(dictionary: Dictionary, words: Sequence[str], query: str) -> tuple[str, ...]:
    """The query's words as the search matches them: a query that is one dictionary
    term written another way becomes that term's words; Latin plurals are folded."""
    term = dictionary.canonical(query)
    if term is not None:
        return tuple(dict.fromkeys(term.split()))
    return tuple(dict.fromkeys(stem(w) for w in words))
