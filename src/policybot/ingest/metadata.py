"""Document metadata: title, document number (文号), issuer, issue date.

Read from the cleaned text itself (the 〔2016〕113号 pattern, the signature and date lines, the
title line with its 《…》), then overridden by an optional sidecar file next to the source:
``name.meta.json`` or ``name.meta.yaml`` with any of ``doc_id``, ``title``, ``short_title``,
``doc_number``, ``issuer``, ``issue_date``, and the lifecycle overrides ``effective_date``,
``expiry_date``, ``repealed_date``, ``replaced_by`` (or 施行日期, 失效日期, 废止日期, 被替代).
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from policybot.errors import DocumentError
from policybot.genre import DOC_NUMBER
from policybot.records import DocumentMeta

__all__ = ["SIDECAR_FIELDS", "extract_meta", "read_sidecar", "sidecar_path"]

SIDECAR_FIELDS = (
    "doc_id",
    "title",
    "short_title",
    "doc_number",
    "issuer",
    "issue_date",
    "genre",
    "provenance",
    "source_url",
    "effective_date",
    "expiry_date",
    "repealed_date",
    "replaced_by",
)
#: Chinese names a sidecar may use for the lifecycle fields.
SIDECAR_ALIASES = {
    "施行日期": "effective_date",
    "生效日期": "effective_date",
    "失效日期": "expiry_date",
    "废止日期": "repealed_date",
    "被替代": "replaced_by",
    "替代文件": "replaced_by",
}
_DATE_FIELDS = ("issue_date", "effective_date", "expiry_date", "repealed_date")

_DOC_NUMBER = DOC_NUMBER
_DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
_CN_DATE = re.compile(
    r"^([〇○零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日$"
)
_ISSUER_END = re.compile(r"(部|委|局|厅|院|办公室|政府|委员会|办公厅|中心|署|会|行|所|处)$")
_TITLE = re.compile(
    r"(通知|方案|办法|规定|意见|细则|指南|规划|计划|决定|条例|公告|通告|纲要|导则|批复|函|问答|答问|解读|措施|指引|清单|目录)$"
)
_QUOTED = re.compile(r"《([^》]{2,80})》")
_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0}


def _cn_number(text: str) -> int:
    """一 .. 三十一 -> int (enough for months and days)."""
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return _CN_DIGITS[text]


def _iso_date(line: str) -> str | None:
    m = _DATE.match(line)
    if m:
        y, mo, d = (int(g) for g in m.groups())
    else:
        c = _CN_DATE.match(line)
        if not c:
            return None
        y = int("".join(str(_CN_DIGITS[ch]) for ch in c.group(1)))
        mo, d = _cn_number(c.group(2)), _cn_number(c.group(3))
    try:
        return datetime.date(y, mo, d).isoformat()
    except ValueError:
        return None


def _first_title(lines: list[str]) -> str | None:
    for line in lines[:12]:
        if len(line) <= 80 and not any(c in line for c in "。；，") and _TITLE.search(line.rstrip("》")):
            return line
    return None


_PLACE = re.compile(r"^[\u4e00-\u9fff]{2,4}?[省市区县州盟]")


def _issuers(line: str) -> str:
    """Joint issuers run together once the spaces between them are cleaned away ("云溪市工业和信息化局
    云溪市财政局"), split where their place repeats and joined with spaces, as written elsewhere
    ("财政部 国家税务总局 科技部")."""
    place = _PLACE.match(line)
    if place is None:
        return line
    parts = [p for p in re.split(f"(?={re.escape(place.group(0))})", line) if p]
    if len(parts) < 2 or not all(_ISSUER_END.search(p) for p in parts):
        return line
    return " ".join(parts)


def extract_meta(text: str, *, doc_id: str, source: str, fmt: str, content_hash: str) -> DocumentMeta:
    """Metadata read from cleaned text (one paragraph per line)."""
    lines = [ln.strip().lstrip("#").strip() for ln in text.split("\n") if ln.strip()]
    title = _first_title(lines) or (lines[0][:60] if lines else doc_id)
    number = _own_number("\n".join(lines[:20]))
    issuer, issued = None, None
    for i, line in enumerate(lines):
        iso = _iso_date(line)
        if iso:
            issued = iso
            signers: list[str] = []
            for prev in reversed(lines[max(0, i - 4) : i]):  # a joint document signs on a line each
                if len(prev) > 30 or not _ISSUER_END.search(prev) or any(c in prev for c in "。，；："):
                    break
                signers.insert(0, _issuers(prev))
            issuer = " ".join(signers) or None
            break
    short = None
    if re.search(r"关于(?:印发|发布|转发|颁布)|^印发", title):
        quoted = _QUOTED.search(title)
        short = quoted.group(1) if quoted else None
    return DocumentMeta(
        doc_id=doc_id,
        title=title,
        source=source,
        format=fmt,
        content_hash=content_hash,
        doc_number=re.sub(r"\s+", "", number.group(0)) if number else None,
        issuer=issuer,
        issue_date=issued,
        short_title=short,
    )


def _own_number(head: str) -> re.Match[str] | None:
    """The first 文号 of ``head`` that is not a cited document's: "《企业会计准则第6号——无形资产》
    （财会〔2006〕3号）" names another document's number."""
    for pattern in (_DOC_NUMBER, _ANNOUNCEMENT_NUMBER):  # 财税〔2015〕119号, else 国家税务总局公告2015年第97号
        for m in pattern.finditer(head):
            if not re.search(r"》\s*[（(]\s*$", head[max(0, m.start() - 4) : m.start()]):
                return m
    return None


#: A numbered announcement's own number on a line of its own ("国家税务总局湖南省税务局公告2025年第2号"),
#: when its head has no 〔year〕 number; in a sentence it cites another announcement.
_ANNOUNCEMENT_NUMBER = re.compile(r"(?m)^\s*[\u4e00-\u9fff]{2,24}公告\s*\d{4}\s*年\s*第\s*\d{1,4}\s*号\s*$")


def sidecar_path(source: Path) -> Path | None:
    """The sidecar next to ``source`` (``x.meta.json`` / ``x.meta.yaml`` / ``x.meta.yml``)."""
    for suffix in (".meta.json", ".meta.yaml", ".meta.yml"):
        candidate = source.with_name(source.stem + suffix)
        if candidate.is_file():
            return candidate
    return None


def read_sidecar(path: Path) -> dict[str, str]:
    """The overrides a sidecar holds; unknown keys or a malformed file are a DocumentError."""
    try:
        raw = path.read_text(encoding="utf-8")
        data: Any = json.loads(raw) if path.suffix == ".json" else yaml.safe_load(raw)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise DocumentError(f"{path}: cannot read metadata sidecar ({exc.__class__.__name__})") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise DocumentError(f"{path}: a metadata sidecar must be a mapping of field: value")
    data = {SIDECAR_ALIASES.get(str(k), k): v for k, v in data.items()}
    unknown = sorted(set(data) - set(SIDECAR_FIELDS))
    if unknown:
        raise DocumentError(
            f"{path}: unknown metadata field(s) {', '.join(unknown)}; allowed: {', '.join(SIDECAR_FIELDS)}"
        )
    values = {k: str(v) for k, v in data.items() if v is not None}
    for name in _DATE_FIELDS:
        if name in values:
            values[name] = _sidecar_date(path, name, values[name].strip())
    return values


def _sidecar_date(path: Path, name: str, raw: str) -> str:
    iso = _iso_date(raw) or _iso_date(raw.replace("/", "年", 1).replace("/", "月", 1) + "日")
    if iso is None:
        try:
            iso = datetime.date.fromisoformat(raw).isoformat()
        except ValueError:
            raise DocumentError(f"{path}: {name} {raw!r} is not a date (use YYYY-MM-DD)") from None
    return iso


def apply_sidecar(meta: DocumentMeta, overrides: dict[str, str]) -> DocumentMeta:
    return replace(meta, **overrides) if overrides else meta
