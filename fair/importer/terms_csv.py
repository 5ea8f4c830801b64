"""Checking a product-term file (`terms.csv`): one concept a row, its names in English,
Chinese, Korean and Japanese, several in a cell separated by semicolons.

The same check reads the built-in dictionary (`fair/data/terms.csv`, `fair.terms`) and an
organiser's optional `terms.csv`, so both follow one format. A row must link at least
two names (a concept with one name finds nothing new); each name must be written in its
column's script (Hangul for `ko`, Han or kana for `ja`, Han for `zh`, Latin letters or
digits for `en`; an upper-case acronym such as KF94 or OEM anywhere), which catches a
cell pasted into the wrong column.
"""

from __future__ import annotations

import re
from typing import Final

from fair.columns import TERMS
from fair.importer.cells import split_list
from fair.importer.rows import Collector, csv_rows
from fair.importer.specs import TermSpec

FILE = "terms.csv"
LANGUAGES: Final = ("en", "zh", "ko", "ja")
MAX_TERM = 60
ACRONYM: Final = re.compile(r"[A-Z0-9][A-Z0-9+\-]{1,9}")

_SCRIPT: Final[dict[str, tuple[re.Pattern[str], str]]] = {
    "en": (re.compile(r"[A-Za-z0-9]"), "Latin letters"),
    "zh": (re.compile(r"[\u3400-\u9fff\uf900-\ufaff]"), "Chinese characters"),
    "ko": (re.compile(r"[\uac00-\ud7a3\u3131-\u318e]"), "Hangul"),
    "ja": (re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\u3400-\u9fff\uff66-\uff9f]"), "kana or kanji"),
}


def parse_terms(raw: bytes, out: Collector, file: str = FILE) -> list[TermSpec]:
    """The concepts of a terms file, in file order; problems go to `out` naming the row
    and the column."""
    concepts: list[TermSpec] = []
    for row, cells in csv_rows(file, raw, TERMS, out):
        terms: dict[str, tuple[str, ...]] = {}
        ok = True
        for language in LANGUAGES:
            names = split_list(cells[language])
            pattern, script = _SCRIPT[language]
            for name in names:
                if len(name) > MAX_TERM:
                    out.add(file, row, language, f"{name[:20]!r}… is longer than {MAX_TERM}")
                    ok = False
                elif not pattern.search(name) and not ACRONYM.fullmatch(name):
                    out.add(file, row, language, f"{name!r} has no {script}")
                    ok = False
            if names:
                terms[language] = tuple(names)
        if ok and sum(len(v) for v in terms.values()) < 2:
            first = next(iter(terms), LANGUAGES[0])
            out.add(file, row, first, "a row links two names or more (one name finds nothing new)")
            ok = False
        if ok:
            concepts.append(TermSpec(row=row, terms=terms))
    return concepts
