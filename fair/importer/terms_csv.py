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
from fair.errors import N_
from fair.importer.cells import split_list
from fair.importer.rows import Collector, Sheet, table_rows
from fair.importer.specs import TermSpec

LANGUAGES: Final = ("en", "zh", "ko", "ja")
MAX_TERM = 60
ACRONYM: Final = re.compile(r"[A-Z0-9][A-Z0-9+\-]{1,9}")

# Each column's script, and the problem (a template, translated on the pages) without it.
_SCRIPT: Final[dict[str, tuple[re.Pattern[str], str]]] = {
    "en": (re.compile(r"[A-Za-z0-9]"), N_("%(name)s has no Latin letters")),
    "zh": (re.compile(r"[\u3400-\u9fff\uf900-\ufaff]"), N_("%(name)s has no Chinese characters")),
    "ko": (re.compile(r"[\uac00-\ud7a3\u3131-\u318e]"), N_("%(name)s has no Hangul")),
    "ja": (
        re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\u3400-\u9fff\uff66-\uff9f]"),
        N_("%(name)s has no kana or kanji"),
    ),
}


def parse_terms(sheet: Sheet, out: Collector) -> list[TermSpec]:
    """The concepts of a terms table (a CSV file or a workbook's `terms` sheet), in file
    order; problems go to `out` naming the row and the column."""
    file = sheet.label
    concepts: list[TermSpec] = []
    for row, cells in table_rows(sheet, TERMS, out):
        terms: dict[str, tuple[str, ...]] = {}
        ok = True
        for language in LANGUAGES:
            names = split_list(cells[language])
            pattern, missing = _SCRIPT[language]
            for name in names:
                if len(name) > MAX_TERM:
                    out.add(
                        file,
                        row,
                        language,
                        N_("%(start)s… is longer than %(max)s"),
                        start=repr(name[:20]),
                        max=MAX_TERM,
                    )
                    ok = False
                elif not pattern.search(name) and not ACRONYM.fullmatch(name):
                    out.add(file, row, language, missing, name=repr(name))
                    ok = False
            if names:
                terms[language] = tuple(names)
        if ok and sum(len(v) for v in terms.values()) < 2:
            first = next(iter(terms), LANGUAGES[0])
            out.add(
                file, row, first, N_("a row links two names or more (one name finds nothing new)")
            )
            ok = False
        if ok:
            concepts.append(TermSpec(row=row, terms=terms))
    return concepts
