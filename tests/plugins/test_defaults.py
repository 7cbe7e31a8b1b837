"""The national defaults: the escalation chain says it is the product's default, not a law, and the
law texts shipped as package data hold the clauses as published (issue 21)."""

from __future__ import annotations

from importlib import resources

from core.policy.conformance import normalise
from plugins.defaults import DEFAULT_CHAIN

LAW = resources.files("plugins.defaults").joinpath("sources/national_law.txt")


def test_default_chain_cites_no_internal_document() -> None:
    assert DEFAULT_CHAIN.citation is not None
    shown = str(DEFAULT_CHAIN.citation)
    assert "DOMAIN" not in shown and ".md" not in shown
    assert "非法律规定" in shown  # a user reads that this is the product's default


def test_national_law_texts_ship_with_the_plugin() -> None:
    text = normalise(LAW.read_text(encoding="utf-8"))
    for clause in (
        "被告应当在收到起诉状副本之日起十五日内向人民法院提交作出行政行为的证据和所依据的规范性文件，并提出答辩状",
        "当事人不服人民法院第一审判决的，有权在判决书送达之日起十五日内向上一级人民法院提起上诉",
        "民法所称的“以上”、“以下”、“以内”、“届满”，包括本数；所称的“不满”、“超过”、“以外”，不包括本数",
        "行政机关负责人有正当理由不能出庭的，应当提交相关证明材料，并加盖行政机关印章或者由该机关主要负责人签字认可",
    ):
        assert normalise(clause) in text
