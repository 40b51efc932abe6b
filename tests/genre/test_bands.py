"""Support in bands of an amount, read from snippets of two kinds of call."""

from __future__ import annotations

import pytest

from policybot.genre.bands import bands_in, cap_after, stated_amount

UPGRADE = (  # a municipal call for technical upgrades
    "对符合条件的智能化技术改造项目，按项目设备投资额分档给予补助：设备投资额500万元（含）至2000万元的，"
    "按设备投资额的8%给予补助；设备投资额2000万元（含）以上的，按设备投资额的10%给予补助。单个项目补助最高不超过500万元。"
)
VOUCHER = (  # a provincial technology-contract rule
    "技术合同成交额50万元以下的，按合同成交额的30%给予补助；50万元（含）至200万元的，按20%给予补助；"
    "200万元以上的，按10%给予补助，单个企业年度补助最高不超过60万元。"
)


@pytest.mark.parametrize(
    ("text", "amount", "percent"),
    [
        (UPGRADE, 1500, 8),
        (UPGRADE, 2000, 10),
        (UPGRADE, 3000, 10),
        (VOUCHER, 30, 30),
        (VOUCHER, 50, 20),
        (VOUCHER, 300, 10),
    ],
)
def test_the_band_an_amount_falls_in(text: str, amount: float, percent: float) -> None:
    held = [b for b in bands_in(text) if b.holds(amount)]
    assert [b.percent for b in held] == [percent]


def test_no_band_below_the_first_and_the_cap_after_them() -> None:
    assert not any(b.holds(300) for b in bands_in(UPGRADE))  # under 500万元: no support
    bands = bands_in(UPGRADE)
    assert cap_after(UPGRADE, bands[-1].start) == (500.0, "单个项目补助最高不超过500万元")
    assert bands[0].text == "设备投资额500万元（含）至2000万元的，按设备投资额的8%给予补助"
    assert bands_in("按设备投资额的10%给予补助，单个项目最高不超过300万元。") == []  # one ratio is no band


def test_the_amount_an_asker_states() -> None:
    stated = stated_amount("我们的技改项目设备投资1500万元，能拿多少补助？")
    assert stated is not None and (stated.base, stated.wan, stated.text) == ("投资", 1500.0, "1500万元")
    contract = stated_amount("合同金额80万元的技术合同能补多少？")
    assert contract is not None and contract.wan == 80.0
    big = stated_amount("投资1.2亿元的项目补助多少？")
    assert big is not None and big.wan == 12000.0
    assert stated_amount("补助比例是多少？") is None


def test_one_ratio_with_its_floor_and_support_per_person() -> None:
    from policybot.genre.bands import per_head, single_rate, stated_count

    measure = (  # a city's 若干措施
        "对企业实施的数字化改造项目，设备（含软件）投资额在500万元以上的，按设备投资额的15%给予补助，单个项目最高补助500万元。"
    )
    rate = single_rate(measure, "投资")
    assert rate is not None and rate.percent == 15 and rate.low == 500 and not rate.holds(300) and rate.holds(2000)
    assert cap_after(measure, rate.start) == (500.0, rate.text)  # "最高补助500万元" is a cap too
    assert single_rate(measure, "合同金额") is None  # a ratio of another base
    qa = "按每人1500元的标准发放一次性扩岗补助，每家企业享受补助的人数最多不超过20人。"  # a social-insurance Q&A
    rule = per_head(qa)
    assert rule is not None and (rule.yuan, rule.cap) == (1500.0, 20)
    assert stated_count("新招8名毕业生能拿多少扩岗补助？") == 8
    bare = stated_amount("设备投资2000万能拿多少补助？")  # 元 left out
    assert bare is not None and bare.wan == 2000.0
