"""ISO 639-1 two-letter language codes, the codes that scenario files use.

The list is the 184 codes of ISO 639-1 as published by the registration authority
(Library of Congress), including ``bh`` (Bihari), which was withdrawn in 2021 but still
appears in older exports.
"""

from __future__ import annotations

ISO_639_1: frozenset[str] = frozenset(
    """
    aa ab ae af ak am an ar as av ay az
    ba be bg bh bi bm bn bo br bs
    ca ce ch co cr cs cu cv cy
    da de dv dz
    ee el en eo es et eu
    fa ff fi fj fo fr fy
    ga gd gl gn gu gv
    ha he hi ho hr ht hu hy hz
    ia id ie ig ii ik io is it iu
    ja jv
    ka kg ki kj kk kl km kn ko kr ks ku kv kw ky
    la lb lg li ln lo lt lu lv
    mg mh mi mk ml mn mr ms mt my
    na nb nd ne ng nl nn no nr nv ny
    oc oj om or os
    pa pi pl ps pt
    qu
    rm rn ro ru rw
    sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw
    ta te tg th ti tk tl tn to tr ts tt tw ty
    ug uk ur uz
    ve vi vo
    wa wo
    xh
    yi yo
    za zh zu
    """.split()  # noqa: SIM905
)

# Common three-letter (ISO 639-2/3) codes and English names, used only to suggest the
# two-letter code in an error message.
SUGGESTIONS: dict[str, str] = {
    "eng": "en", "english": "en",
    "deu": "de", "ger": "de", "german": "de",
    "fra": "fr", "fre": "fr", "french": "fr",
    "spa": "es", "spanish": "es",
    "ita": "it", "italian": "it",
    "por": "pt", "portuguese": "pt",
    "nld": "nl", "dut": "nl", "dutch": "nl",
    "jpn": "ja", "japanese": "ja", "jp": "ja",
    "zho": "zh", "chi": "zh", "chinese": "zh", "cn": "zh",
    "kor": "ko", "korean": "ko", "kr": "ko",
    "rus": "ru", "russian": "ru",
    "pol": "pl", "polish": "pl",
    "swe": "sv", "swedish": "sv", "se": "sv",
    "dan": "da", "danish": "da", "dk": "da",
    "nor": "no", "norwegian": "no",
    "fin": "fi", "finnish": "fi",
    "ces": "cs", "cze": "cs", "czech": "cs", "cz": "cs",
    "tur": "tr", "turkish": "tr",
    "ara": "ar", "arabic": "ar",
    "heb": "he", "hebrew": "he", "iw": "he",
    "hin": "hi", "hindi": "hi",
    "ukr": "uk", "ukrainian": "uk", "ua": "uk",
    "ell": "el", "gre": "el", "greek": "el", "gr": "el",
    "vie": "vi", "vietnamese": "vi", "vn": "vi",
    "tha": "th", "thai": "th",
    "ind": "id", "indonesian": "id", "in": "id",
    "msa": "ms", "may": "ms", "malay": "ms",
    "hun": "hu", "hungarian": "hu",
    "ron": "ro", "rum": "ro", "romanian": "ro",
}  # fmt: skip


def suggest_language(text: str) -> str | None:
    """Return the two-letter code that ``text`` probably means, or None."""
    return SUGGESTIONS.get(text.strip().lower())
