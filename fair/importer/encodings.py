"""Which encoding a CSV file is in: what Excel writes in each locale, detected or chosen.

Excel's "CSV" is in the machine's legacy code page: GB18030 (GBK) on Chinese Windows,
CP949 on Korean, Shift_JIS (CP932) on Japanese; "CSV UTF-8" adds a byte-order mark and
"Unicode text" is UTF-16 with one. Detection, in this order:

1. A byte-order mark decides (UTF-8, UTF-16 LE or BE).
2. Strict UTF-8: text in any of the legacy code pages is almost never valid UTF-8 (their
   bytes above 0x7F come in pairs that break UTF-8's lead/continuation pattern), while
   plain ASCII is the same in all of them, so UTF-8 goes first.
3. Strict decoding as GB18030, CP949 and Shift_JIS. Several often succeed on the same
   bytes (GB18030 decodes almost anything, and an EUC-KR Hangul pair is also a valid
   GB2312 pair), so each reading is scored by how much of its non-ASCII text lies in
   what that locale's text is made of: GB2312 characters for Chinese; Korean's
   KS X 1001 Hangul syllables (a rarely written shape counts half, a hanja a fifth);
   Japanese kana and JIS X 0208 kanji (not half-width katakana or private-use code
   points, which are what other encodings' bytes turn into). One Korean trait is
   checked on its own: KS X 1001 Hangul occupies the same byte rows (0xB0-0xC8) as part
   of GB2312's hanzi, so Korean text read as GB18030 scores well as Chinese, but all
   its hanzi fall in those rows, which real Chinese text never does for long; when
   the CP949 reading is also mostly common Hangul shapes, the bytes are Korean.
4. A single strict reading is taken as it is. Of several, the best wins when it scores
   clearly above the others; otherwise the file is ambiguous and the organiser chooses
   the encoding (`--encoding`, or the upload form's choice).
"""

from __future__ import annotations

import codecs
import unicodedata
from typing import Final

from fair.errors import N_

AUTO: Final = "auto"
# Label shown and accepted → Python codec. Shift_JIS is read as CP932, Windows' superset
# (NEC and IBM extensions) that Excel really writes; CP949 is Windows' superset of EUC-KR.
ENCODINGS: Final[dict[str, str]] = {
    "utf-8": "utf-8-sig",
    "utf-16": "utf-16",
    "gb18030": "gb18030",
    "cp949": "cp949",
    "shift_jis": "cp932",
}
LEGACY: Final = ("gb18030", "cp949", "shift_jis")
CHOICES: Final = (AUTO, *ENCODINGS)

MARGIN = 0.2  # how far ahead the best reading must be
MINIMUM = 0.6  # below this fit no reading is taken for the organiser's language
SHADOW_MINIMUM = 6  # distinct characters before the Korean trait is trusted


class Undecodable(Exception):
    """The bytes are in no encoding we can tell; `template` % `params` says why."""

    def __init__(self, template: str, params: dict[str, str] | None = None) -> None:
        super().__init__(template)
        self.template = template
        self.params = params or {}

    def __str__(self) -> str:
        return self.template % self.params if self.params else self.template


def normalise(name: str) -> str:
    """An encoding label as the form and the command line accept it (`auto` included)."""
    label = name.strip().lower().replace("_", "-")
    aliases = {
        "": AUTO,
        "utf8": "utf-8",
        "utf-8-sig": "utf-8",
        "utf-16le": "utf-16",
        "utf-16be": "utf-16",
        "utf16": "utf-16",
        "gbk": "gb18030",
        "gb2312": "gb18030",
        "euc-kr": "cp949",
        "uhc": "cp949",
        "shift-jis": "shift_jis",
        "sjis": "shift_jis",
        "cp932": "shift_jis",
        "windows-31j": "shift_jis",
    }
    label = aliases.get(label, label)
    if label not in CHOICES:
        raise ValueError(f"unknown encoding {name!r} (choose one of {', '.join(CHOICES)})")
    return label


def decode(raw: bytes, encoding: str = AUTO) -> tuple[str, str]:
    """(text, encoding label) of `raw`, in the detected encoding; raises `Undecodable`
    naming the first bad byte, or the candidates when ambiguous. A chosen `encoding`
    replaces the legacy guess (step 3): a byte-order mark or valid UTF-8 still decide
    first, so one choice serves a mix of UTF-8 files and a locale's CSV."""
    if encoding in ("utf-8", "utf-16") or (encoding != AUTO and not _unicode(raw)):
        return _strict(raw, encoding), encoding
    if raw.startswith(codecs.BOM_UTF8):
        return _strict(raw, "utf-8"), "utf-8"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(raw, "utf-16"), "utf-16"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    readings: dict[str, str] = {}
    for label in LEGACY:
        try:
            readings[label] = raw.decode(ENCODINGS[label])
        except UnicodeDecodeError:
            continue
    if not readings:
        raise Undecodable(
            N_(
                "not text in UTF-8, UTF-16, GB18030, CP949 or Shift_JIS; save the sheet as "
                "CSV UTF-8"
            )
        )
    label = next(iter(readings)) if len(readings) == 1 else choose(readings)
    return readings[label], label


def _unicode(raw: bytes) -> bool:
    """Whether a byte-order mark or valid UTF-8 settles the encoding."""
    if raw.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def choose(readings: dict[str, str]) -> str:
    """The legacy reading that is clearly the locale's text, or `Undecodable`."""
    scores = {label: fit(label, text) for label, text in readings.items()}
    if "cp949" in readings and "gb18030" in readings and korean_shadow(readings):
        scores["gb18030"] = 0.0
    ranked = sorted(scores, key=lambda label: scores[label], reverse=True)
    best = ranked[0]
    runner_up = scores[ranked[1]] if len(ranked) > 1 else 0.0
    if scores[best] >= MINIMUM and scores[best] - runner_up >= MARGIN:
        return best
    raise Undecodable(
        N_(
            "the encoding is ambiguous (it reads as %(candidates)s); choose the encoding "
            "explicitly, or save the sheet as CSV UTF-8"
        ),
        {"candidates": ", ".join(ranked)},
    )


def _strict(raw: bytes, label: str) -> str:
    try:
        return raw.decode(ENCODINGS[label])
    except UnicodeDecodeError as exc:
        raise Undecodable(
            N_("not %(encoding)s text (byte %(byte)s, line %(line)s)"),
            {
                "encoding": label,
                "byte": str(exc.start),
                "line": str(raw[: exc.start].count(b"\n") + 1),
            },
        ) from None


def _encodes(char: str, codec: str) -> bytes | None:
    try:
        return char.encode(codec)
    except UnicodeEncodeError:
        return None


def _weight(label: str, char: str) -> float:
    """How typical `char` is of text in `label`'s locale (0 to 1)."""
    if unicodedata.category(char) in ("Co", "Cn"):
        return 0.0
    if label == "gb18030":
        # GB2312's characters, and those GB18030 writes in four bytes (a second byte
        # 0x30-0x39, which no other of these encodings produces).
        encoded = _encodes(char, "gb18030") or b""
        return 1.0 if _encodes(char, "gb2312") or len(encoded) == 4 else 0.0
    if label == "cp949":
        # KS X 1001 proper: two bytes in EUC-KR (Python spells other syllables as
        # eight-byte jamo sequences).
        encoded = _encodes(char, "euc_kr") or b""
        if len(encoded) != 2:
            return 0.0
        if unicodedata.name(char, "").startswith("CJK UNIFIED"):
            return 0.2
        return 0.5 if rare_hangul(char) else 1.0
    if "\uff61" <= char <= "\uff9f":  # half-width katakana: what stray bytes become
        return 0.0
    return 1.0 if _encodes(char, "euc_jp") else 0.0


def fit(label: str, text: str) -> float:
    """The share of `text`'s non-ASCII characters typical of `label`'s locale."""
    chars = [c for c in text if ord(c) > 0x7F]
    if not chars:
        return 1.0
    return sum(_weight(label, c) for c in chars) / len(chars)


# Hangul syllables Korean seldom writes: a compound final consonant (ㄳ ㄵ ㄶ ㄺ ㄻ ㄼ ㄽ
# ㄾ ㄿ ㅀ ㅄ) or ㅋ ㅌ ㅍ as a final, or the vowels ㅒ ㅖ ㅙ ㅞ ㅟ ㅢ. About a quarter of
# KS X 1001's syllables, so of the "Hangul" other bytes turn into, and a few per cent of
# Korean names and company words.
RARE_FINALS = frozenset({3, 5, 6, 9, 10, 11, 12, 13, 14, 15, 18, 24, 25, 26})
RARE_VOWELS = frozenset({3, 7, 10, 15, 16, 19})


def rare_hangul(char: str) -> bool:
    index = ord(char) - 0xAC00
    if not 0 <= index < 11172:
        return False
    return index % 28 in RARE_FINALS or (index % 588) // 28 in RARE_VOWELS


def korean_shadow(readings: dict[str, str]) -> bool:
    """Whether the bytes look like Korean read as Chinese: mostly common Hangul as CP949,
    and as GB18030 nearly all hanzi from the byte rows KS X 1001 puts Hangul in. Chinese
    text leaves those rows (GB2312 level 1 is in pinyin order: 是, 有, 在, 我, 中, 团 and
    most of the alphabet lie beyond them) within a few characters. Counted over distinct
    characters, so that a few words repeated down a column weigh as little as they tell."""
    wide = {c for c in readings["cp949"] if ord(c) > 0x7F}
    hangul = {c for c in wide if "\uac00" <= c <= "\ud7a3"}
    if len(wide) < SHADOW_MINIMUM or len(hangul) < 0.7 * len(wide):
        return False
    if sum(rare_hangul(c) for c in hangul) > 0.1 * len(hangul):
        return False
    # Korean read as GB18030 yields GB2312 hanzi only (KS X 1001 pairs are GB2312 pairs).
    hanzi = {c for c in readings["gb18030"] if ord(c) > 0x7F}
    rows = [b[0] for c in hanzi if (b := _encodes(c, "gb2312"))]
    return bool(rows) and sum(0xB0 <= r <= 0xC8 for r in rows) >= 0.85 * len(rows)
