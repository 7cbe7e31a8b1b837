"""发文字号 and 发文机关: who issues a jurisdiction's documents and under which number.

A jurisdiction may configure its issuing authority (``issuing_authority``, e.g. 武平县司法局) and its
number prefix (``document_prefix``, e.g. 武司); without them both come from its Chinese name, the way
county bureaus abbreviate: the place name without its administrative suffix, one character for a
two-character place (武平 → 武司), two for a longer one (黔南 → 黔南司).
"""

from __future__ import annotations

from core.context import ServiceContext
from core.db import dialect_insert
from core.documents.models import DocumentNumberCounter
from core.org.models import Jurisdiction

# Longest first, so 自治县 is stripped before 县.
_SUFFIXES = ("布依族苗族自治州", "自治州", "自治县", "地区", "州", "县", "市", "区", "旗", "盟")


def place_name(name: str) -> str:
    """The place without its administrative suffix (武平县 → 武平)."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def issuing_authority(j: Jurisdiction) -> str:
    """The 发文机关 as the 版头 names it (configured, or the jurisdiction's justice bureau)."""
    configured = (getattr(j, "issuing_authority", None) or "").strip()
    return configured or f"{j.name}司法局"


def document_prefix(j: Jurisdiction) -> str:
    """The 机关代字 of the 发文字号 (configured, or from the jurisdiction's Chinese short name)."""
    configured = (getattr(j, "document_prefix", None) or "").strip()
    if configured:
        return configured
    place = place_name(j.name)
    return (place[:1] if len(place) <= 2 else place[:2]) + "司"


def format_number(prefix: str, year: int, number: int) -> str:
    """武司〔2026〕12号: the year in 六角括号 〔〕, the number without leading zeros (GB/T 9704 7.2.4)."""
    return f"{prefix}〔{year}〕{number}号"


async def next_document_number(ctx: ServiceContext, j: Jurisdiction, year: int) -> str:
    """Take the jurisdiction's next 发文字号 of ``year`` (one upsert on its counter row)."""
    insert = dialect_insert(ctx.session)
    counter = DocumentNumberCounter
    statement = (
        insert(counter)
        .values(jurisdiction_id=j.id, year=year, last_number=1)
        .on_conflict_do_update(
            index_elements=[counter.jurisdiction_id, counter.year],
            set_={"last_number": counter.last_number + 1},
        )
        .returning(counter.last_number)
    )
    number = int((await ctx.session.execute(statement)).scalar_one())
    return format_number(document_prefix(j), year, number)
