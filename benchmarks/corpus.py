"""A generated corpus of policy documents in the seed's style, for benchmarks at scale.

How a document is made (deterministic: the same ``seed`` gives byte-identical files):

1. The seed ``corpus/gxb-jie-2016-113.txt`` is cleaned with policybot's own cleaner and cut into
   pools of real sentences by the section they come from: background (一、背景), guiding
   thought (二、指导思想), goals (三、主要目标), task headings and task sentences (四、重点工作),
   schedule items (五、进度安排, the ──… lines) and safeguards (六、保障措施).
2. Each document draws a context with ``random.Random(seed + index)``: a year (2016–2025), an
   issuing ministry with its 文号 prefix and a number (e.g. 发改环资〔2019〕57号), an issue date, a
   partner ministry, a topic (绿色制造, 工业节能, 清洁生产, …), a region and two sectors.
3. Seed sentences are re-used with the seed's own terms swapped for that context (绿色制造 ->
   the topic, 2016 -> the year, 京津冀 -> the region, 财政部 -> the partner, 工业和信息化部 ->
   the issuer, 钢铁、造纸 -> the sectors, 8万吨 / 0.7万吨 -> other figures) and mixed with a few
   dozen template sentences written in the same register (targets with figures and units,
   deadlines such as 年底前 / 6月底前, 会同… parties), so facts are extracted as from the seed.
4. A document is one of three layouts:
   * ``plan``: the seed's own layout: a 关于印发《…实施方案》的通知 with 文号, 主送, signature and
     date, then the plan with 一、… headings, （一）… subsections and a 进度安排 list of ──
     items carrying time tags (（二季度）, （年底前）, …);
   * ``regulation``: a notice issuing a 管理办法 written in 第X章 / 第X条 style, some articles
     listing （一）（二）… items;
   * ``opinion``: a 指导意见 with 一、 / （一） / 1. levels and the signature at the end.
5. The text is written like the seed's PDF extraction: hard-wrapped at 24–30 characters per
   line, each paragraph's last line ending in a space, blank lines between paragraphs, spaces
   around some numbers (``2019 年``) and a form feed with a page-number line (``- 3 -``) every
   40-odd lines, so ingest runs the full cleaning path (line joining, page numbers, spaces).

``generate_corpus(folder, chunks=N)`` writes documents until policybot's own pipeline
(``prepare_document``: clean, parse, chunk, extract facts, no embedding) counts at least ``N``
chunks, including the seed document (copied in so the eval questions still have their answer).

    python benchmarks/corpus.py /tmp/gen --chunks 10000 --seed 0
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from random import Random

from policybot.ingest.chunking import ChunkSettings
from policybot.ingest.cleaning import clean_text, is_page_number_line
from policybot.ingest.pipeline import prepare_document
from policybot.ingest.structure import is_marker_line

__all__ = ["SEED", "GeneratedDoc", "cn_number", "generate_corpus", "render_document", "seed_pools"]

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpus" / "gxb-jie-2016-113.txt"

# name, short name for 文号, 文号 sub-prefixes, ascii code for the file name
MINISTRIES: list[tuple[str, str, tuple[str, ...], str]] = [
    ("工业和信息化部", "工信部", ("节", "规", "联节", "原", "信软"), "gxb"),
    ("国家发展改革委", "发改", ("环资", "产业", "能源", "高技"), "fgw"),
    ("财政部", "财", ("建", "税", "资环"), "czb"),
    ("生态环境部", "环", ("大气", "水体", "固体", "科财"), "sthjb"),
    ("科学技术部", "国科发", ("资", "高", "社"), "kjb"),
    ("商务部", "商", ("流通", "产", "服贸"), "swb"),
    ("国家能源局", "国能发", ("科技", "电力", "新能源"), "nyj"),
    ("住房和城乡建设部", "建", ("标", "科", "城"), "zjb"),
    ("水利部", "水", ("节约", "资管"), "slb"),
    ("交通运输部", "交", ("规划", "科技", "运"), "jtb"),
]
PARTNERS = (
    "财政部",
    "国家发展改革委",
    "生态环境部",
    "科学技术部",
    "商务部",
    "国家市场监督管理总局",
    "中国人民银行",
    "国家统计局",
    "自然资源部",
    "国家税务总局",
)
TOPICS = (
    "绿色制造",
    "工业节能",
    "清洁生产",
    "资源综合利用",
    "节水型企业建设",
    "智能制造",
    "工业互联网",
    "循环经济",
    "绿色建材推广",
    "数字化转型",
    "工业固废治理",
    "再生资源回收",
    "能效提升",
    "低碳技术推广",
    "绿色数据中心建设",
    "新能源汽车推广",
    "节能环保装备",
    "绿色供应链",
)
REGIONS = (
    "京津冀",
    "长江经济带",
    "粤港澳大湾区",
    "成渝地区",
    "黄河流域",
    "长三角",
    "东北老工业基地",
    "汾渭平原",
    "珠江—西江经济带",
    "北部湾",
)
SECTORS = (
    "钢铁",
    "造纸",
    "石化",
    "化工",
    "有色金属",
    "建材",
    "纺织",
    "印染",
    "制革",
    "食品",
    "汽车",
    "电子信息",
    "机械",
    "船舶",
    "医药",
    "轻工",
)
TIME_TAGS = ("一季度", "二季度", "三季度", "四季度", "上半年", "下半年", "年底前", "6月底前", "9月底前", "年内")

_CN_DIGITS = "〇一二三四五六七八九"
_PLAIN_SENTENCE = re.compile(r"[^。；]*[。；]")


def cn_number(n: int) -> str:
    """1..99 in Chinese numerals: 1 -> 一, 10 -> 十, 21 -> 二十一."""
    if not 1 <= n <= 99:
        raise ValueError(f"cn_number handles 1..99, got {n}")
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _CN_DIGITS[ones]
    head = "" if tens == 1 else _CN_DIGITS[tens]
    return head + "十" + (_CN_DIGITS[ones] if ones else "")


# ---- the seed's sentences ----------------------------------------------------------------------


@dataclass
class Pools:
    """Real sentences of the seed, by the section they come from."""

    notice: list[str] = field(default_factory=list)
    preamble: list[str] = field(default_factory=list)
    background: list[str] = field(default_factory=list)
    guiding: list[str] = field(default_factory=list)
    goals: list[str] = field(default_factory=list)
    task_headings: list[str] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)
    schedule: list[str] = field(default_factory=list)
    safeguard_headings: list[str] = field(default_factory=list)
    safeguards: list[str] = field(default_factory=list)


_TOP = re.compile(r"^[一二三四五六七八九十]+、")
_SUB = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
_TAG_END = re.compile(r"[（(][^（）()]{2,8}[）)]$")


def _sentences(paragraph: str) -> list[str]:
    found = [s.strip() for s in _PLAIN_SENTENCE.findall(paragraph) if s.strip()]
    rest = _PLAIN_SENTENCE.sub("", paragraph).strip()
    return [*found, rest] if rest else found


def seed_pools(seed: Path = SEED) -> Pools:
    """Cut the cleaned seed into sentence pools (see the module docstring)."""
    text = clean_text(seed.read_text("utf-8"), hard_wrapped=True).text
    pools = Pools()
    section = "notice"
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        if line.endswith("实施方案") and "《" not in line:
            section = "preamble"
            continue
        top = _TOP.match(line)
        if top:
            section = {
                "一": "background",
                "二": "guiding",
                "三": "goals",
                "四": "tasks",
                "五": "schedule",
                "六": "safeguards",
            }.get(line[0], section)
            continue
        sub = _SUB.match(line)
        body = line[sub.end() :] if sub else line
        if section == "notice":
            if "。" in line:
                pools.notice.extend(_sentences(line))
        elif section == "tasks" and sub:
            pools.task_headings.append(body)
        elif section == "safeguards" and sub:
            head, _, rest = body.partition("。")
            pools.safeguard_headings.append(head)
            pools.safeguards.extend(_sentences(rest))
        elif section == "schedule":
            pools.schedule.append(_TAG_END.sub("", body.lstrip("─—")).rstrip("。"))
        elif section == "goals" and not sub:
            continue  # "预期实现以下目标：" introduces the list
        else:
            getattr(pools, section).extend(_sentences(body))
    return pools


# ---- one document -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    year: int
    issuer: str
    short: str
    sub: str
    code: str
    number: int
    month: int
    day: int
    partner: str
    topic: str
    region: str
    sectors: tuple[str, str]

    @property
    def doc_number(self) -> str:
        return f"{self.short}{self.sub}〔{self.year}〕{self.number}号"

    @property
    def date(self) -> str:
        return f"{self.year}年{self.month}月{self.day}日"


@dataclass(frozen=True)
class GeneratedDoc:
    """A generated file and what policybot should find in it."""

    path: Path
    doc_id: str
    kind: str
    title: str
    doc_number: str
    issuer: str
    issue_date: str  # ISO
    headings: tuple[str, ...]  # heading labels the structure parser should put in section paths
    chunks: int = 0
    facts: int = 0


def _context(rng: Random) -> Context:
    issuer, short, subs, code = rng.choice(MINISTRIES)
    partner = rng.choice([p for p in PARTNERS if p != issuer])
    sectors = rng.sample(SECTORS, 2)
    return Context(
        year=rng.randint(2016, 2025),
        issuer=issuer,
        short=short,
        sub=rng.choice(subs),
        code=code,
        number=rng.randint(1, 399),
        month=rng.randint(1, 12),
        day=rng.randint(1, 28),
        partner=partner,
        topic=rng.choice(TOPICS),
        region=rng.choice(REGIONS),
        sectors=(sectors[0], sectors[1]),
    )


# Template sentences in the seed's register; {placeholders} are filled per use.
GOALS = [
    "到{later}年底，{sector}行业单位产品能耗比{year}年下降{pct}%。",
    "预计全年削减{pollutant}{figure}万吨，{sector2}行业重复用水率提高{small}个百分点。",
    "力争培育{count}家{topic}示范企业，建成{small}个{topic}示范园区。",
    "到{later}年，{region}{topic}重点项目累计完成投资{money}亿元。",
    "全年推广先进适用技术{count}项，节约标准煤{figure}万吨。",
    "{sector}行业{pollutant}排放总量控制在{figure}万吨以内。",
]
TASKS = [
    "支持{region}率先开展{topic}试点，形成一批可复制可推广的经验。",
    "鼓励{sector}、{sector2}等行业企业实施{topic}改造，推广应用一批先进适用技术装备。",
    "会同{partner}建立{topic}重点项目库，实行动态管理，{year}年底前完成首批项目遴选。",
    "研究制定{topic}评价标准，开展第三方评价，发布{topic}示范名单。",
    "依托行业协会和科研院所，建设{topic}公共服务平台，为中小企业提供诊断服务。",
    "加强{topic}统计监测，建立重点企业能源资源消耗台账，按季度报送有关数据。",
    "在{region}选择部分城市开展{topic}试点示范，带动{sector}行业整体水平提升。",
    "推动{sector2}行业开展{topic}对标达标，到{later}年重点企业全部完成改造。",
    "会同{partner}落实税收优惠政策，引导社会资本投向{topic}领域。",
]
TASK_HEADINGS = [
    "实施{sector}行业{topic}改造",
    "开展{region}{topic}协同发展示范",
    "推进{topic}体系建设试点",
    "加强{topic}标准体系建设",
    "培育{topic}服务机构",
    "完善{topic}统计监测制度",
    "推动{sector2}行业绿色化转型",
    "组织{topic}关键技术攻关",
    "强化{topic}人才支撑",
]
SCHEDULE = [
    "发布《{topic}重点行业实施方案》",
    "启动{region}{topic}试点示范",
    "会同{partner}组织开展{topic}专项督查",
    "公布第{ordinal}批{topic}示范企业名单",
    "召开{topic}现场经验交流会",
    "开展{sector}行业{topic}对标达标",
]
ARTICLES: dict[str, list[str]] = {
    "总则": [
        "为规范{topic}专项资金管理，提高资金使用效益，根据《中华人民共和国预算法》等有关规定，制定本办法。",
        "本办法所称{topic}专项资金，是指中央财政安排用于支持{topic}重点项目的资金。",
        "专项资金的分配、使用和管理应当遵循公开透明、突出重点、注重绩效、强化监督的原则。",
        "{issuer}负责组织项目申报、评审和监督检查，{partner}负责资金预算安排和拨付。",
    ],
    "支持范围": [
        "专项资金重点支持{sector}、{sector2}等行业实施{topic}改造，推广应用先进适用技术装备。",
        "支持{region}开展{topic}区域协同示范，对示范项目按照实际投资的{pct}%给予补助，单个项目最高不超过{grant}万元。",
        "支持建设{topic}公共服务平台和技术创新中心，提升行业共性技术供给能力。",
        "专项资金不得用于平衡地方预算、偿还债务、支付罚款以及楼堂馆所建设。",
    ],
    "申报和审核": [
        "申报单位应当具备独立法人资格，财务管理制度健全，近三年无重大违法违规行为。",
        "项目申报实行属地管理，由省级主管部门审核后，于每年{month}月底前报送{issuer}。",
        "{issuer}组织专家对申报项目进行评审，评审结果在门户网站公示，公示期不少于{days}个工作日。",
    ],
    "监督管理": [
        "项目承担单位应当于每年{month}月底前报送上一年度资金使用情况和绩效自评报告。",
        "{issuer}会同{partner}对专项资金使用情况进行绩效评价，评价结果作为以后年度资金安排的重要依据。",
        "对弄虚作假、截留挪用专项资金的单位，依法依规追究责任，{few}年内不得申报专项资金。",
    ],
}
POLLUTANTS = ("化学需氧量", "氨氮", "二氧化硫", "氮氧化物", "挥发性有机物", "颗粒物", "一般工业固体废物")


def _figure(rng: Random) -> str:
    return str(rng.randint(2, 60)) if rng.random() < 0.6 else f"{rng.randint(1, 9)}.{rng.randint(1, 9)}"


class _Writer:
    """Sentences for one document: seed sentences varied for its context, and templates; no
    sentence is drawn twice in a document until its pool is used up."""

    def __init__(self, ctx: Context, rng: Random, pools: Pools) -> None:
        self.ctx, self.rng, self.pools = ctx, rng, pools
        self._decks: dict[int, list[str]] = {}

    def draw(self, pool: list[str]) -> str:
        deck = self._decks.get(id(pool))
        if not deck:
            deck = list(pool)
            self.rng.shuffle(deck)
            self._decks[id(pool)] = deck
        return deck.pop()

    def vary(self, sentence: str) -> str:
        """A seed sentence with the seed's own terms swapped for the document's context."""
        ctx, rng = self.ctx, self.rng
        s = sentence.replace("2016-2020", f"{ctx.year}-{ctx.year + 4}")
        s = s.replace("工业和信息化部", ctx.issuer).replace("财政部", ctx.partner)
        s = s.replace("绿色制造", ctx.topic).replace("2016", str(ctx.year)).replace("京津冀", ctx.region)
        s = s.replace("钢铁、造纸", "、".join(ctx.sectors))
        return s.replace("8万吨", f"{_figure(rng)}万吨").replace("0.7万吨", f"{rng.randint(1, 9) / 10}万吨")

    def fill(self, template: str) -> str:
        ctx, rng = self.ctx, self.rng
        return template.format(
            topic=ctx.topic,
            issuer=ctx.issuer,
            partner=ctx.partner,
            sector=ctx.sectors[0],
            sector2=ctx.sectors[1],
            region=ctx.region,
            year=ctx.year,
            later=ctx.year + rng.randint(1, 5),
            pct=rng.randint(3, 40),
            small=rng.randint(5, 80),
            few=rng.randint(2, 5),
            days=rng.randint(5, 10),
            count=rng.randint(10, 300),
            money=rng.randint(20, 900),
            grant=rng.randint(5, 30) * 100,
            month=rng.randint(3, 11),
            figure=_figure(rng),
            pollutant=rng.choice(POLLUTANTS),
            ordinal=cn_number(rng.randint(1, 5)),
        )

    def sentence(self, seed_pool: list[str], templates: list[str], share: float = 0.45) -> str:
        """A varied seed sentence, or (with probability ``share``) a filled template."""
        if seed_pool and self.rng.random() >= share:
            return self.vary(self.draw(seed_pool))
        return self.fill(self.draw(templates))

    def paragraph(self, seed_pool: list[str], templates: list[str], low: int = 2, high: int = 4) -> str:
        return "".join(self.sentence(seed_pool, templates) for _ in range(self.rng.randint(low, high)))

    def notice(self, doc_title: str, verb: str) -> list[str]:
        ctx = self.ctx
        purpose = self.vary(self.pools.notice[0]).split("，")[0]
        return [
            f"关于印发《{doc_title}》的通知",
            ctx.doc_number,
            "各省、自治区、直辖市及计划单列市、新疆生产建设兵团有关主管部门：",
            f"{purpose}，{ctx.issuer}{verb}《{doc_title}》。现印发你们，请结合本地区实际，加强组织协调，认真贯彻落实。",
            ctx.issuer,
            ctx.date,
        ]

    def safeguards(self, paras: list[str], heads: list[str]) -> None:
        for i, head in enumerate(self.rng.sample(self.pools.safeguard_headings, self.rng.randint(2, 4)), start=1):
            paras.append(f"（{cn_number(i)}）{head}。{self.paragraph(self.pools.safeguards, TASKS, 1, 3)}")
            heads.append(f"（{cn_number(i)}）{head}")

    # -- layouts ------------------------------------------------------------------------------
    def plan(self) -> tuple[str, list[str], list[str]]:
        ctx, rng, pools = self.ctx, self.rng, self.pools
        plan = f"{ctx.topic}{ctx.year}专项行动实施方案"
        paras = [*self.notice(plan, "制定了"), plan, self.vary(pools.preamble[0])]
        heads: list[str] = []

        def top(n: int, label: str) -> None:
            heads.append(f"{cn_number(n)}、{label}")
            paras.append(f"{cn_number(n)}、{label}")

        top(1, "背景")
        paras += [self.paragraph(pools.background, TASKS, 2, 4) for _ in range(rng.randint(1, 2))]
        top(2, "指导思想")
        paras.append(self.vary(pools.guiding[0]))
        top(3, "主要目标")
        paras.append(f"通过实施{ctx.topic}{ctx.year}专项行动，预期实现以下目标：")
        for i in range(1, rng.randint(3, 5)):
            goal = self.paragraph(pools.goals, GOALS, 1, 2)
            paras.append(f"（{cn_number(i)}）{goal}")
            heads.append(f"（{cn_number(i)}）{re.split(r'[。；，,：:]', goal)[0]}")
        top(4, "重点工作")
        for i in range(1, rng.randint(4, 7)):
            heading = f"（{cn_number(i)}）{self.sentence(pools.task_headings, TASK_HEADINGS, 0.6)}"
            heads.append(heading)
            paras.append(heading)
            paras += [self.paragraph(pools.tasks, TASKS) for _ in range(rng.randint(1, 2))]
        top(5, "进度安排")
        for _ in range(rng.randint(4, 8)):
            paras.append(f"──{self.sentence(pools.schedule, SCHEDULE, 0.5)}。（{rng.choice(TIME_TAGS)}）")
        top(6, "保障措施")
        self.safeguards(paras, heads)
        return f"关于印发《{plan}》的通知", paras, heads

    def regulation(self) -> tuple[str, list[str], list[str]]:
        ctx, rng = self.ctx, self.rng
        name = f"{ctx.topic}专项资金管理办法"
        paras = [*self.notice(name, "会同有关部门研究制定了"), name]
        heads: list[str] = []
        article = 0
        for c, chapter in enumerate([*ARTICLES, "附则"], start=1):
            paras.append(f"第{cn_number(c)}章　{chapter}")
            heads.append(f"第{cn_number(c)}章{chapter}")
            if chapter == "附则":
                texts = [f"本办法由{ctx.issuer}负责解释。", f"本办法自{ctx.year}年{ctx.month}月{ctx.day}日起施行。"]
            else:
                pool = ARTICLES[chapter]
                keep = sorted(rng.sample(range(len(pool)), rng.randint(2, len(pool))))  # in the pool's order
                texts = [self.fill(pool[k]) for k in keep]
            for text in texts:
                article += 1
                heads.append(f"第{cn_number(article)}条")
                if chapter != "附则" and rng.random() < 0.35:
                    text += self.vary(self.draw(self.pools.tasks + self.pools.safeguards))
                paras.append(f"第{cn_number(article)}条　{text}")
                if chapter != "附则" and rng.random() < 0.25:  # an article listing items
                    paras += [f"（{cn_number(i)}）{self.fill(self.draw(TASKS))}" for i in range(1, rng.randint(3, 5))]
        return f"关于印发《{name}》的通知", paras, heads

    def opinion(self) -> tuple[str, list[str], list[str]]:
        ctx, rng, pools = self.ctx, self.rng, self.pools
        title = f"关于加快推进{ctx.topic}高质量发展的{rng.choice(['指导意见', '实施意见', '若干意见'])}"
        purpose = self.vary(pools.preamble[0]).split("，")[0]
        paras = [
            title,
            ctx.doc_number,
            "各省、自治区、直辖市人民政府，国务院各部委、各直属机构：",
            f"{purpose}，现提出以下意见。",
            "一、总体要求",
            f"（一）指导思想。{self.vary(pools.guiding[0])}",
            f"（二）主要目标。{self.paragraph(pools.goals, GOALS, 2, 3)}",
            "二、重点任务",
        ]
        heads = ["一、总体要求", "（一）指导思想", "（二）主要目标", "二、重点任务"]
        for i in range(1, rng.randint(3, 6)):
            heading = f"（{cn_number(i)}）{self.sentence(pools.task_headings, TASK_HEADINGS, 0.6)}"
            heads.append(heading)
            paras.append(heading)
            paras += [f"{j}.{self.paragraph(pools.tasks, TASKS, 1, 3)}" for j in range(1, rng.randint(2, 4))]
        paras.append("三、保障措施")
        heads.append("三、保障措施")
        self.safeguards(paras, heads)
        paras += [ctx.issuer, ctx.date]
        return title, paras, heads


_LAYOUTS = ("plan", "regulation", "opinion")
_WEIGHTS = (0.45, 0.3, 0.25)


# ---- writing like a PDF extraction ----------------------------------------------------------------


def _spaced_numbers(text: str, rng: Random) -> str:
    """Spaces around some numbers, as PDF text extraction leaves them (``2019 年``)."""
    if rng.random() < 0.5:
        return text
    return re.sub(r"(?<=[\u4e00-\u9fff])(\d+)(?=[\u4e00-\u9fff])", r" \1 ", text)


def _wrap(paragraph: str, width: int) -> list[str]:
    """Cut a paragraph into lines of ``width`` characters; never so that a line starts with a
    heading/list marker or is only a number (the cleaner would take it for a heading or drop it
    as a page number)."""
    lines, rest = [], paragraph
    while len(rest) > width:
        cut = width
        while cut > 4 and (
            is_marker_line(rest[cut:]) or is_page_number_line(rest[cut:]) or is_page_number_line(rest[:cut])
        ):
            cut -= 1
        lines.append(rest[:cut])
        rest = rest[cut:]
    lines.append(rest)
    return lines


def _layout(paragraphs: list[str], rng: Random) -> str:
    width = rng.randint(24, 30)
    out: list[str] = []
    page, since_break = 1, 0
    for para in paragraphs:
        lines = _wrap(_spaced_numbers(para, rng), width)
        out += lines[:-1]
        out.append(lines[-1] + " ")  # the paragraph's last line ends in a space, as in the seed
        out.append("  ")
        since_break += len(lines) + 1
        if since_break >= 40 + rng.randint(0, 8):
            out.append(f"- {page} -")
            out.append("\f")
            page, since_break = page + 1, 0
    return "\n".join(out) + "\n"


def render_document(index: int, seed: int, pools: Pools) -> tuple[str, str, GeneratedDoc]:
    """File name, text and expectations of generated document ``index`` (deterministic)."""
    rng = Random(seed * 1_000_003 + index)
    ctx = _context(rng)
    kind = rng.choices(_LAYOUTS, weights=_WEIGHTS)[0]
    title, paragraphs, headings = getattr(_Writer(ctx, rng, pools), kind)()
    doc_id = f"gen{index:05d}-{ctx.code}-{ctx.year}-{ctx.number}"
    text = _layout(paragraphs, rng)
    iso = f"{ctx.year:04d}-{ctx.month:02d}-{ctx.day:02d}"
    labels = tuple(re.sub(r"\s+", "", h) for h in headings)
    doc = GeneratedDoc(Path(f"{doc_id}.txt"), doc_id, kind, title, ctx.doc_number, ctx.issuer, iso, labels)
    return f"{doc_id}.txt", text, doc


def generate_corpus(
    folder: Path,
    *,
    chunks: int | None = None,
    documents: int | None = None,
    seed: int = 0,
    include_seed: bool = True,
    chunking: ChunkSettings | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[GeneratedDoc]:
    """Write generated documents into ``folder`` (created, emptied of earlier .txt files).

    Stops after ``documents`` documents, or once policybot's pipeline counts at least ``chunks``
    chunks (the seed's included when ``include_seed``). Each document is checked with
    ``prepare_document`` (clean, parse, chunk, facts) and its chunk and fact counts recorded.
    """
    if chunks is None and documents is None:
        raise ValueError("give chunks or documents")
    settings = chunking or ChunkSettings()
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.txt"):
        old.unlink()
    pools = seed_pools()
    made: list[GeneratedDoc] = []
    total = 0
    if include_seed:
        target = folder / SEED.name
        shutil.copy(SEED, target)
        total += len(prepare_document(target, settings).chunks)
    started, last = time.perf_counter(), 0.0
    index = 0
    while (documents is None or index < documents) and (chunks is None or total < chunks):
        name, text, spec = render_document(index, seed, pools)
        path = folder / name
        path.write_text(text, "utf-8")
        prepared = prepare_document(path, settings)
        spec = replace(spec, path=path, chunks=len(prepared.chunks), facts=len(prepared.facts))
        made.append(spec)
        total += spec.chunks
        index += 1
        now = time.perf_counter()
        if progress is not None and now - last > 2.0:
            last = now
            progress(f"generated {index} documents, {total} chunks ({now - started:.0f}s)")
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--chunks", type=int, default=10_000, help="stop at this many chunks (default 10000)")
    parser.add_argument("--documents", type=int, default=None, help="or stop after this many documents")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-seed-doc", action="store_true", help="do not copy the seed document in")
    args = parser.parse_args(argv)
    docs = generate_corpus(
        args.folder,
        chunks=None if args.documents else args.chunks,
        documents=args.documents,
        seed=args.seed,
        include_seed=not args.no_seed_doc,
        progress=lambda m: print(m, file=sys.stderr),
    )
    kinds = {k: sum(d.kind == k for d in docs) for k in _LAYOUTS}
    print(
        f"{len(docs)} documents ({kinds}) with {sum(d.chunks for d in docs)} chunks and "
        f"{sum(d.facts for d in docs)} facts in {args.folder}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
