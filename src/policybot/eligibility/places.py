"""Where and what: whether a profile's place lies within a condition's place, and whether its
industry falls in a condition's industries (国民经济行业分类 门类 and the words that name them).

The tables are small on purpose: a place or industry they cannot decide is unknown (the check then
asks for it or leaves it to a person), never a match.
"""

from __future__ import annotations

import re

__all__ = ["CITY_PROVINCE", "PROVINCES", "industry_in", "place_within"]

PROVINCES = (
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南 四川 贵州 "
    "云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门"
).split()
#: prefecture-level cities by province (the ones calls name most; others are unknown)
_CITIES = {
    "广东": "广州 深圳 东莞 佛山 珠海 中山 惠州 江门 汕头 湛江 肇庆 茂名 梅州 清远 韶关 揭阳 阳江 河源 潮州 汕尾 云浮",
    "河北": "石家庄 唐山 保定 邯郸 邢台 沧州 廊坊 衡水 秦皇岛 张家口 承德",
    "江苏": "南京 苏州 无锡 常州 南通 扬州 镇江 徐州 盐城 淮安 连云港 泰州 宿迁",
    "浙江": "杭州 宁波 温州 嘉兴 湖州 绍兴 金华 衢州 舟山 台州 丽水",
    "山东": "济南 青岛 烟台 潍坊 淄博 临沂 济宁 泰安 威海 日照 德州 聊城 滨州 菏泽 枣庄 东营",
    "福建": "福州 厦门 泉州 漳州 莆田 三明 南平 龙岩 宁德",
    "河南": "郑州 洛阳 开封 新乡 南阳 许昌 安阳 焦作 平顶山 商丘 信阳 周口 驻马店",
    "湖北": "武汉 宜昌 襄阳 荆州 黄石 十堰 孝感 黄冈 咸宁 荆门 鄂州 随州",
    "湖南": "长沙 株洲 湘潭 衡阳 岳阳 常德 益阳 郴州 永州 怀化 娄底 邵阳 张家界",
    "四川": "成都 绵阳 德阳 宜宾 泸州 南充 乐山 自贡 达州 遂宁 内江 眉山 广安 攀枝花",
    "安徽": "合肥 芜湖 蚌埠 马鞍山 安庆 阜阳 淮南 淮北 滁州 六安 宣城 铜陵 黄山 亳州 宿州 池州",
}
CITY_PROVINCE = {city: p for p, cities in _CITIES.items() for city in cities.split()}
_FOREIGN = ("港", "澳", "台", "香港", "澳门", "台湾", "境外", "国外")

#: 门类 (and the 大类 conditions name) -> words an enterprise uses for itself
_INDUSTRIES: dict[str, tuple[str, ...]] = {
    "制造业": (
        "制造",
        "造纸",
        "钢铁",
        "机械",
        "电子",
        "化工",
        "纺织",
        "服装",
        "汽车",
        "机器人",
        "家具",
        "食品加工",
        "医药",
        "制药",
        "设备",
        "装备",
        "五金",
        "塑料",
        "建材",
        "水泥",
        "玻璃",
        "陶瓷",
        "印刷",
        "电器",
        "芯片",
        "半导体",
        "工厂",
        "冶金",
        "有色",
        "橡胶",
        "模具",
        "注塑",
        "烟草",
    ),
    "烟草制造业": ("烟草", "卷烟"),
    "生产性服务业": ("物流", "研发设计", "检验检测", "软件", "信息技术", "科技服务", "工业设计", "供应链"),
    "信息传输、软件和信息技术服务业": ("软件", "信息技术", "互联网", "数据", "通信", "集成电路设计"),
    "住宿和餐饮业": ("餐饮", "饭店", "酒店", "宾馆", "住宿", "餐厅"),
    "批发和零售业": ("批发", "零售", "商贸", "超市", "贸易"),
    "房地产业": ("房地产", "地产", "物业"),
    "租赁和商务服务业": ("租赁", "商务服务", "咨询", "广告", "人力资源服务"),
    "娱乐业": ("娱乐", "游戏厅", "KTV", "歌舞"),
    "建筑业": ("建筑", "施工", "装修"),
    "农业": ("农业", "种植", "养殖", "农场"),
}


def _norm(place: str) -> str:
    return re.sub(r"(?:特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|省|市|地区|境内|内)$", "", place.strip())


def _parts(place: str) -> list[str]:
    """``广东省东莞市`` -> [广东, 东莞]; a city alone gains its province when known."""
    found = [p for p in PROVINCES if p in place]
    rest = place
    for p in found:
        rest = rest.replace(p, "", 1)
    rest = _norm(re.sub(r"^(?:省|市|自治区)", "", rest))
    cities = [c for c in CITY_PROVINCE if c in rest]
    parts = found + cities
    if cities and not found:
        parts.insert(0, CITY_PROVINCE[cities[0]])
    if not parts and rest:
        parts.append(rest)
    return parts


def place_within(profile_place: str, condition_place: str) -> bool | None:
    """Is ``profile_place`` within ``condition_place``? None when it cannot be told (a province
    against one of its cities, a place the tables do not know)."""
    want = _norm(condition_place)
    if want in ("中国", "中华人民共和国", "我国"):
        return not any(f in profile_place for f in _FOREIGN)
    have = _parts(profile_place)
    if not have or not want or want == "本":
        return None
    if want in have or any(want in h for h in have):
        return True
    want_province = want if want in PROVINCES else CITY_PROVINCE.get(want)
    have_province = next((h for h in have if h in PROVINCES), None)
    if want_province and have_province and want_province != have_province:
        return False
    if want in PROVINCES and have_province == want:
        return True
    have_city = next((h for h in have if h in CITY_PROVINCE), None)
    if have_city and want in CITY_PROVINCE:
        return have_city == want
    return None


def industry_in(profile_industry: str, names: tuple[str, ...]) -> bool | None:
    """Does ``profile_industry`` fall in one of ``names`` (门类 or words)? None when it cannot be told."""
    text = profile_industry.strip()
    if not text:
        return None
    for name in names:
        if name in text or text in name:
            return True
        words = _INDUSTRIES.get(name, ())
        if any(w in text for w in words):
            return True
    known = [n for n, words in _INDUSTRIES.items() if any(w in text for w in words) or n in text]
    if known and all(n in _INDUSTRIES for n in names):
        return False  # its own 门类 is known and none of the named ones
    return None
