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
