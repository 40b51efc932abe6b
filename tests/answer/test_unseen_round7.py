"""Three documents a helper wrote for an unseen check (2026-12-04) and never in corpus/: a city's call
for smart-manufacturing support in bands, a province's 创新券 管理办法 and a city's charging-network
three-year plan. Real ingest, the real model; questions that failed in that check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from policybot.service import PolicyBot
from support import ingested_bot

DOCS = Path(__file__).parent / "docs"
CALL = ["yunxi_zhineng_zhuangbei_shenbao_2025"]
RULES = ["jianglan_keji_chuangxin_quan_banfa"]
PLAN = ["linchuan_xinnengyuan_qiche_xingdong_2025_2027"]


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> PolicyBot:
    files = [DOCS / f"{d[0]}.txt" for d in (CALL, RULES, PLAN)]
    bot: PolicyBot = ingested_bot(tmp_path_factory.mktemp("round7"), files, embedder)
    return bot


@pytest.mark.parametrize(
    ("question", "lead"),
    [
        ("我们的技改项目设备投资1500万元，能拿多少补助？", "120万元"),  # 8% band
        ("设备投资3000万元的技术改造项目补助多少？", "300万元"),  # 10% band, under the cap
        ("技改项目设备投资8000万元能获得多少补助？", "500万元"),  # 800万元, capped
    ],
)
def test_support_is_worked_out_for_the_askers_amount(bot: PolicyBot, question: str, lead: str) -> None:
    answer = bot.ask(question, doc_ids=CALL)
    assert answer.text.startswith(f"{lead}。"), answer.text
    assert "×" in answer.text and any("给予补助" in c.quote for c in answer.citations), answer.text


def test_a_support_standard_is_its_ratio_with_the_cap(bot: PolicyBot) -> None:
    answer = bot.ask("社会资本建设公共直流快充桩补贴标准是什么？", doc_ids=PLAN)
    assert answer.text.startswith("20%，每千瓦补贴最高不超过300元"), answer.text


def test_each_time_is_told_by_the_step_after_it(bot: PolicyBot) -> None:
    answer = bot.ask("兑付审核和资金拨付分别需要多长时间？", doc_ids=RULES)
    assert answer.text.startswith("20个工作日、10个工作日"), answer.text
    payment = bot.ask("资金拨付需要多长时间？", doc_ids=RULES)
    assert payment.text.startswith("10个工作日"), payment.text


def test_a_validity_is_of_the_thing_asked(bot: PolicyBot) -> None:
    # 第九条 "创新券有效期为自发放之日起12个月", not 服务机构登记 (3年) or the 办法 itself (5年)
    answer = bot.ask("创新券有效期多长？过期了怎么办？", doc_ids=RULES)
    assert answer.text.startswith("12个月"), answer.text
    assert "3年" not in answer.text.split("根据")[0] and "5年" not in answer.text.split("根据")[0], answer.text


def test_an_english_question_on_a_voucher_rate(bot: PolicyBot) -> None:
    q = "What percentage of a service contract can a small or micro enterprise offset with innovation vouchers?"
    answer = bot.ask(q, doc_ids=RULES)
    assert answer.text.startswith("50%"), answer.text


def test_eligibility_names_every_condition_failed(bot: PolicyBot) -> None:
    answer = bot.ask("我们公司成立1年半，去年营收1500万，能申报吗？", doc_ids=CALL)
    assert "不符合" in answer.text and "满2年" in answer.text and "2000万元" in answer.text, answer.text


def test_every_contact_of_the_section_is_given(bot: PolicyBot) -> None:
    answer = bot.ask("申报有问题找谁？联系电话多少？", doc_ids=CALL)
    lead = answer.text.split("依据")[0]
    for contact in ("陈晓峰", "0598-6231457", "林慧", "0598-6235108", "0598-6239900"):
        assert contact in lead, answer.text
    assert lead.index("陈晓峰") < lead.index("林慧")  # in the section's order


def test_conditions_and_standard_quote_the_whole_rule(bot: PolicyBot) -> None:
    answer = bot.ask("充电站运营补贴的条件和标准是什么？", doc_ids=PLAN)
    assert "0.1元" in answer.text and "连续补贴3年" in answer.text and "不低于10%" in answer.text, answer.text


def test_the_consequence_of_a_listed_act_for_the_askers_party(bot: PolicyBot) -> None:
    service = bot.ask("服务机构通过关联交易套取创新券资金会受到什么处罚？", doc_ids=RULES)
    assert not service.refused and "追回已兑付资金" in service.text and "取消其服务机构登记" in service.text
    assert "取消其3年内申领创新券资格" not in service.text, service.text  # that is the enterprise's
    firm = bot.ask("企业转让创新券会有什么后果？", doc_ids=RULES)
    assert "取消其3年内申领创新券资格" in firm.text and "（三）转让、买卖创新券的" in firm.text, firm.text


def test_a_time_counted_from_an_event(bot: PolicyBot) -> None:
    answer = bot.ask("服务机构什么时候申请兑付？要交哪些材料？", doc_ids=RULES)
    assert answer.text.startswith("服务完成后30日内"), answer.text
    assert "服务成果报告" in answer.text, answer.text


def test_a_ratio_of_two_numbers_is_a_target(bot: PolicyBot) -> None:
    assert bot.ask("到2027年车桩比要达到多少？", doc_ids=PLAN).text.startswith("2:1")
    english = bot.ask("What vehicle-to-charger ratio should the city reach by 2027?", doc_ids=PLAN)
    assert english.text.startswith("2:1"), english.text
