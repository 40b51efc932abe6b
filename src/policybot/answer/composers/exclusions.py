"""An enterprise that asks whether it may ("这笔研发费用能加计扣除吗？") when the documents exclude its
kind: "我们是一家做连锁超市的零售企业" against an item "3.批发和零售业" under "四、不适用税前加计扣除政策
的行业". The answer is that exclusion, quoted with the heading that makes it one."""

from __future__ import annotations

from policybot.answer.compose import Draft
from policybot.answer.composers.values import source_path
from policybot.answer.context import AnswerContext
from policybot.answer.evidence import AnswerType
from policybot.answer.understanding import bigrams
from policybot.genre import NEGATIVE, strip_marker
from policybot.records import Hit

__all__ = ["Excluded"]

#: Words any self-description has: they match no excluded kind.
_PLAIN = bigrams("我们是一家企业公司单位有限责任集团工厂行业从事做的主营业务经营生产")


class Excluded:
    """The asker's own kind is on a list of what a policy does not apply to."""

    name = "excluded"

    def accepts(self, ctx: AnswerContext) -> bool:
        return bool(ctx.query.own) and ctx.kind is AnswerType.CONDITION and _excluding(ctx) is not None

    def compose(self, ctx: AnswerContext, draft: Draft) -> bool:
        hit = _excluding(ctx)
        if hit is None:
            return False
        chunk = hit.chunk
        heading = next(h for h in chunk.section_path[1:-1] if NEGATIVE.search(h))
        item = chunk.text.strip() or chunk.section_path[-1]
        mark = draft.cite(chunk, item, hit.score)
        label = source_path(ctx.document(chunk.doc_id), chunk.section_path[:-1])
        verdict = NEGATIVE.search(heading)
        word = verdict.group(0) if verdict else "不适用"
        if draft.query.lang == "zh":
            draft.add(f"{word}：“{strip_marker(item).rstrip('。；;')}”在“{heading}”之列。\n根据{label}：“{item}”{mark}")
        else:
            draft.add(f"{word}: it is listed under “{heading}”.\nAccording to {label}: “{item}” {mark}")
        return True


def _excluding(ctx: AnswerContext) -> Hit | None:
    """Of the three best passages, an item under a heading that excludes (不适用…的行业, 不得享受…)
    which names the asker's own kind (a word of it, beyond what every self-description says)."""
    own = bigrams(ctx.query.own) - _PLAIN
    for hit in ctx.hits[:3]:
        path = hit.chunk.section_path
        if len(path) < 3 or not any(NEGATIVE.search(h) for h in path[1:-1]):
            continue
        item = bigrams(hit.chunk.text + path[-1]) - _PLAIN
        if own & item:
            return hit
    return None
