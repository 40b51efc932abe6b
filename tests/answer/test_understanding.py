"""Understanding a question: intent, follow-ups, language, quarters and numbers."""

from __future__ import annotations

import pytest

from policybot.answer.understanding import (
    detect_intent,
    is_followup,
    language,
    required_terms,
    self_description,
    understand,
)

COD = "预计全年削减多少化学需氧量？"


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("什么时候发布绿色工厂评价导则？", "deadline"),
        ("绿色工厂评价导则哪个季度发布？", "deadline"),
        ("When will the green factory evaluation guideline be published?", "deadline"),
        (COD, "quantity"),
        ("How much COD will be cut?", "quantity"),
        ("文号是什么？", "document"),
        ("这份通知是哪个部门印发的？", "document"),
        ("What is the document number?", "document"),
        ("财税〔2015〕119号是哪几个部门联合发的？", "document"),
        ("东莞倍增计划预申报通知是哪个单位、哪天发的？", "document"),
        ("科技型中小企业评价办法由哪些部门负责解释？", "party"),
        ("哪些工作要会同财政部开展？", "party"),
        ("Which ministries are involved?", "party"),
        ("哪些组织要发挥支撑作用？", "party"),  # the organisations a plan draws on
        ("Which academies will the ministry draw on?", "party"),
        ("有哪些保障措施？", "list"),
        ("入库企业出现哪些情况会被撤销登记编号？", "list"),  # a registration number, not the document's
        ("什么样的用能单位算重点用能单位？", "list"),
        ("What measures are planned?", "list"),
        ("这个文件的主要内容是什么？", "broad"),
        ("方案对水污染防治做了哪些部署？", "broad"),  # what it says of a subject, not one list
        ("意见对农机社会化服务作了哪些安排？", "broad"),
        ("绿色工厂是什么", "general"),
    ],
    ids=[
        "deadline-zh",
        "deadline-quarter",
        "deadline-en",
        "target-zh",
        "quantity-en",
        "document-zh",
        "document-issuer",
        "document-en",
        "document-joint-issuers",
        "document-issuer-and-date",
        "party-interprets",
        "party-zh",
        "party-en",
        "party-organisations",
        "party-academies",
        "list-zh",
        "list-registration-number",
        "list-what-kind",
        "list-en",
        "broad-zh",
        "broad-subject",
        "broad-subject-opinion",
        "general",
    ],
)
def test_intent(question: str, intent: str) -> None:
    assert understand(question).intent == intent


def test_no_intent_for_small_talk() -> None:
    assert detect_intent("你好") is None
    assert understand("你好").intent == "general"


def test_followup_inherits_intent_and_searches_with_the_previous_question() -> None:
    query = understand("那氨氮呢？", [COD])
    assert query.followup
    assert query.intent == "quantity"
    assert query.text == f"{COD} 那氨氮呢？"
    assert query.wants_quantity
    assert query.flat_terms == ("氨氮",)


def test_english_followup() -> None:
    query = understand("What about ammonia nitrogen?", ["How much COD will be cut?"])
    assert query.followup and query.intent == "quantity"
    assert query.text.startswith("How much COD will be cut?")


def test_followup_uses_the_latest_question() -> None:
    history = ["有哪些保障措施？", COD]
    query = understand("那氨氮呢？", history)
    assert query.intent == "quantity"
    assert query.text.startswith(COD) and "保障措施" not in query.text


def test_without_history_nothing_is_a_followup() -> None:
    query = understand("那氨氮呢？")
    assert not query.followup
    assert query.intent == "general"
    assert query.text == "那氨氮呢？"
    assert not is_followup("那氨氮呢？", [])


def test_a_full_question_is_not_a_followup() -> None:
    question = "绿色工厂评价导则什么时候发布？"
    query = understand(question, [COD])
    assert not query.followup
    assert query.intent == "deadline"
    assert query.text == question


def test_followup_with_its_own_intent_keeps_it() -> None:
    query = understand("那什么时候完成？", [COD])
    assert query.followup and query.intent == "deadline"


def test_a_short_new_question_does_not_take_the_previous_intent() -> None:
    """A short question that asks something new is no quantity question."""
    query = understand("绿色工厂是什么？", [COD])
    assert query.intent == "general", f"inherited {query.intent!r} from {COD!r}"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("什么时候发布绿色工厂评价导则？", "zh"),
        ("When will the guideline be published?", "en"),
        ("GB/T 36132 绿色工厂", "zh"),
        ("What does 绿色制造 mean?", "zh"),
        ("COD target for 2016?", "en"),
    ],
    ids=["zh", "en", "zh-with-code", "en-with-term", "en-with-number"],
)
def test_language(text: str, lang: str) -> None:
    assert language(text) == lang
    assert understand(text).lang == lang


def test_quarter_and_numbers() -> None:
    assert understand("三季度有哪些工作？").quarter == "Q3"
    assert understand("Which tasks are due in the third quarter?").quarter == "Q3"
    assert understand("第二季度要发布什么？").quarter == "Q2"
    query = understand("2016年削减八万吨吗？")
    assert query.quarter is None
    assert "2016" in query.numbers
    assert understand("有哪些保障措施？").quarter is None


def test_terms_leave_out_question_and_generic_words() -> None:
    terms = understand("什么时候发布绿色工厂评价导则？").flat_terms
    assert terms == ("绿色", "工厂", "评价", "导则")
    assert understand("你好").terms == ()


# -- the asker's own description ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "own"),
    [
        ("我们是一家刚成立8个月的软件公司，能申请认定高新技术企业吗？", "我们是一家刚成立8个月的软件公司，"),
        ("我们年用水量3万立方米，能申请节水改造补助吗？", "我们年用水量3万立方米，"),
        ("我们有150名职工，新招了20人，能申请300万元的创业担保贷款吗？", "我们有150名职工，新招了20人，"),
        ("科技型中小企业的职工总数不能超过多少人？", ""),
    ],
)
def test_self_description(question: str, own: str) -> None:
    assert self_description(question) == own


def test_figures_of_the_asker_are_not_figures_to_find() -> None:
    q = understand("我们是一家成立8个月的造纸企业，年用水量3万立方米，能申请节水改造补助吗？")
    assert q.numbers == () and q.own.startswith("我们是一家")
    asked = understand("2023年起研发费用加计扣除比例提高到多少？")
    assert asked.numbers == ("2023",)


def test_required_terms_are_nouns_outside_the_self_description() -> None:
    assert required_terms("2017年二氧化硫减排多少？") == ("二氧化硫",)
    assert "河北省" in required_terms("河北省的目标是什么？")
    assert required_terms("文件有没有提到最多扣多少比例？") == ()  # asking words, not a subject
    own = "我们是一家做连锁超市的零售企业，"
    assert "超市" not in required_terms(own + "这笔研发费用能加计扣除吗？", own)


def test_required_nouns_leave_out_the_askers_description_and_guessed_words() -> None:
    from policybot.answer.understanding import required_terms, self_description

    question = "我是一名在企业工作了8年的工程师，本科毕业，想去职业院校当专业课教师，对招聘有什么要求？"
    own = self_description(question)
    assert "工程师" in own and "工程师" not in required_terms(question, own)
    # "文里" is two characters the segmenter guessed into a word, not a noun of the question
    assert "文里" not in required_terms("119号文里规定的委托研发费用比例是多少？")


def test_short_forms_and_generic_heads_are_found() -> None:
    from policybot.answer.refusal import term_found

    assert term_found("小微", "支持小型微型企业发展")  # 小微 is 小型微型
    assert term_found("创投", "创业投资企业和个人投资者")
    assert term_found("区政府", "市、区人民政府应当每年")
    assert term_found("钢铁企业", "在钢铁、造纸等高耗水行业")  # the text speaks of the 钢铁 industry
    assert not term_found("股权", "直接从事研发活动人员的工资薪金、基本养老保险费")
    assert not term_found("学历", "引进人才的条件、待遇、程序等")


def test_asking_for_more_of_the_same_is_a_followup() -> None:
    history = ["机器人骨干企业销售机器人给省内企业有什么奖补？"]
    assert is_followup("销售业绩好的企业还能再奖励多少？", history)
    assert is_followup("超过部分还可以再补贴吗？", history)
    assert not is_followup("销售业绩好的企业能奖励多少？", history)  # a question of its own
    assert not is_followup("销售业绩好的企业还能再奖励多少？", [])


@pytest.mark.parametrize(
    "question",
    [
        "其中预留给小型微型企业的比例不低于多少？",
        "它是哪次会议修订的？",
        "该办法什么时候施行？",
        "这份文件的文号是什么？",
        "此外还有什么支持？",
        "When was it issued?",
        "What is its document number?",
    ],
)
def test_a_pronoun_leans_on_the_conversation(question: str) -> None:
    assert is_followup(question, ["北京市促进中小企业发展条例什么时候施行？"])
    assert not is_followup(question, [])


@pytest.mark.parametrize(
    "question",
    [
        "其他相关费用有上限吗？",
        "Is it possible for a company founded in 2020 to apply?",
        "Which enterprises can apply for the pilot in 2018?",
    ],
)
def test_a_question_of_its_own_is_not_a_followup(question: str) -> None:
    assert not is_followup(question, ["北京市促进中小企业发展条例什么时候施行？"])


def test_the_course_of_an_application_is_no_subject() -> None:
    from policybot.answer.understanding import required_terms

    assert not {"过程", "问题"} & set(required_terms("申报过程中有问题找谁咨询？"))
    assert not {"过程", "问题", "期间"} & set(required_terms("公示期间有问题找谁反映？"))


def test_an_unknown_noun_with_a_copula_is_joined_back() -> None:
    from policybot.answer.understanding import content_terms

    assert "公示期" in content_terms("公示期是几个工作日？")  # jieba: 公示 / 期是
    assert not any(t.endswith("是") for t in content_terms("公示期是几个工作日？"))
    assert content_terms("有效期是多久？") == ("有效期",)  # a word jieba knows is left alone
