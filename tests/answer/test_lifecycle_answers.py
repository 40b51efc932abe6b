"""Lifecycle questions answered end to end by the real answerer (the lifecycle composer), and
status notes beside citations of documents that are not in force."""

from __future__ import annotations

from datetime import date

import pytest

from policybot.service import PolicyBot


@pytest.fixture(scope="module")
def bot(lifecycle_bot: PolicyBot) -> PolicyBot:
    return lifecycle_bot


@pytest.mark.parametrize(
    ("question", "status", "doc", "quoted"),
    [
        (
            "2020年11月30日，北京市促进中小企业发展条例施行了吗？",
            "未生效",
            "beijing-sme-regulation-2020",
            "2020年12月1日",
        ),
        (
            "截至2024年6月30日，北京市促进中小企业发展条例还有效吗？",
            "现行",
            "beijing-sme-regulation-2020",
            "2020年12月1日",
        ),
        ("2017年12月31日，中小企业促进法施行了吗？", "未生效", "sme-promotion-law-2017", "2018年1月1日"),
        ("“机器人”专项资金申报条件及要求还有效吗？", "已失效", "dongguan-robot-fund-2016", "2016年10月31日"),
        ("2015年12月31日，财税〔2015〕119号通知生效了吗？", "未生效", "caishui-2015-119", "2016年1月1日"),
    ],
)
def test_validity_is_stated_and_cited(bot: PolicyBot, question: str, status: str, doc: str, quoted: str) -> None:
    answer = bot.ask(question)
    assert not answer.refused
    first = answer.text.split("（注意")[0]
    assert [w for w in ("已废止", "已失效", "现行", "未生效") if w in first] == [status]
    assert any(c.doc_id == doc and quoted in c.quote for c in answer.citations)


def test_what_repealed_a_document_outside_the_corpus(bot: PolicyBot) -> None:
    answer = bot.ask("哪个文件废止了国税发〔2008〕116号？")  # the refusal check alone would refuse it
    assert not answer.refused and "国税发〔2008〕116号" in answer.text
    assert [c.doc_id for c in answer.citations] == ["caishui-2015-119"]
    partial = bot.ask("哪个文件废止了97号公告的部分条款？")
    assert "国家税务总局公告2017年第40号" in partial.text and partial.citations[0].doc_id == "sat-2015-97"


def test_basis_and_local_version(bot: PolicyBot) -> None:
    answer = bot.ask("北京市促进中小企业发展条例是根据哪部法律制定的？")
    assert "中华人民共和国中小企业促进法" in answer.text and "地方版本" in answer.text
    assert answer.citations[0].doc_id == "beijing-sme-regulation-2020"
    assert "财税〔2015〕119号" in bot.ask("97号公告是根据哪个文件制定的？").text


def test_the_documents_implementing_one(bot: PolicyBot) -> None:
    answer = bot.ask("财税〔2015〕119号出台后，国家税务总局又发了哪份公告来落实研发费用加计扣除？")
    assert "国家税务总局公告2015年第97号" in answer.text and "实施文件" in answer.text, answer.text
    assert {c.doc_id for c in answer.citations} == {"sat-2015-97"}
    local = bot.ask("落实中小企业促进法的是哪个文件？")
    assert "北京市促进中小企业发展条例" in local.text and "地方版本" in local.text, local.text


def test_open_windows_on_a_date(bot: PolicyBot) -> None:
    answer = bot.ask("2016年5月10日，还有哪些项目可以申报？")
    assert {c.doc_id for c in answer.citations} == {"dongguan-robot-fund-2016"}
    assert "2016年5月20日" in answer.text


def test_a_citation_of_an_expired_document_carries_its_status(bot: PolicyBot) -> None:
    answer = bot.ask("机器人专项资金的申报条件有哪些？")
    expired = [c for c in answer.citations if c.doc_id == "dongguan-robot-fund-2016"]
    assert expired and all(c.status == "已失效" and c.status_quote for c in expired)
    assert "已失效" in answer.text and "status: dongguan-robot-fund-2016 已失效" in answer.notes
    current = bot.ask("研发费用加计扣除的其他相关费用有没有上限？")
    assert all(c.status is None for c in current.citations if c.doc_id == "caishui-2015-119")


def test_the_status_note_is_in_the_question_language(seed_bot: PolicyBot) -> None:
    """The seed (the 2016 action plan) has expired: said in English beside an English answer."""
    english = seed_bot.ask("When will the green factory evaluation guideline be published?")
    assert english.citations and english.citations[0].status == "已失效"
    assert "(Note: [1] cite 《" in english.text and "no longer in force as of today" in english.text
    assert "（注意" not in english.text
    chinese = seed_bot.ask("什么时候发布绿色工厂评价导则？")
    assert "（注意：[1]所引《" in chinese.text and "截至今天已失效" in chinese.text


# ---- a repealed document and the one that replaced it (tests/lifecycle/replacement) ------------


def test_the_answer_comes_from_the_document_in_force(replacement_bot: PolicyBot) -> None:
    answer = replacement_bot.ask("科技型中小企业研发费用补助每家企业最高补助多少？")
    assert not answer.refused and answer.text.startswith("80万元")
    assert {c.doc_id for c in answer.citations} == {"binhai-rd-subsidy-2021"}
    assert all(c.status is None for c in answer.citations)
    then = replacement_bot.ask("科技型中小企业研发费用补助每家企业最高补助多少？", as_of=date(2016, 6, 1))
    assert then.text.startswith("50万元") and {c.doc_id for c in then.citations} == {"binhai-rd-subsidy-2015"}


def test_citing_the_repealed_document_names_and_quotes_its_replacement(replacement_bot: PolicyBot) -> None:
    answer = replacement_bot.ask("滨科发〔2015〕3号规定的补助申请什么时候提交？")
    old, new = answer.citations[0], answer.citations[-1]
    assert old.doc_id == "binhai-rd-subsidy-2015" and old.status == "已废止" and "3月31日前" in old.quote
    assert old.status_quote and "同时废止" in old.status_quote  # the repeal clause of the new 办法, cited
    assert new.doc_id == "binhai-rd-subsidy-2021" and new.status is None
    assert "4月30日前" in new.quote and "同时废止" not in new.quote  # its clause on the same point
    assert (
        "截至今天已废止" in answer.text and "已被《滨海市科技型中小企业研发投入补助实施办法》废止或替代" in answer.text
    )
    assert f"现行的《滨海市科技型中小企业研发投入补助实施办法》在这一点上规定：“{new.quote}”[{new.id}]" in answer.text
    assert "status: binhai-rd-subsidy-2015 已废止" in answer.notes


def test_the_replacement_is_quoted_in_english_too(replacement_bot: PolicyBot) -> None:
    answer = replacement_bot.ask("What is the maximum subsidy per enterprise under 滨科发〔2015〕3号?")
    assert any(c.doc_id == "binhai-rd-subsidy-2015" and c.status == "已废止" for c in answer.citations)
    assert "On this point 《滨海市科技型中小企业研发投入补助实施办法》, in force, says: “" in answer.text
    assert "80万元" in answer.citations[-1].quote


def test_the_llm_reads_the_document_in_force_first(replacement_bot: PolicyBot) -> None:
    from test_llm import FakeOpenAI

    from policybot.answer.chain import ExtractiveAnswerer
    from policybot.answer.llm import LLMAnswerer
    from policybot.config import Settings

    base = replacement_bot.answerer
    assert isinstance(base, ExtractiveAnswerer)
    with FakeOpenAI() as server:
        settings = Settings(llm_base_url=server.base_url, llm_model="qwen-test", llm_api_key="k", llm_timeout=5)
        llm = LLMAnswerer.from_settings(base, settings)
        server.replies.append((200, "每家企业每年最高补助80万元[1]。"))
        answer = llm.ask("科技型中小企业研发费用补助每家企业最高补助多少？")
        prompt = server.requests[-1]["messages"][-1]["content"]
        first = prompt.split('<资料 编号="1"')[1].split("</资料>")[0]
        assert "最高补助80万元" in first and answer.mode == "llm"  # source [1] is the 办法 in force
        assert [c.doc_id for c in answer.citations] == ["binhai-rd-subsidy-2021"]
        asked = len(server.requests)
        then = llm.ask("滨海市科技型中小企业研发费用补助办法还有效吗？", as_of=date(2016, 6, 1))
        assert len(server.requests) == asked and then.mode == "extractive"  # a day given: the extractive answer
        assert then.text.startswith("截至2016年6月1日，《滨海市科技型中小企业研发费用补助办法》现行")


def test_what_a_document_repeals_is_named_with_its_numbers(bot: PolicyBot) -> None:
    answer = bot.ask("119号通知执行后，原来的哪两个文件同时废止了？")
    assert not answer.refused, answer.text
    assert "国税发〔2008〕116号" in answer.text and "财税〔2013〕70号" in answer.text, answer.text
    assert answer.text.index("废止了") < answer.text.index("国税发〔2008〕116号")  # not "…已被…废止"
    assert "同时废止" in answer.citations[0].quote
