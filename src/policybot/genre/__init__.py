"""Document-genre knowledge in one place: markers, title words, time expressions, numerals,
units and metadata labels of Chinese policy documents. Ingest, refusal, grounding and the
composers all read it from here, so the rules cannot drift apart."""

from policybot.genre.enactment import Enactment, EnactmentKind, asked_enactment, enactments
from policybot.genre.kinds import Genre, detect_genre
from policybot.genre.markers import (
    DOC_NUMBER,
    ITEM,
    MARKERS,
    MD_HEADING,
    META_LABEL,
    NEGATIVE,
    PERMITTED,
    TITLE_WORDS,
    SectionRole,
    asked_role,
    instructions_in,
    is_instruction,
    is_marker_line,
    is_title_line,
    marker_of,
    section_role,
    strip_marker,
)
from policybot.genre.numerals import CN_NUMERALS, cn_to_int, normalize, to_number
from policybot.genre.time import TIME_TAG, TimeExpr, TimeKind, find_times, is_time_tag, time_tag
from policybot.genre.units import Value, ValueKind, find_values, unit_kind

__all__ = [
    "CN_NUMERALS",
    "DOC_NUMBER",
    "ITEM",
    "MARKERS",
    "MD_HEADING",
    "META_LABEL",
    "NEGATIVE",
    "PERMITTED",
    "TIME_TAG",
    "TITLE_WORDS",
    "Enactment",
    "EnactmentKind",
    "Genre",
    "SectionRole",
    "TimeExpr",
    "TimeKind",
    "Value",
    "ValueKind",
    "asked_enactment",
    "asked_role",
    "cn_to_int",
    "detect_genre",
    "enactments",
    "find_times",
    "find_values",
    "instructions_in",
    "is_instruction",
    "is_marker_line",
    "is_time_tag",
    "is_title_line",
    "marker_of",
    "normalize",
    "section_role",
    "strip_marker",
    "time_tag",
    "to_number",
    "unit_kind",
]
