"""Citations a reader can look up: every built-in rule names its document as 《title》（文号）.

Walks every citation the conformance kit walks (deadlines, extensions, reminders, targets,
penalties and exemptions, chains, indicators, references, substitute heads, indicator
definitions) so a new rule kind with a file-name citation fails here too.
"""

from __future__ import annotations

import re

import pytest

from core.policy.conformance import citations_of, collect_rules
from core.policy.manager import PolicyRegistry
from core.policy.types import Citation, SourceDocument

PLUGINS = ("xx_county", "wuping", "wuyang", "qiannan")
FILE_NAME = re.compile(r"\d{3}_[0-9a-f]{16}\.txt|\.txt")


@pytest.mark.parametrize("name", PLUGINS)
def test_every_citation_names_its_document_not_a_file(name: str, registry: PolicyRegistry) -> None:
    rules = collect_rules(registry, name)
    cited = citations_of(rules, registry.policy(name))
    assert len(cited) > 5
    ids = rules.rule_ids()
    for what, citation in cited:
        assert citation is not None, what
        text = citation.text
        assert str(citation) == text
        assert "《" in text and "》" in text, (what, text)
        assert not FILE_NAME.search(text), (what, text)
        assert name not in text, (what, text)
        assert not any(rule_id in text for rule_id in ids), (what, text)


def test_wuping_citation_reads_title_number_section_clause(registry: PolicyRegistry) -> None:
    rules = collect_rules(registry, "wuping")
    text = rules.deadlines[0].citation.text
    assert text.startswith(
        "《武平县人民政府办公室关于进一步做好行政机关行政应诉工作的通知》（武政办〔2023〕47号）"
    )
    assert text.endswith(f"：「{rules.deadlines[0].citation.clause}」")


def test_a_document_without_number_shows_only_its_title() -> None:
    doc = SourceDocument(key="x.txt", title="某县实施方案", issuer="某县")
    assert Citation("x.txt", "按月报送", "三", doc).text == "《某县实施方案》三：「按月报送」"
    numbered = SourceDocument(key="y.txt", title="某县通知", issuer="某县", number="某政办〔2023〕1号")
    assert (
        Citation("y.txt", "按月报送", "", numbered).text == "《某县通知》（某政办〔2023〕1号）：「按月报送」"
    )


def test_a_citation_without_document_keeps_its_written_source() -> None:
    # Administrators' target adjustments and the product's default chain cite no document.
    assert Citation("管理员设定", "理由", "2024年目标调整").text == "管理员设定 2024年目标调整：「理由」"
