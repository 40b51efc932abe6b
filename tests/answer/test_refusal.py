"""``not_listed``: "which city" is refused only when the passages name none (snippets from a State
Council pilot plan, the seed plan and a municipal notice)."""

from __future__ import annotations

import pytest

from policybot.answer.refusal import _not_listed
from policybot.answer.understanding import understand
from policybot.records import Chunk, Hit

PILOT = "确定北京、吉林、安徽、山东、湖北、湖南、广东、广西、重庆、贵州10个省（区、市）和西藏自治区拉萨市作为试点地区。"
SEED = "会同财政部在京津冀、长江经济带等区域选择一批示范城市，推进绿色制造体系试点。"
LOCAL = "各地级市人民政府要加强组织领导，县级市参照执行。"


def _hits(text: str) -> list[Hit]:
    chunk = Chunk("c", "d", "文件", ("文件", "二、试点范围"), text, text, 0, len(text), 0)
    return [Hit(chunk, 0.9)]


def test_a_named_city_is_a_list() -> None:
    assert _not_listed(understand("另外还有哪个城市？"), _hits(PILOT), PILOT, []) is None


@pytest.mark.parametrize("text", [SEED, LOCAL])
def test_cities_in_general_are_not_a_list(text: str) -> None:
    decision = _not_listed(understand("哪些城市被选为试点？"), _hits(text), text, [])
    assert decision is not None and decision.code == "not_listed"


def test_what_things_must_be_like_is_not_which_ones() -> None:
    text = "机器人设备属于工业自动化中使用的、固定式或移动式、具有三轴及三轴以上可重复编程的自动控制操作机。"
    assert _not_listed(understand("申报的机器人设备需要满足哪些技术特征？"), _hits(text), text, []) is None
    decision = _not_listed(understand("项目采用了哪些技术？"), _hits("项目采用先进适用技术。"), "", [])
    assert decision is not None and decision.code == "not_listed"


@pytest.mark.parametrize(
    ("question", "noun"),
    [
        ("科技型中小企业信息表需要填报哪些栏目？", "栏目"),
        ("申报需要提交哪些材料？", "材料"),
        ("哪些企业可以申报？", "企业"),
        ("补贴标准是多少？", None),
        ("Which cities are pilots?", None),
    ],
)
def test_the_noun_a_list_question_asks_for(question: str, noun: str | None) -> None:
    from policybot.answer.refusal import asked_noun

    assert asked_noun(understand(question)) == noun


@pytest.mark.parametrize(
    ("question", "of"),
    [
        ("企业申报绿色工厂的截止日期是什么时候？", "企业申报绿色工厂"),
        ("网上申报截止到什么时候？", "网上申报"),
        ("倍增计划预申报最迟哪天提交？", "倍增计划预申报"),
        ("什么时候发布绿色工厂评价导则？", ""),  # a schedule asked, not a deadline
        ("What is the deadline?", ""),
    ],
)
def test_what_a_deadline_is_asked_of(question: str, of: str) -> None:
    from policybot.answer.refusal import deadline_of

    assert deadline_of(understand(question)) == of


ACCOUNTING = "实施问答内容涉及固定资产准则，无形资产准则，会计政策、会计估计变更和差错更正准则，财务报表列报准则。"
REGULATION = "《北京市促进中小企业发展条例》自2020年12月1日起施行。本条例所称中小企业，按照国家有关规定认定。"
PLAN = "发布绿色工厂评价导则和绿色供应链管理试点方案。"


@pytest.mark.parametrize(
    ("question", "pool", "refused"),
    [
        ("问答里有没有关于收入准则的问题？", ACCOUNTING, True),  # others of its kind are named, not this one
        ("按新租赁准则能不能按短期租赁简化处理？", ACCOUNTING, True),
        ("按固定资产准则，企业多久复核一次使用寿命？", ACCOUNTING, False),
        ("这4个企业会计准则实施问答是哪天发布的？", ACCOUNTING, False),  # the kind in general, no subject
        ("北京条例规定的小微企业预留比例是多少？", REGULATION, False),  # 北京…条例: one title
        ("上海条例规定的小微企业预留比例是多少？", REGULATION, True),
        ("绿色工厂评价导则什么时候发布？", PLAN, False),
        ("这个条例有效期到什么时候？", REGULATION, False),  # the document itself, not a named other one
        ("收入准则怎么规定的？", PLAN, False),  # the documents name no 准则 at all: other checks decide
    ],
)
def test_a_named_standard_or_regulation_the_documents_never_name(question: str, pool: str, refused: bool) -> None:
    from policybot.answer.refusal import _unknown_instrument

    decision = _unknown_instrument(understand(question), [], pool, [])
    assert (decision is not None and decision.refuse) is refused, decision


@pytest.mark.parametrize(
    ("quote", "states"),
    [
        ("申请补助资金的企业应当同时具备下列条件：", True),
        ("项目实际完成设备投资额不低于300万元。", True),
        ("近两年未发生重大安全事故；", False),  # an item alone: the list composer quotes its lead
        ("内部开发无形资产的成本仅包括在满足资本化条件的时点至达到预定用途前发生的支出总额。", False),
        ("按照《企业会计准则第6号——无形资产》（以下简称无形资产准则）并参考应用指南，…", False),
    ],
)
def test_a_clause_that_states_a_condition_not_one_that_mentions_one(quote: str, states: bool) -> None:
    from policybot.answer.chain import _STATES_CONDITION

    assert bool(_STATES_CONDITION.search(quote)) is states


SME_MEASURE = (
    "第六条科技型中小企业须同时满足以下条件。"
    "第八条若同时符合下列条件中的一项：(一)企业拥有有效期内高新技术企业资格证书;"
)


@pytest.mark.parametrize(
    ("question", "title", "pool", "refused"),
    [
        # the brief's example: the library holds the 科技型中小企业 measure, which only lists the certificate
        ("我们成立8个月，能申请认定高新技术企业吗？", "科技型中小企业评价办法", SME_MEASURE, True),
        ("我们有50名员工，能评为科技型中小企业吗？", "科技型中小企业评价办法", SME_MEASURE, False),
        ("我们成立8个月，能申请认定高新技术企业吗？", "某市扶持办法", "经认定为高新技术企业的，给予奖励。", False),
        ("主营业务收入占比超过多少，企业就被认定为不适用加计扣除政策行业的企业？", "公告", "不适用", False),
    ],
)
def test_a_recognition_no_document_is_about(question: str, title: str, pool: str, refused: bool) -> None:
    from policybot.answer.refusal import _unheld_recognition
    from policybot.records import Document, DocumentMeta

    corpus = [Document(DocumentMeta("d", title, "d.txt", "txt", "0"), pool)]
    decision = _unheld_recognition(understand(question), [], pool, corpus)
    assert (decision is not None and decision.refuse) is refused


@pytest.mark.parametrize(
    ("term", "text", "found"),
    [
        ("行业", "烟草制造业、住宿和餐饮业、批发和零售业企业不适用本公告。", True),  # a tax 公告's list
        ("行业", "支持制造业企业开展数字化改造。", False),  # one 业 word lists no industries
        ("后果", "由市财政局追回全部补助资金，并取消其5年内申报市级财政专项资金的资格", True),  # a 实施细则
        ("后果", "对弄虚作假骗取奖励资金的，追回奖励资金，并将有关情况纳入企业信用记录。", True),  # a call
        ("后果", "企业应当于资金到账后1年内报送资金使用情况报告。", False),
    ],
)
def test_a_category_is_found_through_its_members(term: str, text: str, found: bool) -> None:
    from policybot.answer.refusal import term_found

    assert term_found(term, text) is found
