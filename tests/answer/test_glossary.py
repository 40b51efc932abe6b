"""The English -> Chinese glossary: phrases match in the plural, longest first, on word boundaries."""

from __future__ import annotations

import pytest

from policybot.answer.glossary import Glossary
from policybot.errors import ConfigError

TSV = "implementation plan\t实施方案\nplan\t方案|计划\nkey enterprise\t骨干企业\nbox\t箱\n"


def test_a_phrase_matches_in_the_plural() -> None:
    g = Glossary.parse(TSV)
    assert g.translate("submit their implementation plans by when?") == [("implementation plan", ("实施方案",))]
    assert [p for p, _ in g.translate("Which key enterprises and boxes?")] == ["key enterprise", "box"]
    assert g.translate("planes and explanations") == []  # word boundaries: no "plan" inside other words


def test_a_bad_line_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="glossary:1"):
        Glossary.parse("no tab here")


def test_the_bundled_glossary_knows_accounting_words() -> None:
    g = Glossary.load()
    found = dict(g.translate("In which balance sheet line are warranty provisions due within one year shown?"))
    assert found["balance sheet"] == ("资产负债表",) and found["provisions"] == ("预计负债",)
    assert "质量保证" in found["warranty"]


def test_chinese_synonyms_widen_a_term() -> None:
    g = Glossary.load()
    assert g.expand("投向")[0] == "投向" and "投资于" in g.expand("投向")  # "投向初创期企业" / "投资于初创期中小企业"
    assert "公布" in g.expand("发布")


@pytest.mark.parametrize(("word", "synonym"), [("夫妻俩", "夫妻双方"), ("咨询电话", "联系电话")])
def test_the_bundled_synonyms_know_everyday_words_for_document_terms(word: str, synonym: str) -> None:
    assert synonym in Glossary.load().expand(word)
