"""The composers over a real index of five documents of four genres (a regulation, a tax notice
and its implementing announcement, a call for applications and an opinion with targets), with the
real model: quote-first values, lists, refusals, and a composer plugged in through the registry."""

from __future__ import annotations

from typing import Any

import pytest

from docfiles import PLANTED
from policybot.answer.chain import ExtractiveAnswerer
from policybot.answer.compose import Draft
from policybot.answer.composers import REGISTRY, compose, register
from policybot.answer.context import AnswerContext
from policybot.answer.understanding import understand
from policybot.service import PolicyBot
from support import ROOT, ingested_bot

DOCS = ("guokefazheng-2017-115", "caishui-2015-119", "sat-2015-97", "dongguan-robot-fund-2016", "guofa-2018-42")


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> PolicyBot:
    files = [path for doc in DOCS for path in (ROOT / "corpus").glob(f"{doc}.*")]
    bot: PolicyBot = ingested_bot(tmp_path_factory.mktemp("genres"), files, embedder)
    return bot


@pytest.mark.parametrize(
    ("question", "value", "doc", "section"),
    [
        ("科技型中小企业的职工总数不能超过多少人？", "500人", "guokefazheng-2017-115", "第六条"),
        ("科技型中小企业综合评价得分至少要多少分？", "60分", "guokefazheng-2017-115", "第六条"),
        (
            "企业委托外部机构进行研发活动，按实际发生额的多少计入委托方研发费用？",
            "80%",
            "caishui-2015-119",
            "二、特别事项的处理",
        ),
        ("财税〔2015〕119号通知从哪天开始执行？", "2016年1月1日", "caishui-2015-119", "六、执行时间"),
        (
            "机器人骨干企业优惠销售给本省企业，财政按多少比例予以事后奖补？",
            "30%",
            "dongguan-robot-fund-2016",
            "一、专题方向",
        ),
        ("2020年全国农作物耕种收综合机械化率要达到多少？", "70%", "guofa-2018-42", "（二）发展目标"),
        ("2025年全国农作物耕种收综合机械化率要达到多少？", "75%", "guofa-2018-42", "（二）发展目标"),
    ],
)
def test_the_value_leads_then_the_source_then_the_clause(
    bot: PolicyBot, question: str, value: str, doc: str, section: str
) -> None:
    answer = bot.ask(question)
    assert not answer.refused, answer.notes
    lead = answer.text.split("\n")[0]
    assert value in lead  # the value as the source writes it, first
    assert "目标是" not in answer.text  # no frame the source does not use
    first = answer.citations[0]
    assert first.doc_id == doc and section in first.section
    assert value in first.quote and first.quote in answer.text  # the clause, verbatim


def test_the_year_asked_picks_the_value_of_that_year(bot: PolicyBot) -> None:
    text = bot.ask("2020年全国农作物耕种收综合机械化率要达到多少？").text.split("\n")[0]
    assert "70%" in text and "75%" not in text


def test_the_askers_own_figures_do_not_refuse(bot: PolicyBot) -> None:
    answer = bot.ask("我们是一家成立8个月的软件公司，职工150人，委托外部机构研发的费用能按多大比例计入研发费用？")
    assert not answer.refused and "80%" in answer.text


def test_a_list_quotes_its_items(bot: PolicyBot) -> None:
    answer = bot.ask("哪些行业不适用税前加计扣除政策？")
    assert not answer.refused
    for industry in ("烟草制造业", "住宿和餐饮业", "批发和零售业", "房地产业"):
        assert industry in answer.text
    assert {c.doc_id for c in answer.citations} == {"caishui-2015-119"}


@pytest.mark.parametrize(
    "question",
    [
        "2023年起研发费用加计扣除比例提高到多少？",
        "惠州市对购买机器人的企业补贴多少？",
        "方向1中，机器人销售额达到多少才算“销售业绩好”，可以再获得10%的奖励？",  # 10% is the asker's figure
    ],
)
def test_what_no_document_says_is_refused(bot: PolicyBot, question: str) -> None:
    answer = bot.ask(question)
    assert answer.refused and answer.see_also and not answer.citations


def test_a_calls_conditions_come_from_its_conditions_section(bot: PolicyBot) -> None:
    answer = bot.ask("机器人专项资金的申报条件有哪些？")
    assert not answer.refused
    assert all("二、申报条件" in c.section for c in answer.citations) and len(answer.citations) >= 3
    assert "规模以上工业企业" in answer.text


def test_contacts_are_quoted(bot: PolicyBot) -> None:
    answer = bot.ask("机器人专项资金申报材料报送到哪里，联系电话是多少？")
    assert not answer.refused and "0769-22221295" in answer.text
    assert "技术进步与质量科" in answer.text  # where it is sent: the first ask, answered on its own
    assert answer.citations[0].doc_id == "dongguan-robot-fund-2016"


@pytest.mark.parametrize(
    ("question", "code"),
    [
        ("按财税〔2018〕64号，企业委托境外机构研发的费用可以按多少比例计入加计扣除？", "unknown_document"),
        ("上海市税务局对研发费用加计扣除的具体核查办法是怎么规定的？", "place_missing"),
        ("97号公告附件里的《自主研发“研发支出”辅助账》具体要填哪些栏目？", "attachment_only"),
        ("研发人员的股权激励支出能不能计入人员人工费用加计扣除？", "subject_missing"),
        ("科技型中小企业信息表需要填报哪些栏目？", "subject_missing"),  # the list asked of is never mentioned
    ],
)
def test_refusal_reasons(bot: PolicyBot, question: str, code: str) -> None:
    answer = bot.ask(question)
    assert answer.refused and answer.notes == (f"refusal: {code}",)


def test_a_place_that_describes_the_asker_is_not_a_subject(bot: PolicyBot) -> None:
    answer = bot.ask("我们是河北一家软件企业，委托外部机构研发的费用能按多大比例计入研发费用？")
    assert not answer.refused and "80%" in answer.text


class _Echo:
    """A composer a plugin might add: answers 联系人 questions with the first clause naming one."""

    name = "contact"

    def accepts(self, ctx: AnswerContext) -> bool:
        return "联系" in ctx.query.question

    def compose(self, ctx: AnswerContext, draft: Draft) -> bool:
        clause = next((c for c in ctx.clauses if "联系" in c.text and c.doc_id in ctx.top_documents()), None)
        if clause is None:
            return False
        draft.add(f"“{clause.text}”" + draft.cite(ctx.index.chunks[clause.chunk_row], clause.text, 1.0))
        return True


def test_a_composer_plugs_in_through_the_registry(bot: PolicyBot) -> None:
    query = understand("机器人专项资金申报的联系人是谁？")
    hits = bot.retriever.search(query.text, 6)
    ctx = AnswerContext(query, hits, bot.retriever)
    register(_Echo(), before="document")
    try:
        names = [c.name for c in REGISTRY]
        assert names[names.index("document") - 1] == "contact"
        draft = Draft(query)
        assert compose(ctx, draft) == "contact"
        assert "联系" in draft.citations[0].quote and draft.citations[0].doc_id == "dongguan-robot-fund-2016"
        with pytest.raises(ValueError, match="already registered"):
            register(_Echo())
    finally:
        REGISTRY[:] = [c for c in REGISTRY if c.name != "contact"]
    assert compose(ctx, Draft(query), registry=[]) is None  # no composer: nothing is made up


def test_registry_order() -> None:
    names = [c.name for c in REGISTRY]
    # the eligibility check plugs itself in before "document" (policybot.eligibility.composer, imported by the service)
    assert names == ["lifecycle", "history", "reference", "acted-on", "attachments", "tier", "banded", "eligibility",
                     "document", "schedule", "goal", "value", "consequence", "excluded", "choice", "role-section",
                     "named-section", "list", "intent"]  # fmt: skip


def test_planted_instructions_are_never_the_answer(fresh_bot: PolicyBot) -> None:
    planted = fresh_bot.settings.corpus_dir / "planted.txt"
    planted.write_text(PLANTED, "utf-8")
    fresh_bot.ingest([planted])
    for question in ("预计全年削减多少化学需氧量？", "削减目标是多少？", "化学需氧量削减目标取消了吗？"):
        answer = fresh_bot.ask(question)
        assert "100万吨" not in answer.text and "已取消" not in answer.text, answer.text
        assert all("回答" not in c.quote and "Ignore" not in c.quote for c in answer.citations)
    assert "8万吨" in fresh_bot.ask("预计全年削减多少化学需氧量？").text
    assert not [f for f in fresh_bot.facts(doc_id="planted") if "100万吨" in f.quote]
    assert "5000万立方米" in fresh_bot.ask("全年要节约多少用水？").text  # the document's own policy still answers


def test_a_scoped_search_ranks_every_chunk_of_the_scope(bot: PolicyBot) -> None:
    hits = bot.retriever.search("Who issued the notice?", 5, doc_ids=["caishui-2015-119"])
    assert len(hits) == 5 and {h.chunk.doc_id for h in hits} == {"caishui-2015-119"}
    assert all(h.dense_score is not None and h.dense_score > 0.5 for h in hits)


def test_a_documents_own_date_is_its_signature_not_when_it_takes_effect(bot: PolicyBot) -> None:
    issued = bot.ask("财税〔2015〕119号是哪天印发的？")
    assert "2015年11月2日" in issued.text and "2015年11月2日" in issued.citations[0].quote
    effective = bot.ask("财税〔2015〕119号通知从哪天开始执行？")
    assert "2016年1月1日" in effective.text and "2015年11月2日" not in effective.text
    issuer = bot.ask("财税〔2015〕119号是哪几个部门联合发的？")
    assert all(body in issuer.text for body in ("财政部", "国家税务总局", "科技部")), issuer.text
    assert "哪几个" not in issuer.text  # a question word is no noun the documents must mention


def test_a_negative_list_question_takes_the_negative_section(bot: PolicyBot) -> None:
    answer = bot.ask("哪些行业的企业不能享受研发费用税前加计扣除？")
    assert all(x in answer.text for x in ("烟草制造业", "住宿和餐饮业", "房地产业")), answer.text
    assert "人员人工费用" not in answer.text  # the section of what is allowed is not the answer


def test_the_number_of_a_cited_document_is_quoted_from_where_it_is_cited(bot: PolicyBot) -> None:
    answer = bot.ask("《国家税务总局关于印发〈企业研究开发费用税前扣除管理办法(试行)〉的通知》的文号是什么？")
    assert "国税发〔2008〕116号" in answer.text and "财税〔2015〕119号" not in answer.text.split("[")[0]
    assert "国税发〔2008〕116号" in answer.citations[0].quote


def test_a_documents_number_asked_as_its_bianhao(bot: PolicyBot) -> None:
    answer = bot.ask("科技型中小企业评价办法的编号是多少？")
    assert "国科发政〔2017〕115号" in answer.text and "标题" not in answer.text
    listed = bot.ask("入库企业出现哪些情况会被撤销登记编号？")  # 登记编号 is no document number
    assert not listed.refused and "严重弄虚作假" in listed.text and "国科发政" not in listed.text


# the quote of a clause that lists parallel figures is the part that holds the one asked
AGRI = (
    "薄弱环节机械化全面突破，其中马铃薯种植、收获机械化率均达到45%，棉花收获机械化率达到60%，"
    "花生种植、收获机械化率分别达到65%和55%，甘蔗收获机械化率达到30%，"
    "设施农业机械化率总体达到50%左右。"
)
ENERGY = "到2020年，单位工业增加值能耗比2015年下降18%，单位工业增加值用水量下降23%，工业固体废物综合利用率达到73%。"
TWO_TIERS = (
    "全国农作物耕种收综合机械化率达到75%，粮棉油糖主产县（市、区）基本实现农业机械化，"
    "丘陵山区县（市、区）农作物耕种收综合机械化率达到55%。"
)
SHARES = (
    "向中小企业预留的采购份额应当占本部门年度政府采购项目预算总额的百分之三十以上；"
    "其中，预留给小型微型企业的比例不低于百分之六十。"
)
SCORE_FLOOR = "(五)企业根据科技型中小企业评价指标进行综合评价所得分值不低于60分，且科技人员指标得分不得为0分。"
OPTIONS = "（五）企业“倍增”方案（如企业选择三年倍增，提供三年期方案；如选择五年倍增，提供五年期方案）。"
SUBSIDY = "按设备投资额的10%给予补助，对智能化改造示范项目提高到15%，单个项目最高不超过300万元。"


@pytest.mark.parametrize(
    ("question", "text", "picked", "quote"),
    [
        ("甘蔗收获机械化率要达到多少？", AGRI, ["30%"], "甘蔗收获机械化率达到30%"),
        ("花生种植和收获机械化率分别要达到多少？", AGRI, ["65%", "55%"], "花生种植、收获机械化率分别达到65%和55%"),
        ("单位工业增加值用水量要下降多少？", ENERGY, ["23%"], ENERGY),  # "到2020年" governs: all of it
        ("补助比例是多少？", SUBSIDY, ["10%", "15%"], SUBSIDY),  # a base ratio and its raise stay together
        ("甘蔗和棉花收获机械化率各是多少？", AGRI, ["60%", "65%", "55%", "30%"], AGRI),  # most of the list: all of it
        (
            "丘陵山区县的综合机械化率要达到多少？",
            TWO_TIERS,
            ["55%"],
            "丘陵山区县（市、区）农作物耕种收综合机械化率达到55%。",
        ),
        ("预留给小微企业的比例不低于多少？", SHARES, ["百分之六十"], "预留给小型微型企业的比例不低于百分之六十。"),
        ("综合评价至少要得多少分？", SCORE_FLOOR, ["60分"], SCORE_FLOOR),  # "且…": the condition stays with it
        ("倍增方案可以选几年期的？", OPTIONS, ["三年"], OPTIONS),  # never cut inside （…）
    ],
)
def test_a_list_of_figures_is_quoted_at_the_part_asked(question: str, text: str, picked: list[str], quote: str) -> None:
    from policybot.answer.composers.focus import narrowed
    from policybot.answer.evidence import AnswerType, answer_type

    kind = answer_type(question)
    assert kind is not AnswerType.OTHER
    assert narrowed(understand(question), kind, text, picked) == quote


def test_a_numbered_label_in_the_question_picks_its_clause(bot: PolicyBot) -> None:
    answer = bot.ask("方向2企业购置机器人设备的时间要求是什么？")
    assert answer.text.startswith("2016年1月1日至2016年10月31日"), answer.text
    assert answer.citations[0].quote.startswith("方向2：")


@pytest.mark.parametrize(
    ("question", "text", "score"),
    [
        ("方向2企业购置机器人设备的时间要求是什么？", "方向2：项目单位机器人设备的购置时间应在…", 0.15),
        ("方向2企业购置机器人设备的时间要求是什么？", "方向1：项目单位机器人设备的销售时间应在…", -0.15),
        ("专题三的支持方式是什么？", "专题3：采用事后奖补方式。", 0.15),
        ("专题三的支持方式是什么？", "专题1：采用股权投资方式。", -0.15),
        ("单个项目补助最多300万元吗？", "单个项目最高不超过300万元。", 0.0),  # a figure is no label
        ("方向2企业怎么申报？", "项目申请报告按附件格式填写。", 0.0),  # no label in the clause: no signal
    ],
)
def test_numbered_labels(question: str, text: str, score: float) -> None:
    from policybot.answer.clause_scores import named_label as _named_label

    assert _named_label(question, text) == score


@pytest.fixture(scope="module")
def law_and_plan(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> PolicyBot:
    """A 第X条 law, a work plan and a call (节约能源法, 政府网站集约化试点工作方案, 东莞倍增计划预申报通知)."""
    docs = ("energy-conservation-law-2018", "guobanhan-2018-71", "dongguan-doubling-2016")
    files = [ROOT / "corpus" / f"{doc}.txt" for doc in docs]
    bot: PolicyBot = ingested_bot(tmp_path_factory.mktemp("law-and-plan"), files, embedder)
    return bot


def test_what_kind_of_question_lists_the_items_after_the_lead_in(law_and_plan: PolicyBot) -> None:
    answer = law_and_plan.ask("什么样的用能单位算重点用能单位？")
    assert "下列用能单位为重点用能单位" in answer.text
    assert "一万吨标准煤以上" in answer.text and "五千吨以上" in answer.text


def test_a_list_in_a_named_section_without_subsections_is_its_enumeration(law_and_plan: PolicyBot) -> None:
    answer = law_and_plan.ask("集约化平台需要给平台上的政府网站提供哪些功能支撑？")
    assert "以下功能支撑" in answer.text
    assert all(x in answer.text for x in ("站点管理", "统一身份认证", "站内搜索", "安全防护")), answer.text


def test_a_heading_that_announces_a_list_without_a_colon_lists_its_items(bot: PolicyBot) -> None:
    answer = bot.ask("哪些活动即使花了钱也不算可以加计扣除的研发活动？")
    assert "下列活动不适用税前加计扣除政策" in answer.text
    assert all(x in answer.text for x in ("常规性升级", "市场调查研究", "社会科学、艺术或人文学")), answer.text


def test_what_a_term_includes_is_its_definition_over_all_its_parts(bot: PolicyBot) -> None:
    answer = bot.ask("可以享受加计扣除的创意设计活动具体包括哪些？")
    assert "创意设计活动是指" in answer.text
    assert all(x in answer.text for x in ("多媒体软件", "风景园林工程专项设计", "工业设计")), answer.text


@pytest.mark.parametrize(
    ("question", "text", "score"),
    [
        ("可以享受加计扣除的创意设计活动具体包括哪些？", "创意设计活动是指多媒体软件、动漫游戏软件开发；", 0.2),
        ("科技人员具体包括哪些？", "(一)企业科技人员是指企业直接从事研发和相关技术创新活动的人员；", 0.2),
        ("本法所称能源包括哪些？", "本法所称能源，是指煤炭、石油、天然气、生物质能和电力、热力。", 0.2),
        ("科技人员具体包括哪些？", "企业研发费用是指企业在研发活动中实际发生的费用。", 0.0),  # defines another term
    ],
)
def test_the_clause_that_defines_the_asked_term(question: str, text: str, score: float) -> None:
    from policybot.answer.clause_scores import defines as _defines

    assert _defines(question, text) == score


def test_a_heading_named_only_by_the_titles_words_is_not_the_section_asked(bot: PolicyBot) -> None:
    # "二、研发费用归集" shares only 研发费用 (the subject of the whole document) with the question
    answer = bot.ask("享受研发费用加计扣除时，企业需要把哪些资料留存备查？")
    assert "下列资料留存备查" in answer.text and "研发人员名单" in answer.text, answer.text
    assert "加速折旧费用的归集" not in answer.text


def test_a_list_of_three_joined_by_he_is_a_list(bot: PolicyBot) -> None:
    answer = bot.ask("哪些车辆跨区作业可以免收通行费？")
    assert "联合收割机" in answer.text and "插秧机" in answer.text, answer.text


def test_a_heading_worded_with_other_joining_words_is_still_named(law_and_plan: PolicyBot) -> None:
    answer = law_and_plan.ask("倍增计划的申报和遴选要经过哪些程序？")  # the heading: 四、申报及遴选程序
    assert "申报及遴选程序" in answer.text
    assert all(x in answer.text for x in ("形式审查", "遴选委员会评审", "社会公示")), answer.text


def test_the_materials_of_the_track_the_question_names(bot: PolicyBot) -> None:
    track = bot.ask("骨干企业重大技术创新及产业化专题要交哪些申报资料？")
    assert "产业化专题申报资料" in track.text
    assert all(x in track.text for x in ("董事会决议", "项目资金落实证明", "2015年度缴纳税款证明")), track.text
    general = bot.ask("机器人专项资金要交哪些申报资料？")  # no track named: the whole 申报资料 section
    assert general.text.split("\n")[0].endswith("› 三、申报资料："), general.text


def test_a_duty_without_its_own_subject_takes_it_from_the_sentence_before(bot: PolicyBot) -> None:
    # "税务机关应加强…监督检查。每年汇算清缴期结束后应开展核查": the second sentence has no subject
    answer = bot.ask("税务机关一般在什么时间开展研发费用加计扣除的核查？")
    assert answer.text.startswith("每年汇算清缴期结束后"), answer.text
    assert "税务机关应加强" in answer.citations[0].quote


def test_a_who_question_no_party_fact_answers_gets_the_passage_that_says_it(bot: PolicyBot) -> None:
    answer = bot.ask("财税〔2015〕119号通知里，税务机关对研发项目有异议时可以找谁出鉴定意见？")
    assert not answer.refused and "地市级(含)以上科技行政主管部门" in answer.text, answer.text


@pytest.mark.parametrize(
    ("question", "text", "values"),
    [
        (  # an employment opinion's refund: the base and the raise for enterprises in difficulty
            "返还上年度实际缴纳失业保险费的比例是多少？",
            "返还标准可按不超过企业上年度实际缴纳失业保险费的50%确定；对面临暂时性生产经营困难的企业，返还标准可提高到75%。",
            ["50%", "75%"],
        ),
        (
            "面临暂时性生产经营困难的企业返还比例是多少？",
            "返还标准可按不超过企业上年度实际缴纳失业保险费的50%确定；对面临暂时性生产经营困难的企业，返还标准可提高到75%。",
            ["75%"],
        ),
    ],
)
def test_a_raised_ratio_comes_with_its_base_unless_its_case_is_asked(
    question: str, text: str, values: list[str]
) -> None:
    from policybot.answer.composers.focus import focus
    from policybot.answer.evidence import AnswerType

    assert focus(understand(question), AnswerType.RATIO, text) == values


EQUITY = "单个项目资助额度原则上不低于1000万元，且财政资金所占股份比例不超过被投资企业总股本的30%。"
RANGE = "每个项目资助不低于100万元，资助不超过1000万元。"
CAPPED = "按设备购置额的10%给予补助，单个企业补助金额最高不超过500万元，补助总额不低于50万元的项目优先。"


@pytest.mark.parametrize(
    ("question", "text", "values"),
    [
        ("单个项目资助额度最低是多少？", EQUITY, ["1000万元"]),
        ("单个企业补助金额上限是多少？", CAPPED, ["500万元"]),
        ("资助最低是多少？", RANGE, ["100万元"]),  # the words tie: a floor asked picks the floor
        ("资助最高是多少？", RANGE, ["1000万元"]),  # and a ceiling the ceiling
    ],
)
def test_a_floor_or_ceiling_asked_picks_the_value_bounded_that_way(question: str, text: str, values: list[str]) -> None:
    from policybot.answer.composers.focus import focus
    from policybot.answer.evidence import answer_type

    assert focus(understand(question), answer_type(question), text) == values


@pytest.mark.parametrize(
    ("question", "text", "values"),
    [
        (
            "拒不落实整改要求会被罚多少？",
            "由管理节能工作的部门处十万元以上三十万元以下罚款。",
            ["十万元以上三十万元以下"],
        ),
        ("返还比例是多少？", "按照50%至75%的比例返还，单个企业最高100万元。", ["50%至75%"]),
        ("罚款按违法所得的几倍计算？", "没收违法所得，并处违法所得一倍以上五倍以下罚款。", ["一倍以上五倍以下"]),
    ],
)
def test_a_range_is_given_whole(question: str, text: str, values: list[str]) -> None:
    from policybot.answer.composers.focus import focus
    from policybot.answer.evidence import answer_type

    assert focus(understand(question), answer_type(question), text) == values


@pytest.mark.parametrize(
    ("text", "sentence", "follows"),
    [
        (  # a tax notice's formula
            "在计算每个项目其他相关费用的限额时应当按照以下公式计算：\n其他相关费用限额=第1项至第5项的费用之和×10%/(1-10%)。",
            "在计算每个项目其他相关费用的限额时应当按照以下公式计算：",
            "其他相关费用限额=第1项至第5项的费用之和×10%/(1-10%)。",
        ),
        (  # a measure's scoring rule
            "研发投入指标按下列方法计分：\n按企业研发费用总额占销售收入总额的比例分档评价。",
            "研发投入指标按下列方法计分：",
            "按企业研发费用总额占销售收入总额的比例分档评价。",
        ),
        ("试点地区要于2018年12月底前报送实施方案。", "试点地区要于2018年12月底前报送实施方案。", None),
    ],
)
def test_a_sentence_announcing_what_follows_is_quoted_with_it(text: str, sentence: str, follows: str | None) -> None:
    from policybot.answer.composers.sections import _what_follows
    from policybot.records import Chunk, Hit

    chunk = Chunk("c", "d", "文件", ("文件", "(三)"), text, text, 0, len(text), 0)
    draft = Draft(understand("限额怎么计算？"))
    added = _what_follows(draft, Hit(chunk, 0.9), sentence)
    if follows is None:
        assert added == "" and not draft.citations
    else:
        assert added == f"“{follows}”[1]" and draft.citations[0].quote == follows


def test_a_quoted_item_comes_with_the_sentence_introducing_its_list(bot: PolicyBot) -> None:
    # "(一)企业拥有有效期内高新技术企业资格证书" means "…则可直接确认符合科技型中小企业条件：" says
    answer = bot.ask("我们公司的高新技术企业证书还在有效期内，申请科技型中小企业还要打分吗？")
    assert "直接确认" in answer.text and "高新技术企业资格证书" in answer.text, answer.text
    assert answer.text.index("直接确认") < answer.text.index("“(一)企业拥有")
    assert "现行" not in answer.text  # the certificate's validity is the asker's, not the measure's


@pytest.mark.parametrize(
    ("path", "text", "question", "granted"),
    [
        (  # a law's article: the right it grants, not the duty before it
            ("法", "第五十三条"),
            "第五十三条国家机关、事业单位和大型企业不得违约拖欠中小企业的货物、工程、服务款项。"
            "中小企业有权要求拖欠方支付拖欠款并要求对拖欠造成的损失进行赔偿。",
            "我们是一家小型工程公司，一家大型国企拖欠我们工程款一年多了，法律上怎么保护我们？",
            "有权",
        ),
        (  # a plan's measure: the tax credit, not the call to cooperate
            ("方案", "（十）推动校企全面加强深度合作"),
            "职业院校应当主动与具备条件的企业在人才培养、技术创新等方面开展合作。"
            "试点企业兴办职业教育的投资符合条件的，可按投资额一定比例抵免该企业当年应缴教育费附加和地方教育附加。",
            "我们是一家汽车零部件企业，打算和职业院校合作兴办职业教育，投资能享受什么优惠？",
            "抵免",
        ),
    ],
)
def test_a_benefit_or_protection_asked_takes_the_sentence_granting_it(
    path: tuple[str, ...], text: str, question: str, granted: str
) -> None:
    from policybot.answer.compose import best_sentences
    from policybot.records import Chunk, Hit

    chunk = Chunk("c", "d", path[0], path, text, text, 0, len(text), 0)
    assert granted in best_sentences(understand(question), [Hit(chunk, 0.9)], 1)[0][1]


def test_conditions_asked_of_what_states_none_are_refused(bot: PolicyBot) -> None:
    # the opinion only says such centres will be built: nothing a candidate must meet
    refused = bot.ask("申请建设国家农机装备创新中心要具备哪些条件？")
    assert refused.refused and refused.notes == ("refusal: no_conditions",), refused.text
    stated = bot.ask("科技型中小企业需要满足什么条件？")
    assert not stated.refused and "须同时满足以下条件" in stated.text, stated.text


def test_a_document_set_aside_is_not_searched(bot: PolicyBot) -> None:
    answerer = bot.answerer
    assert isinstance(answerer, ExtractiveAnswerer)
    q = understand("企业研发过程中产出的产品对外销售怎么处理（不是机器人专项资金申报）？")
    scope = answerer._not_set_aside(q, None)
    assert scope is not None and "dongguan-robot-fund-2016" not in scope and "caishui-2015-119" in scope
    assert answerer._not_set_aside(understand("企业研发产品对外销售怎么处理？"), None) is None
    assert answerer._not_set_aside(q, ("sat-2015-97",)) == ("sat-2015-97",)  # an explicit scope stands


@pytest.mark.parametrize(
    "question", ["97号公告列出了哪些附件？", "Which attachments does SAT Announcement No. 97 list?"]
)
def test_the_attachments_a_document_lists_are_quoted(bot: PolicyBot, question: str) -> None:
    answer = bot.ask(question)
    assert "附件1：自主研发“研发支出”辅助账" in answer.text and "附件5：“研发支出”辅助账汇总表" in answer.text, (
        answer.text
    )
    assert {c.doc_id for c in answer.citations} == {"sat-2015-97"}
    assert answer.text.count("附件1：") == 1  # listed twice in the text, quoted once


def test_attachment_lines_are_read_once_each() -> None:
    from policybot.answer.composers.attachments import attachment_lines
    from policybot.records import Document, DocumentMeta

    text = "正文。\n附件：1.申请表\n附件1：项目申请表\n附件2：承诺书\n\n附件1：项目申请表\n（表格略）"
    doc = Document(DocumentMeta("d", "通知", "d.txt", "txt", "0"), text)
    assert [line for _o, line in attachment_lines(doc)] == ["附件1：项目申请表", "附件2：承诺书"]
    assert all(text[o:].startswith(line) for o, line in attachment_lines(doc))


RATES = "自2025年5月1日起，我市失业保险总费率继续按1%执行，其中用人单位缴费费率为0.7%，职工个人缴费费率为0.3%。"
SHARES = (
    "向中小企业预留的采购份额应当占本部门年度政府采购项目预算总额的百分之四十以上，"
    "其中预留给小型微型企业的比例不低于百分之七十。"
)


@pytest.mark.parametrize(
    ("question", "text", "values"),
    [
        ("失业保险单位缴费费率现在是多少？", RATES, ["0.7%"]),  # 单位缴费费率, not the total rate
        ("职工个人缴费费率是多少？", RATES, ["0.3%"]),
        ("失业保险总费率是多少？", RATES, ["1%"]),
        ("预留给小型微型企业的比例不低于多少？", SHARES, ["百分之七十"]),
    ],
)
def test_of_several_values_the_one_whose_own_words_the_question_uses(
    question: str, text: str, values: list[str]
) -> None:
    from policybot.answer.composers.focus import focus
    from policybot.answer.evidence import AnswerType

    assert focus(understand(question), AnswerType.RATIO, text) == values


@pytest.mark.parametrize(
    ("text", "quote", "expected"),
    [
        (  # a call's support standard: the quote stopped before the cap
            "（二）数字化诊断服务项目，按照诊断服务合同金额的50%给予补助，单个企业最高不超过5万元。",
            "按照诊断服务合同金额的50%给予补助",
            ("按照诊断服务合同金额的50%给予补助，单个企业最高不超过5万元", {"50%": "最高不超过5万元"}),
        ),
        (  # a measure's subsidy: the cap already quoted is still named
            "按设备购置额的10%给予补助，单个企业补助金额最高不超过500万元。",
            "按设备购置额的10%给予补助，单个企业补助金额最高不超过500万元。",
            ("按设备购置额的10%给予补助，单个企业补助金额最高不超过500万元。", {"10%": "最高不超过500万元"}),
        ),
        (  # an insurance call: a longer subject, sharing the ratio's word (补偿), says what is capped
            "按照企业实际缴纳保费的80%给予补偿，单个企业年度补偿总额最高不超过200万元。",
            "按照企业实际缴纳保费的80%给予补偿",
            (
                "按照企业实际缴纳保费的80%给予补偿，单个企业年度补偿总额最高不超过200万元",
                {"80%": "单个企业年度补偿总额最高不超过200万元"},
            ),
        ),
        (  # a voucher rule: a separate award after it is no cap of the ratio
            "按技术合同成交额的30%给予补助，同时对首次认定的企业另行给予一次性奖励最高50万元。",
            "按技术合同成交额的30%给予补助",
            ("按技术合同成交额的30%给予补助", {}),
        ),
        (  # an opinion's refund: what follows is another case, not a cap
            "返还标准按50%确定，对困难企业可提高到75%。",
            "返还标准按50%确定",
            ("返还标准按50%确定", {}),
        ),
    ],
)
def test_a_ratio_comes_with_the_cap_of_its_sentence(
    text: str, quote: str, expected: tuple[str, dict[str, str]]
) -> None:
    from policybot.answer.composers.values import _with_cap

    ratio = next(v for v in ("50%", "10%", "80%", "30%") if v in quote)
    assert _with_cap(text, quote, [ratio]) == expected


@pytest.mark.parametrize(
    ("text", "sets_new"),
    [
        ("折旧年限35年，截至2×24年末已计提折旧30年。", False),  # the value before the change
        ("甲公司拟将大厦的折旧年限变更为40年。", False),  # a proposal, not a ruling
        ("自2025年5月1日起，工伤保险费率下调后统一调整为0.5%。", True),
        ("新的补助标准为每人1500元。", True),
    ],
)
def test_a_new_value_asked_is_only_one_a_clause_sets(text: str, sets_new: bool) -> None:
    from policybot.answer.composers.values import _ASKS_NEW, _SETS_NEW

    assert _ASKS_NEW.search("大厦新的折旧年限应该定为多少年？") and _ASKS_NEW.search("调整后的费率是多少？")
    assert bool(_SETS_NEW.search(text)) is sets_new


def _evidence_of(*texts: str) -> list[Any]:
    from policybot.answer.evidence import Evidence
    from policybot.ingest.clauses import Clause
    from policybot.records import Chunk

    out = []
    for row, text in enumerate(texts):
        chunk = Chunk(f"c{row}", "d", "办法", ("办法", "第七条"), text, "第七条", 0, len(text), row)
        out.append(
            Evidence(Clause(row, row, chunk.id, "d", 0, len(text), text), chunk, 1.0 - row / 100, 0.9, 0.5, True)
        )
    return out


@pytest.mark.parametrize(
    ("question", "texts", "picked"),
    [
        (  # a scoring measure: the three indicators and their full marks
            "三类指标各占多少分？",
            (
                "评价指标具体包括科技人员、研发投入、科技成果三类，满分100分。",
                "A. 30%(含)以上(20分)",
                "1.科技人员指标(满分20分)。",
                "2.研发投入指标(满分50分)。",
                "3.科技成果指标(满分30分)。",
            ),
            ["1.科技人员指标(满分20分)。", "2.研发投入指标(满分50分)。", "3.科技成果指标(满分30分)。"],
        ),
        (  # a subsidy notice: one of the two parts has no value of its own, so no part is picked
            "两类项目分别补助多少？",
            ("支持设备投资、诊断服务两类项目。", "设备投资项目补助15%。", "诊断服务项目按合同金额给予补助。"),
            [],
        ),
        (
            "三类指标满分多少？",
            ("评价指标包括科技人员、研发投入、科技成果三类，满分100分。", "1.科技人员指标(满分20分)。"),
            [],
        ),
    ],
)
def test_each_named_part_gets_the_clause_with_its_value(
    question: str, texts: tuple[str, ...], picked: list[str]
) -> None:
    from policybot.answer.composers.values import _each_named
    from policybot.answer.evidence import answer_type

    ranked = _evidence_of(*texts)
    assert [e.text for e in _each_named(understand(question), answer_type(question), ranked)] == picked


WINDOW = "网上申报时间为2025年6月10日至2025年7月15日，截止时间为2025年7月15日17:00，逾期系统将自动关闭。"


@pytest.mark.parametrize(
    ("question", "values"),
    [
        ("网上申报截止到什么时候？", ["截止时间为2025年7月15日17:00"]),  # the deadline, not the window it closes
        ("网上申报时间是什么时候？", ["2025年6月10日至2025年7月15日"]),
    ],
)
def test_a_deadline_asked_picks_the_closing_time_over_the_window(question: str, values: list[str]) -> None:
    from policybot.answer.composers.focus import focus
    from policybot.answer.evidence import AnswerType

    assert focus(understand(question), AnswerType.TIME, WINDOW) == values


def test_each_ratio_comes_with_its_own_cap() -> None:
    from policybot.answer.composers.values import _lead, _with_cap

    text = "按合同金额的30%给予抵扣，单个企业最高不超过20万元；对专精特新企业，抵扣比例提高到40%，最高不超过30万元。"
    quote, caps = _with_cap(text, text, ["30%", "40%"])
    assert quote == text and caps == {"30%": "最高不超过20万元", "40%": "最高不超过30万元"}
    assert _lead(["30%", "40%"], caps, zh=True) == "30%（最高不超过20万元）、40%（最高不超过30万元）"
    assert _lead(["50%"], {"50%": "最高不超过5万元"}, zh=True) == "50%，最高不超过5万元"


@pytest.mark.parametrize(
    ("question", "text", "enumerates"),
    [
        ("强化监督管理要强化哪些方面？", "强化环保执法监督、节能监察、清洁生产审核和生产者责任延伸。", True),
        ("要支持哪些领域？", "重点支持智能装备、工业机器人、3D打印等领域。", True),  # a call's support
        ("要强化哪些方面？", "在尾矿、煤矸石、粉煤灰等重点领域，开展资源综合利用。", False),  # named in passing
        ("保障措施有哪些？", "强化环保执法监督、节能监察和生产者责任延伸。", False),  # no verb asked
    ],
)
def test_the_verb_asked_opens_the_enumeration(question: str, text: str, enumerates: bool) -> None:
    from policybot.answer.composers.sections import _verb_enumerates

    assert _verb_enumerates(understand(question), text) is enumerates


def test_a_sections_enumeration_by_the_verb_asked(seed_bot: PolicyBot) -> None:
    answer = seed_bot.ask("强化监督管理要强化哪些方面？")
    quote = answer.citations[0].quote
    assert all(x in quote for x in ("环保执法监督", "节能监察", "清洁生产审核", "生产者责任延伸")), answer.text
    assert answer.citations[0].section.endswith("（四）强化监督管理")


def test_a_summary_of_a_named_section_takes_its_sentences(seed_bot: PolicyBot) -> None:
    answer = seed_bot.ask("Summarize the background of this plan.")
    quotes = " ".join(c.quote for c in answer.citations)
    assert "五大发展理念" in quotes and "中国制造" in quotes, answer.text  # three of its sentences, not two
    assert all(c.section.endswith("一、背景") for c in answer.citations)


def test_a_numbered_attachment_list_is_read_whole() -> None:
    from policybot.answer.composers.attachments import attachment_lines
    from policybot.records import Document, DocumentMeta

    listed = ["附件：1.奖励申报书", "2.申报企业信用承诺书", "3.区（县）推荐企业汇总表"]
    text = "联系电话：0791-86123456。\n" + "\n".join(listed) + "\n江州市工业和信息化局\n2025年7月15日"
    doc = Document(DocumentMeta("d", "通知", "d.md", "md", "0"), text)
    assert [line for _o, line in attachment_lines(doc)] == listed


@pytest.mark.parametrize(
    ("question", "kind", "text", "wanted", "not_wanted"),
    [
        (  # a tax 公告: the bracket after a value qualifies it, not the value after the bracket
            "按季预缴的企业什么时候申报？",
            "TIME",
            "企业在7月份预缴申报第2季度（按季预缴）或6月份（按月预缴）企业所得税时",
            "7月",
            "6月",
        ),
        (
            "按月预缴的企业什么时候申报？",
            "TIME",
            "企业在7月份预缴申报第2季度（按季预缴）或6月份（按月预缴）企业所得税时",
            "6月",
            "7月",
        ),
        (  # a 财税 notice: the negated case and the plain one in one sentence
            "未形成无形资产的研发费用加计扣除比例是多少？",
            "RATIO",
            "企业开展研发活动中实际发生的研发费用，未形成无形资产计入当期损益的，在按规定据实扣除的基础上，"
            "按照本年度实际发生额的50%，从本年度应纳税所得额中扣除；形成无形资产的，按照无形资产成本的150%在税前摊销。",
            "50%",
            "150%",
        ),
        (
            "形成无形资产的按多少比例摊销？",
            "RATIO",
            "企业开展研发活动中实际发生的研发费用，未形成无形资产计入当期损益的，在按规定据实扣除的基础上，"
            "按照本年度实际发生额的50%，从本年度应纳税所得额中扣除；形成无形资产的，按照无形资产成本的150%在税前摊销。",
            "150%",
            "50%",
        ),
    ],
)
def test_a_value_is_told_by_its_own_qualifier_and_polarity(
    question: str, kind: str, text: str, wanted: str, not_wanted: str
) -> None:
    from policybot.answer.composers.focus import focus
    from policybot.answer.evidence import AnswerType

    values = focus(understand(question), AnswerType[kind], text)
    assert wanted in values and not_wanted not in values, values


def test_polarity_of_a_clause() -> None:
    from policybot.answer.clause_scores import polarity

    assert polarity(understand("未纳入名单的企业能获得多少补助？"), "已纳入名单的企业给予20万元补助") == -1
    assert polarity(understand("没有通过验收的项目怎么处理？"), "项目没有通过验收的，收回资金") == 1
    both = understand("没有形成无形资产的扣多少？形成了无形资产的又按多少摊销？")
    assert polarity(both, "形成无形资产的，按照无形资产成本的150%在税前摊销") == 0  # both cases asked
    assert polarity(understand("无形资产怎么摊销？"), "形成无形资产的，按照无形资产成本的150%在税前摊销") == 0


@pytest.mark.parametrize(
    ("question", "text", "value"),
    [
        ("省级智能工厂奖励多少？", "对获评国家级、省级智能工厂的企业，分别给予一次性奖励300万元、100万元。", "100万元"),
        (
            "国家级智能工厂奖励多少？",
            "对获评国家级、省级智能工厂的企业，分别给予一次性奖励300万元、100万元。",
            "300万元",
        ),
        ("省级专精特新企业奖励多少？", "对首次认定的国家级、省级专精特新企业分别奖励50万元和20万元。", "20万元"),
    ],
)
def test_a_value_in_the_place_of_the_item_named(question: str, text: str, value: str) -> None:
    from policybot.answer.composers.focus import focus
    from policybot.answer.evidence import AnswerType

    assert focus(understand(question), AnswerType.MONEY, text) == [value]
