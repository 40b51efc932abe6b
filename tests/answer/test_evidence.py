"""Answer types, values and clause ranking on snippets from documents of several genres."""

from __future__ import annotations

import numpy as np
import pytest

from policybot.answer.evidence import (
    AnswerType,
    answer_type,
    asked_units,
    contacts,
    coverage,
    fits,
    rank_clauses,
    values_for,
    year_fit,
)
from policybot.answer.glossary import Glossary
from policybot.answer.understanding import understand
from policybot.ingest.clauses import split_clauses
from policybot.records import Chunk, Hit


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("企业委托外部机构研发，委托方能按实际发生额的多大比例计入研发费用？", AnswerType.RATIO),
        ("机器人骨干企业重大技术创新项目单个项目资助多少钱？", AnswerType.AMOUNT),
        ("购买工业机器人能得到多少补贴？", AnswerType.MONEY),
        ("补助标准是什么？", AnswerType.MONEY),
        ("What is the minimum funding per project for equity investment?", AnswerType.MONEY),
        ("具体是几点之前？", AnswerType.TIME),  # a clock time is a time, not a number
        ("我们是一家电厂，一直给职工免费供电供暖，这违法吗？会怎么处罚？", AnswerType.AMOUNT),  # a penalty asked
        ("公共机构不按规定进行能源审计的，罚款多少？", AnswerType.AMOUNT),
        ("机器人专项资金项目申请资料的封面要统一标明什么？", AnswerType.OTHER),  # 资金 only names the fund
        ("专项资金怎么申请？", AnswerType.OTHER),
        ("科技型中小企业综合评价至少要得多少分？", AnswerType.SCORE),
        ("倍增计划一共要遴选多少家试点企业？", AnswerType.COUNT),
        ("机器人专项资金申报资料要交几份？", AnswerType.COUNT),  # 资金 names the fund, 几份 asks a count
        ("每个项目最多可以申报多少台设备？", AnswerType.COUNT),
        ("一年内可以申请几次？", AnswerType.COUNT),
        ("方向2企业购置机器人设备的时间要求是什么？", AnswerType.TIME),
        ("什么样的用能单位算重点用能单位？", AnswerType.LIST),  # the answer is the 下列 items
        ("东莞的机器人专项资金对申报单位的企业规模有什么要求？", AnswerType.OTHER),  # 企业规模: no amount
        ("中小企业发展基金的资金规模有多大？", AnswerType.AMOUNT),
        ("符合条件未及时享受的，最长可以追溯几年？", AnswerType.PERIOD),
        ("重点用能单位多久报送一次能源利用状况报告？", AnswerType.FREQUENCY),
        ("修订后的中小企业促进法什么时候开始施行？", AnswerType.EFFECTIVE),
        ("倍增计划预申报的截止时间是什么时候？", AnswerType.TIME),
        ("哪些行业的企业不能享受研发费用加计扣除？", AnswerType.LIST),
        ("支持绿色制造重点项目可以用哪些专项资金？", AnswerType.LIST),
        ("我们公司能申请认定高新技术企业吗？", AnswerType.CONDITION),
        ("节约能源法的立法目的是什么？", AnswerType.OTHER),
        ("北京市、区政府多久要向人大常委会报告一次中小企业发展情况？", AnswerType.FREQUENCY),
        ("1+X证书制度试点从哪一年开始？", AnswerType.YEAR),
        ("When did the revised Energy Conservation Law come into force?", AnswerType.EFFECTIVE),
        ("Which year will the pilot start?", AnswerType.YEAR),
        ("财税〔2015〕119号是哪几个部门联合发的？", AnswerType.LIST),
        ("我们是北京一家专精特新中小企业，每年申请和维持发明专利花费不少，有资助吗？", AnswerType.OTHER),
        ("我们是北京一家小微企业，暂时资金紧张，银行能不能抽贷？", AnswerType.CONDITION),
        ("购买工业机器人能得到补贴吗？最高补贴多少？", AnswerType.MONEY),
        ("How is the investment amount determined when VAT input tax has been deducted?", AnswerType.OTHER),
        ("When will the summary evaluation be carried out?", AnswerType.TIME),
        ("The review is carried out by when?", AnswerType.TIME),
        ("What is the contact email?", AnswerType.CONTACT),
        ("区县初审要在多少个工作日内完成？", AnswerType.PERIOD),  # working days are a time span, not a count
        ("公示期是几个工作日？", AnswerType.PERIOD),
        ("How many working days does the review take?", AnswerType.PERIOD),
    ],
)
def test_answer_type(question: str, kind: AnswerType) -> None:
    assert answer_type(question) is kind


def test_values_for_keep_the_source_wording() -> None:
    clause = (
        "在按规定据实扣除的基础上，再按照本年度实际发生额的50%，从本年度应纳税所得额中扣除；"
        "形成无形资产的，按照无形资产成本的150%在税前摊销。"
    )
    assert values_for(AnswerType.RATIO, clause) == ["50%", "150%"]
    assert values_for(AnswerType.RATIO, "其中预留给小型微型企业的比例不低于百分之六十") == ["百分之六十"]
    assert values_for(AnswerType.EFFECTIVE, "本通知自2016年1月1日起执行。") == ["自2016年1月1日起执行"]
    assert values_for(AnswerType.EFFECTIVE, "2017年9月1日第十二届全国人民代表大会常务委员会第二十九次会议修订") == []
    assert values_for(AnswerType.FREQUENCY, "重点用能单位应当每年向管理节能工作的部门报送上年度的能源利用状况报告") == [
        "每年"
    ]
    assert values_for(AnswerType.PERIOD, "重点用能单位应当每年报送") == []  # 每年 answers 多久一次, not 几年
    assert values_for(AnswerType.PERIOD, "追溯期限最长为3年") == ["3年"]


def test_contacts() -> None:
    text = "联 系 人：市经信局企业促进科 王国伟 黎晓红\n联系电话：22220117，22220109"
    assert contacts(text) == ["市经信局企业促进科 王国伟 黎晓红", "22220117", "22220109"]
    assert contacts("报送至市经信局技术进步与质量科。联系人：刘宇，电话：0769-22221295。") == ["刘宇", "0769-22221295"]
    assert contacts("标明申报单位、项目名称、联系人及电话、申报日期；") == []  # a field to fill in, not a contact
    assert answer_type("倍增计划预申报的联系人是谁？") is AnswerType.CONTACT
    assert contacts("电子邮箱：cszxqy@163.com；联系电话：0731-88665421") == ["cszxqy@163.com", "0731-88665421"]
    assert contacts("邮箱：kj12345678@gov.cn") == ["kj12345678@gov.cn"]  # its digits are no phone number
    assert answer_type("电子邮箱是多少？") is AnswerType.CONTACT
    assert answer_type("What is the contact email?") is AnswerType.CONTACT


def test_fits() -> None:
    assert fits(AnswerType.LIST, "中小企业公共服务平台为中小企业提供下列服务：")
    assert fits(AnswerType.LIST, "在学前教育、护理、养老服务、健康服务等领域")
    assert not fits(AnswerType.LIST, "第五十二条国家加强对重点用能单位的节能管理。")
    assert fits(AnswerType.CONDITION, "企业须同时满足以下条件")
    assert not fits(AnswerType.SCORE, "满足条件的企业")


def test_coverage_counts_the_nouns_the_question_names() -> None:
    q = understand("北京市政府性国有担保机构服务小微企业的业务占比不能低于多少？")
    assert coverage(q, "本市政府性国有担保机构…小型微型企业业务…占比不低于百分之八十 北京市促进中小企业发展条例") >= 0.5
    assert coverage(q, "国有大型商业银行应当设立普惠金融机构") < 0.5


def test_coverage_takes_a_nouns_synonyms() -> None:
    q = understand("能申请什么补贴、按多少补？", (), Glossary.load())
    assert coverage(q, "方向2：按照机器人购置额的10%予以事后奖补。") == 1.0  # 奖补 is a 补贴
    assert coverage(understand("能申请什么补贴、按多少补？"), "方向2：按照机器人购置额的10%予以事后奖补。") == 0.0


def test_year_fit_follows_the_year_that_governs_the_clause() -> None:
    text = "到2020年，全国农作物耕种收综合机械化率达到70%。到2025年，全国农作物耕种收综合机械化率达到75%。"
    q2020 = understand("2020年全国农作物耕种收综合机械化率要达到多少？")
    first, second = text.index("全国"), text.rindex("全国")
    assert year_fit(q2020, text, first) > 0 > year_fit(q2020, text, second)
    assert year_fit(understand("机械化率要达到多少？"), text, second) == 0


@pytest.mark.parametrize(
    "question",
    [
        "How long is the typical internship under the 2019 reform plan?",
        "2019年的职业教育改革方案里顶岗实习一般多长时间？",
        "2018年印发的农机意见里，机械化率要达到多少？",
    ],
)
def test_a_year_that_names_the_document_does_not_pick_a_clause(question: str) -> None:
    text = "从2019年起，教师原则上从具有3年以上企业工作经历的人员中招聘。顶岗实习时间一般为6个月。"
    assert year_fit(understand(question), text, 0) == 0
    assert year_fit(understand("2019年起教师从什么人员中招聘？"), text, 0) > 0


def _chunk(text: str, path: tuple[str, ...], n: int) -> Chunk:
    return Chunk(Chunk.make_id("d", path, n, text), "d", "《测试》", path, text, text, n * 100, n * 100 + len(text), n)


def test_rank_clauses_prefers_a_fitting_clause_about_the_subject() -> None:
    chunks = [
        _chunk(
            "第六条科技型中小企业须同时满足以下条件。职工总数不超过500人、年销售收入不超过2亿元。",
            ("办法", "第六条"),
            0,
        ),
        _chunk("第七条评价指标包括科技人员、研发投入、科技成果三类，满分100分。", ("办法", "第七条"), 1),
    ]
    clauses = split_clauses(chunks)
    hits = [Hit(chunks[1], 1.0), Hit(chunks[0], 0.8)]
    query = understand("科技型中小企业的职工总数不能超过多少人？")
    sims = np.full(len(clauses), 0.85, dtype=np.float32)
    ranked = rank_clauses(query, AnswerType.COUNT, hits, clauses, chunks, sims)
    assert ranked[0].fits and "500人" in ranked[0].text
    assert [e.score for e in ranked] == sorted((e.score for e in ranked), reverse=True)
    assert not any(e.fits for e in ranked if "三类" in e.text)  # a count of categories is no count of staff


def test_a_year_alone_answers_which_year_only() -> None:
    clause = "从2019年开始，在职业院校、应用型本科高校启动制度试点工作。"
    assert values_for(AnswerType.YEAR, clause) == ["2019年"]
    assert values_for(AnswerType.TIME, clause) == []  # "2019年" alone is no deadline


def _ranked(texts: list[str], question: str, kind: AnswerType) -> list[str]:
    chunks = [_chunk(text, ("文件", f"第{i + 1}节"), i) for i, text in enumerate(texts)]
    clauses = split_clauses(chunks)
    hits = [Hit(c, 1.0) for c in chunks]
    sims = np.full(len(clauses), 0.85, dtype=np.float32)
    ranked = rank_clauses(understand(question), kind, hits, clauses, chunks, sims)
    return [e.text for e in ranked if e.fits and e.coverage >= 0.5]


def test_a_clause_pointing_back_takes_its_subject_from_the_one_before() -> None:
    notice = (
        "6.其他相关费用：与研发活动直接相关的其他费用，如技术图书资料费、专家咨询费、差旅费等。"
        "此项费用总额不得超过可加计扣除研发费用总额的10%。"
    )
    best = _ranked([notice], "技术图书资料费、专家咨询费这些其他相关费用有没有上限？", AnswerType.NUMBER)
    assert best and best[0].startswith("6.其他相关费用") and best[0].endswith("10%。")
    # a clause that does not point back keeps its own subject: 12000元 is for 高职, not 中职
    plan = "进一步完善中等职业学校生均拨款制度。高等职业院校生均财政拨款水平不低于12000元。"
    assert not _ranked([plan], "中等职业学校生均财政拨款是每生每年多少元？", AnswerType.AMOUNT)


def test_a_year_that_opens_the_paragraph_governs_the_sentences_after_it() -> None:
    opinion = (
        "到2020年，农机装备产业科技创新能力持续提升。全国农机总动力超过10亿千瓦。"
        "小麦、水稻、玉米等主要粮食作物基本实现生产全程机械化。"
    )
    best = _ranked([opinion], "小麦、水稻、玉米到哪一年基本实现生产全程机械化？", AnswerType.YEAR)
    assert best and best[0].startswith("到2020年") and "小麦" in best[0]
    assert values_for(AnswerType.YEAR, best[0])[0] == "到2020年"


def test_a_figure_the_question_names_picks_its_sentence() -> None:
    opinion = [
        "到2020年，全国农机总动力稳定在10亿千瓦左右。",
        "到2025年，全国农机总动力稳定在11亿千瓦左右。",
    ]
    best = _ranked(opinion, "农机总动力稳定在11亿千瓦左右是哪一年的目标？", AnswerType.YEAR)
    assert best[0].startswith("到2025年")


def test_a_heading_that_is_a_whole_sentence_is_a_clause() -> None:
    call = [
        _chunk(
            "遴选委员会将在正式通知下发后统一启动试点企业遴选。",
            ("倍增计划预申报通知", "五、工作要求", "（三）企业应于2016年12月31日17:30前在网上完成预申报工作"),
            0,
        ),
        _chunk(
            "企业根据预申报通知要求，登录平台填报申请表。",
            ("倍增计划预申报通知", "四、申报及遴选程序", "（二）企业申报"),
            1,
        ),
    ]
    clauses = split_clauses(call)
    sims = np.full(len(clauses), 0.85, dtype=np.float32)
    hits = [Hit(call[1], 1.0, dense_score=0.9)]  # the heading's chunk is not even retrieved
    ranked = rank_clauses(understand("倍增计划预申报的截止日期是哪天？"), AnswerType.TIME, hits, clauses, call, sims)
    best = next(e for e in ranked if e.fits)
    assert best.text.startswith("（三）企业应于2016年12月31日17:30前") and best.chunk.id == call[0].id


def test_what_a_question_sets_aside_is_not_its_subject() -> None:
    query = understand("东莞倍增计划预申报（不是机器人专项资金申报）的截止日期是哪天？")
    assert "机器人" not in query.required and "专项资金" not in query.flat_terms and "倍增" in query.flat_terms


def test_an_upper_bound_question_prefers_the_clause_that_states_one() -> None:
    measure = [
        _chunk(
            "第七条科技型中小企业评价指标具体包括科技人员、研发投入、科技成果三类，满分100分。", ("办法", "第七条"), 0
        ),
        _chunk("（二）职工总数不超过500人、年销售收入不超过2亿元、资产总额不超过2亿元。", ("办法", "第六条"), 1),
    ]
    clauses = split_clauses(measure)
    sims = np.full(len(clauses), 0.85, dtype=np.float32)
    hits = [Hit(c, 1.0) for c in measure]
    query = understand("科技型中小企业在人数、收入、资产方面有什么上限？")
    identity = {"d": "科技型中小企业评价办法"}
    ranked = rank_clauses(query, AnswerType.NUMBER, hits, clauses, measure, sims, identity=identity)
    assert ranked[0].text.startswith("（二）职工总数不超过500人")


def test_the_askers_description_does_not_set_the_answer_type() -> None:
    from policybot.answer.context import AnswerContext

    query = understand("我们公司有一批期限10个月的设备租赁，按新准则能不能按短期租赁简化处理？")
    assert answer_type(query.question) is AnswerType.PERIOD  # 期限 in the description alone
    assert AnswerContext(query, [], None).kind is AnswerType.CONDITION  # type: ignore[arg-type]


def test_a_definition_question_takes_the_clause_defining_that_term() -> None:
    law = [
        _chunk(
            "第三条本法所称节约能源（以下简称节能），是指加强用能管理，采取技术上可行、经济上合理、"
            "社会可以承受的措施，从能源生产到消费的各个环节降低消耗。",
            ("法", "第三条"),
            0,
        ),
        _chunk("第二条本法所称能源，是指煤炭、石油、天然气、生物质能和电力、热力等各种资源。", ("法", "第二条"), 1),
        _chunk("第二条本法所称中小企业，是指在中华人民共和国境内依法设立的企业。", ("促进法", "第二条"), 2),
    ]
    clauses = split_clauses(law)
    sims = np.full(len(clauses), 0.85, dtype=np.float32)
    hits = [Hit(law[0], 1.0), Hit(law[1], 0.9), Hit(law[2], 0.8)]
    ranked = rank_clauses(understand("节约能源法所称的能源包括哪些？"), AnswerType.LIST, hits, clauses, law, sims)
    assert ranked[0].text.startswith("第二条本法所称能源")
    ranked = rank_clauses(understand("本法所称的中小企业是指什么？"), AnswerType.OTHER, hits, clauses, law, sims)
    assert ranked[0].text.startswith("第二条本法所称中小企业")


@pytest.mark.parametrize(
    ("text", "listed"),
    [
        ("免收跨区作业的联合收割机、运输联合收割机和插秧机车辆的通行费。", True),  # X、Y和Z
        ("实施问答内容涉及固定资产准则，无形资产准则，会计政策、会计估计变更和差错更正准则。", True),
        ("提供以下功能支撑：站点管理、栏目管理", True),
        ("支持固体废物工程技术研究机构、固体废物资源综合利用与生态发展创新中心等技术创新平台建设。", False),
        ("企业应按照国家财务会计制度要求，对研发支出进行会计处理。", False),
    ],
)
def test_what_counts_as_a_list(text: str, listed: bool) -> None:
    from policybot.answer.evidence import fits

    assert fits(AnswerType.LIST, text) is listed


def test_a_deadline_asked_needs_a_deadline_not_a_date() -> None:
    call = "遴选委员会将在市政府2017年1号文以及申报正式通知（预计1月上旬）下发后统一启动试点企业遴选。"
    assert not _ranked([call], "正式申报的截止时间是哪天？", AnswerType.TIME)
    assert _ranked([call], "正式通知预计什么时候下发？", AnswerType.TIME)  # when, not by when: the date answers
    fund = "申报单位将申报资料一式三份于2016年5月20日（周五）前报送至市经信局。"
    assert _ranked([fund], "申报资料的截止时间是哪天？", AnswerType.TIME)


def test_hours_asked_are_counted_in_hours() -> None:
    plan = "教师每年至少1个月在企业实训，建立100个培养培训基地，落实教师5年一周期的全员轮训制度。"
    training = "新任教师岗前培训累计不少于40学时。"
    assert values_for(AnswerType.COUNT, plan, asked_units("How many hours of training per cycle?")) == []
    assert values_for(AnswerType.COUNT, training, asked_units("How many hours of training?")) == ["40学时"]
    assert values_for(AnswerType.COUNT, training, asked_units("岗前培训要多少课时？")) == ["40学时"]


def test_support_asked_is_answered_by_a_clause_that_gives_support() -> None:
    threshold = "2015年营业收入原则上不低于2000万元、营业收入增长不低于10%、利润总额为正数。"
    robot = "按设备购置额的10%给予事后奖补，单个企业最高不超过500万元。"
    assert not _ranked([threshold], "每家试点企业每年能拿到多少补贴？", AnswerType.MONEY)
    assert _ranked([robot], "购置设备能拿到多少奖补？", AnswerType.MONEY)
    assert _ranked([threshold], "营业收入要求是多少万元？", AnswerType.MONEY)  # a threshold asked: it answers


@pytest.mark.parametrize(
    "question", ["Which energy users count as key energy-consuming units?", "哪些用能单位属于重点用能单位？"]
)
def test_which_ones_count_as_takes_the_clause_naming_them(question: str) -> None:
    law = [
        "重点用能单位应当每年向管理节能工作的部门报送上年度的能源利用状况报告。能源利用状况包括能源消费情况、节能措施等内容。",
        "下列用能单位为重点用能单位：",
    ]
    chunks = [_chunk(text, ("节约能源法", f"第五十{i + 2}条"), i) for i, text in enumerate(law)]
    clauses = split_clauses(chunks)
    sims = np.full(len(clauses), 0.85, dtype=np.float32)
    query = understand(question, (), Glossary.load())
    ranked = rank_clauses(query, AnswerType.LIST, [Hit(c, 1.0) for c in chunks], clauses, chunks, sims)
    assert ranked[0].text == "下列用能单位为重点用能单位："


@pytest.mark.parametrize(
    ("question", "text", "defines", "label", "bound"),
    [
        ("本法所称能源包括哪些？", "本法所称能源，是指煤炭、石油、天然气。", 0.2, 0.0, 0.0),
        ("本法所称能源包括哪些？", "本法所称节约能源（以下简称节能），是指加强用能管理。", -0.1, 0.0, 0.0),
        ("研发活动具体包括哪些？", "研发活动是指企业为获得新知识而进行的活动。", 0.2, 0.0, 0.0),
        ("研发活动具体包括哪些？", "企业应当建立研发项目台账。", 0.0, 0.0, 0.0),
        ("方向2企业购置机器人设备的时间要求是什么？", "方向2：2015年1月1日以后购置的设备。", 0.0, 0.15, 0.0),
        ("方向2企业购置机器人设备的时间要求是什么？", "方向1：2014年以后购置的设备。", 0.0, -0.15, 0.0),
        ("单个项目资助上限是多少？", "单个项目资助额不超过500万元。", 0.0, 0.0, 0.12),
        ("委托研发费用最低能扣除多少？", "按照费用实际发生额的80%计入，不低于。", 0.0, 0.0, 0.12),
        ("单个项目资助上限是多少？", "资助额为500万元。", 0.0, 0.0, 0.0),
    ],
)
def test_question_side_scores_found_once_per_question(
    question: str, text: str, defines: float, label: float, bound: float
) -> None:
    """The question's half of ``defines``, ``named_label`` and ``bound_fit`` is found once per
    question (cached), not once per candidate clause; the scores are the same for every clause."""
    from policybot.answer import clause_scores as scores

    for cached in (scores._asked_definition, scores._asked_labels, scores._asked_bounds):
        cached.cache_clear()
    for _ in range(3):
        assert scores.defines(question, text) == defines
        assert scores.named_label(question, text) == label
        assert scores.bound_fit(question, text) == bound
    for cached in (scores._asked_definition, scores._asked_labels, scores._asked_bounds):
        assert cached.cache_info().misses == 1 and cached.cache_info().hits == 2


def test_a_value_changed_to_needs_the_value_it_is_changed_to() -> None:
    call = "2015年营业收入原则上不低于2000万元（对于新设并已投产企业，收入要求可适当放宽）。"
    assert not _ranked([call], "新设企业的营业收入要求可以放宽到多少万元？", AnswerType.MONEY)
    voucher = "抵扣比例为合同金额的30%；对专精特新企业，抵扣比例提高到40%。"
    assert _ranked([voucher], "专精特新企业的抵扣比例可以提高到多少？", AnswerType.RATIO)


def test_a_value_right_after_the_noun_asked_states_it() -> None:
    qa = [
        "甲公司拟将大厦的折旧年限变更为40年，玻璃幕墙改造支出予以资本化，计入大厦资产原值。",
        "甲公司持有某大厦写字楼，原值10亿元，采用年限平均法折旧，折旧年限35年。",
    ]
    assert _ranked(qa, "大厦原值多少？", AnswerType.NUMBER)[0].startswith("甲公司持有")
    assert _ranked(qa, "甲公司想把折旧年限改成多少年？", AnswerType.PERIOD)[0].startswith("甲公司拟将")


@pytest.mark.parametrize(
    ("question", "text", "values"),
    [  # a plan's energy target, a law's fine, a call's investment floor
        ("2024年单位增加值能耗是多少吨标准煤每万元？", "规模以上工业单位增加值能耗较2024年下降10%。", []),
        (
            "年综合能源消费总量多少吨标准煤以上算重点用能单位？",
            "年综合能源消费总量一万吨标准煤以上的用能单位。",
            ["一万吨标准煤"],
        ),
        ("设备投资额要达到多少万元？", "项目实际完成设备投资额不低于300万元，占比不低于30%。", ["300万元"]),
        ("下降多少？", "规模以上工业单位增加值能耗较2024年下降10%。", ["10%"]),
    ],
)
def test_a_measure_asked_in_a_unit_takes_only_values_in_that_kind_of_unit(
    question: str, text: str, values: list[str]
) -> None:
    from policybot.answer.answer_types import answer_type, asked_units, values_for

    kind = answer_type(question)
    assert [v for v in values_for(kind, text, asked_units(question)) if not v.endswith("年")] == values


def test_a_what_must_be_satisfied_question_prefers_a_conditions_section() -> None:
    from policybot.answer.clause_scores import meets_conditions as _meets_conditions

    asked = "申报要求的机器人设备需要满足哪些技术特征？"
    assert _meets_conditions(asked, ("通知", "二、申报条件", "（三）")) > 0
    assert _meets_conditions(asked, ("通知", "三、申报资料", "（二）工业机器人应用专题申报资料要求")) == 0
    assert _meets_conditions("享受稳岗返还的企业需要符合什么条件？", ("解读", "四、申请资格")) > 0
    assert _meets_conditions("申报材料有哪些？", ("通知", "二、申报条件")) == 0  # nothing to satisfy asked


@pytest.mark.parametrize(
    ("question", "text", "describes"),
    [
        (
            "机器人设备需要满足哪些技术特征？",
            "机器人设备属于工业自动化中使用的、具有三轴及三轴以上可重复编程的操作机。",
            True,
        ),
        ("示范工厂有哪些特点？", "数字化示范工厂是指关键工序数控化率达到70%以上的工厂。", True),
        ("机器人设备需要满足哪些技术特征？", "机器人设备的销售时间应在2016年4月1日至2016年10月31日。", False),
        ("申报材料有哪些？", "申报材料具有以下几类。", False),
    ],
)
def test_a_features_question_prefers_a_clause_that_says_what_the_thing_is(
    question: str, text: str, describes: bool
) -> None:
    from policybot.answer.clause_scores import describes as _describes

    assert (_describes(question, text) > 0) is describes


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("这个细则有效期到什么时候？", "time"),  # the day it ends
        ("政策执行到哪天？", "time"),
        ("有效期多长？", "period"),  # how long it lasts
        ("有效期是几年？", "period"),
    ],
)
def test_until_when_asks_a_day_not_a_period(question: str, kind: str) -> None:
    from policybot.answer.answer_types import answer_type

    assert answer_type(question).value == kind


def test_the_questions_bigrams_are_found_once_per_question_not_per_text() -> None:
    from policybot.answer.compose import _term_bigrams, lexical_overlap

    query = understand("绿色工厂评价导则计划在哪个季度出台？")
    _term_bigrams.cache_clear()
    texts = ["发布绿色工厂评价导则", "开展绿色工厂试点", "启动节能监察"]
    scores = [lexical_overlap(query, t) for t in texts]
    assert scores[0] > scores[1] > scores[2] >= 0.0
    assert _term_bigrams.cache_info().misses == 1 and _term_bigrams.cache_info().hits == 2


@pytest.mark.parametrize(
    ("question", "text", "after"),
    [
        ("低空经济规模要达到多少？", "到2027年，全省低空经济规模突破500亿元，基础设施网络基本形成。", True),
        ("大厦原值多少？", "甲公司将大厦确认为一项固定资产，原值10亿元，采用年限平均法折旧。", True),
        ("低空经济规模要达到多少？", "无人机年飞行小时数达到50万小时，打造示范场景100个。", False),
    ],
)
def test_a_value_linked_to_the_noun_asked_by_a_verb_states_it(question: str, text: str, after: bool) -> None:
    from policybot.answer.answer_types import answer_type, asked_units
    from policybot.answer.clause_scores import value_after_term

    query = understand(question)
    assert value_after_term(query, answer_type(question), text, asked_units(question)) is after


@pytest.mark.parametrize(
    ("question", "text", "other"),
    [
        ("这个减征政策的执行期限是什么？", "资料留存备查，留存期限为享受优惠期满之日起10年。", True),  # a tax notice
        ("公示期多长？", "经公示无异议后，在公示结束后15个工作日内拨付，公示期为5个工作日。", False),
        ("折旧年限是多少年？", "采用年限平均法折旧，折旧年限35年。", False),  # an accounting Q&A
        ("企业倍增方案可以选几年期的？", "如企业选择三年倍增：提供三年期方案。", False),  # 几年期 names no term
    ],
)
def test_a_period_of_another_term_is_not_the_one_asked(question: str, text: str, other: bool) -> None:
    from policybot.answer.evidence import _other_term

    assert _other_term(question, text) is other


@pytest.mark.parametrize(
    ("question", "measured"),
    [
        ("2016年要削减多少吨汞？", ("汞",)),
        ("每年节约多少万吨标准煤？", ("标准煤",)),
        ("年用水量不超过多少立方米？", ()),
        ("全年削减多少吨化学需氧量？", ("化学需氧量",)),
        ("How many tonnes of mercury will be cut in 2016?", ("汞",)),
        ("How many tonnes will be cut?", ()),
    ],
)
def test_the_substance_a_measure_is_asked_of(question: str, measured: tuple[str, ...]) -> None:
    assert understand(question, (), Glossary.load()).measured == measured


@pytest.mark.parametrize(
    "question",
    ["2016年要削减多少吨汞？", "How many tonnes of mercury will be cut in 2016?"],
)
def test_tonnes_of_another_substance_do_not_answer(question: str) -> None:
    plan = "预计全年削减化学需氧量8万吨、氨氮0.7万吨。"
    pollutants = "会同财政部支持一批高风险污染物削减项目，从源头减少汞、铅、高毒农药等高风险污染物产生和排放。"
    kind = answer_type(question)
    chunks = [_chunk(text, ("方案", f"第{i + 1}节"), i) for i, text in enumerate([plan, pollutants])]
    clauses = split_clauses(chunks)
    sims = np.full(len(clauses), 0.85, dtype=np.float32)
    query = understand(question, (), Glossary.load())
    ranked = rank_clauses(query, kind, [Hit(c, 1.0) for c in chunks], clauses, chunks, sims)
    assert not any(e.fits for e in ranked)  # 汞 is named, but with no tonnage: nothing to state
    ammonia = understand("How many tonnes of ammonia nitrogen will be cut?", (), Glossary.load())
    ranked = rank_clauses(ammonia, kind, [Hit(c, 1.0) for c in chunks], clauses, chunks, sims)
    assert ranked[0].fits and "氨氮" in ranked[0].text


def test_the_tonnes_asked_are_those_of_the_substance_named() -> None:
    from policybot.answer.composers.values import focus

    plan = "预计全年削减化学需氧量8万吨、氨氮0.7万吨。"
    question = "How many tonnes of ammonia nitrogen will be cut in 2016?"
    query = understand(question, (), Glossary.load())
    assert focus(query, answer_type(question), plan) == ["0.7万吨"]
    cod = understand("How many tonnes of COD will be cut in 2016?", (), Glossary.load())
    assert focus(cod, answer_type(question), plan) == ["8万吨"]


@pytest.mark.parametrize(
    ("question", "text", "unnamed"),
    [
        (
            "数字化改造项目的补助比例是多少？",
            "第七条被认定为市级智能工厂的项目，补助比例提高至25%，单个项目补助最高不超过800万元。",
            True,
        ),
        (
            "市级智能工厂项目的补助比例是多少？",
            "第七条被认定为市级智能工厂的项目，补助比例提高至25%，单个项目补助最高不超过800万元。",
            False,
        ),
        ("稳岗返还标准是多少？", "返还标准按50%确定，对困难企业可提高到75%。", True),  # an opinion's refund
        ("困难企业的返还比例是多少？", "返还标准按50%确定，对困难企业可提高到75%。", False),
        ("技术改造补助比例是多少？", "按设备投资额的10%给予补助，单个项目最高不超过300万元。", False),  # no raise
    ],
)
def test_a_raise_for_a_case_the_question_does_not_name(question: str, text: str, unnamed: bool) -> None:
    from policybot.answer.clause_scores import unnamed_raise

    assert unnamed_raise(understand(question), text) is unnamed


@pytest.mark.parametrize(
    ("question", "text", "other"),
    [
        (
            "专精特新奖励的申报时间是什么时候？",
            "2024年7月1日至2025年6月30日期间首次获得认定的国家级专精特新“小巨人”企业。一、奖励对象",
            True,
        ),
        ("专精特新奖励的申报时间是什么时候？", "企业于2025年8月1日至8月31日填报信息。（一）企业申报", False),
        ("申报截止时间是哪天？", "请于2016年12月31日前将推荐材料报送至我部。", False),  # 报送 is applying too
        ("县里审核要在什么时候前完成？", "各县（市、区）经信局应于2026年5月15日前完成审核。", False),
        ("县里审核要在什么时候前完成？", "企业于2026年4月1日至4月30日提交申报材料。", True),  # applying, not review
        ("绿色工厂评价导则什么时候发布？", "发布绿色工厂评价导则（二季度）", False),  # no step asked
    ],
)
def test_a_time_is_of_the_step_asked(question: str, text: str, other: bool) -> None:
    from policybot.answer.clause_scores import other_step

    assert other_step(understand(question), text) is other


def test_a_name_before_a_phone_label_is_a_contact() -> None:
    from policybot.answer.answer_types import contacts

    assert contacts("市工业和信息化局装备工业处：陈晓峰，联系电话：0598-6231457") == ["陈晓峰", "0598-6231457"]
    assert contacts("联系人：刘晓，联系电话：0791-86123456") == ["刘晓", "0791-86123456"]  # labelled: once
    assert contacts("申报系统技术支持：0598-6239900") == ["0598-6239900"]


@pytest.mark.parametrize(
    ("question", "units"),
    [
        ("最多补几个人？", {"人", "名"}),  # 几个人 counts persons, not 个
        ("多少名员工？", {"人", "名"}),
        ("支持多少个项目？", {"个"}),  # 项目 is no 项
        ("几家企业？", {"家"}),
    ],
)
def test_the_unit_a_count_is_asked_in(question: str, units: set[str]) -> None:
    from policybot.answer.answer_types import asked_units

    assert asked_units(question) == frozenset(units)
