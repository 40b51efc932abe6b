"""Composers: one kind of answer each, tried in the order of ``REGISTRY``.

A composer says whether it takes a question (``accepts``) and fills a ``Draft`` from an
``AnswerContext`` (``compose``), returning False when the sources do not hold what is asked;
the next accepting composer is then tried, and when none succeeds the answer is a refusal.

A new kind of answer is a new composer class in a module of its own, registered with
``register`` (or by adding it to ``REGISTRY`` at the place it should be tried).
"""

from __future__ import annotations

from typing import Protocol

from policybot.answer.compose import Draft
from policybot.answer.composers.attachments import Attachments
from policybot.answer.composers.banded import BandedSupport
from policybot.answer.composers.choice import Choice
from policybot.answer.composers.consequences import Consequences
from policybot.answer.composers.document import compose_document
from policybot.answer.composers.exclusions import Excluded
from policybot.answer.composers.goals import TARGET_WORDS, compose_goal, compose_target
from policybot.answer.composers.history import EnactmentHistory
from policybot.answer.composers.lifecycle import LifecycleComposer
from policybot.answer.composers.lists import compose_list
from policybot.answer.composers.parties import compose_party
from policybot.answer.composers.purpose import ActedOn
from policybot.answer.composers.references import CitedNumber
from policybot.answer.composers.roles import ROLES, compose_role
from policybot.answer.composers.schedule import compose_deadline, compose_scheduled
from policybot.answer.composers.sections import compose_broad, compose_general, compose_sections, named_section
from policybot.answer.composers.tiers import ScoreTier
from policybot.answer.composers.values import VALUE_TYPES, compose_quote
from policybot.answer.context import AnswerContext
from policybot.answer.evidence import AnswerType
from policybot.genre import ANNOUNCES_LIST, asked_role

__all__ = ["NEAREST_ONLY", "REGISTRY", "Composer", "compose", "register", "rescues"]

#: Composers that fall back to the nearest passages rather than a clause of the asked kind: their
#: answer is no answer when the question names something the documents never mention.
NEAREST_ONLY = frozenset({"intent"})


class Composer(Protocol):
    name: str

    def accepts(self, ctx: AnswerContext) -> bool: ...

    def compose(self, ctx: AnswerContext, draft: Draft) -> bool: ...


class DocumentFacts:
    """文号, date, issuer, addressees or title of a document."""

    name = "document"

    def accepts(self, ctx: AnswerContext) -> bool:
        return ctx.query.intent == "document" and ctx.kind is not AnswerType.EFFECTIVE  # 施行 is no 印发

    def compose(self, ctx: AnswerContext, draft: Draft) -> bool:
        return compose_document(ctx, draft, ctx.hits)


class Schedule:
    """A deadline from a schedule item's time tag, or the items of a quarter."""

    name = "schedule"

    def accepts(self, ctx: AnswerContext) -> bool:
        q = ctx.query
        return q.intent == "deadline" and (ctx.kind in VALUE_TYPES or q.quarter is not None)

    def compose(self, ctx: AnswerContext, draft: Draft) -> bool:
        if ctx.query.quarter and ctx.kind not in VALUE_TYPES:
            return compose_deadline(ctx, draft, ctx.hits)
        return compose_scheduled(ctx, draft, ctx.hits)


class Goals:
    """A target stated as a goal, for the year asked."""

    name = "goal"

    def accepts(self, ctx: AnswerContext) -> bool:
        q = ctx.query
        return ctx.kind in VALUE_TYPES and q.intent in ("quantity", "target") and bool(TARGET_WORDS.search(q.text))

    def compose(self, ctx: AnswerContext, draft: Draft) -> bool:
        return compose_goal(ctx, draft, ctx.hits)


class Values:
    """Quote-first: the value asked for, as the best fitting clause writes it."""

    name = "value"

    def accepts(self, ctx: AnswerContext) -> bool:
        return ctx.kind in VALUE_TYPES

    def compose(self, ctx: AnswerContext, draft: Draft) -> bool:
        return compose_quote(ctx, draft, ctx.hits, ctx.kind)


def _list_question(ctx: AnswerContext) -> bool:
    q = ctx.query
    return ctx.kind is AnswerType.LIST and q.intent not in ("document", "broad") and q.quarter is None


class RoleSection:
    """A question about what a call's section is for — materials, conditions, contacts,
    procedure, support — answered from the section with that role."""

    name = "role-section"

    def accepts(self, ctx: AnswerContext) -> bool:
        role = asked_role(ctx.query.question)
        return role in ROLES and ctx.kind in (AnswerType.LIST, AnswerType.CONDITION, AnswerType.OTHER)

    def compose(self, ctx: AnswerContext, draft: Draft) -> bool:
        return compose_role(ctx, draft, ctx.hits)


class NamedSections:
    """A list question that names a section ("有哪些保障措施"), or asks for parties: the
    section's items, or the parties of the matching clause."""

    name = "named-section"

    def accepts(self, ctx: AnswerContext) -> bool:
        if not _list_question(ctx):
            return False
        if ctx.query.intent == "party":
            return True
        return named_section(ctx, Draft(ctx.query), ctx.hits) is not None and not _defining_list(ctx)

    def compose(self, ctx: AnswerContext, draft: Draft) -> bool:
        return _by_intent(ctx, draft)


def _defining_list(ctx: AnswerContext) -> bool:
    """Is the best enumerating clause one that announces its own list ("下列用能单位为重点用能单位：")?
    Then it, with its items, answers "which … count as …", not the outline of the section named."""
    ranked = [e for e in ctx.evidence(AnswerType.LIST) if e.fits and e.coverage >= 0.5]
    best = ranked[0].text.rstrip() if ranked else ""
    return best.endswith(("：", ":")) and bool(ANNOUNCES_LIST.search(best))


class ClauseList:
    """Quote-first lists: the enumerating clause about the subject and the items it introduces."""

    name = "list"

    def accepts(self, ctx: AnswerContext) -> bool:
        return _list_question(ctx)

    def compose(self, ctx: AnswerContext, draft: Draft) -> bool:
        return compose_list(ctx, draft, ctx.hits)


class ByIntent:
    """What the question's intent asks for when no value is asked: parties, a section's items,
    a summary, or the best matching sentences."""

    name = "intent"

    def accepts(self, ctx: AnswerContext) -> bool:
        return ctx.kind not in VALUE_TYPES

    def compose(self, ctx: AnswerContext, draft: Draft) -> bool:
        if _by_intent(ctx, draft):
            return True
        # "税务机关…可以找谁出鉴定意见": no party fact answers who; the passages that say it may
        return ctx.query.intent == "party" and compose_general(ctx, draft, ctx.hits)


_BY_INTENT = {
    "deadline": compose_deadline,
    "party": compose_party,
    "quantity": compose_target,
    "target": compose_target,
    "document": compose_document,
    "list": compose_sections,
    "broad": compose_broad,
}


def _by_intent(ctx: AnswerContext, draft: Draft) -> bool:
    return _BY_INTENT.get(ctx.query.intent, compose_general)(ctx, draft, ctx.hits)


#: The composers in the order they are tried.
REGISTRY: list[Composer] = [
    LifecycleComposer(),
    EnactmentHistory(),
    CitedNumber(),
    ActedOn(),
    Attachments(),
    ScoreTier(),
    BandedSupport(),
    DocumentFacts(),
    Schedule(),
    Goals(),
    Values(),
    Consequences(),
    Excluded(),
    Choice(),
    RoleSection(),
    NamedSections(),
    ClauseList(),
    ByIntent(),
]


def register(composer: Composer, *, before: str | None = None) -> None:
    """Add ``composer`` to the registry, at the end or before the one named ``before``."""
    names = [c.name for c in REGISTRY]
    if composer.name in names:
        raise ValueError(f"a composer named {composer.name!r} is already registered")
    REGISTRY.insert(names.index(before) if before in names else len(REGISTRY), composer)


def rescues(ctx: AnswerContext) -> bool:
    """Is there a composer that answers this question even when the refusal check would not
    (a lifecycle question about a document the corpus does not hold)?"""
    return any(getattr(c, "answers_despite_refusal", False) and c.accepts(ctx) for c in REGISTRY)


def compose(ctx: AnswerContext, draft: Draft, registry: list[Composer] | None = None) -> str | None:
    """Fill ``draft`` with the first accepting composer that succeeds; its name, or None."""
    for composer in registry if registry is not None else REGISTRY:
        if not composer.accepts(ctx):
            continue
        trial = Draft(draft.query)
        if composer.compose(ctx, trial) and trial.citations:
            draft.parts, draft.citations, draft.facts = trial.parts, trial.citations, trial.facts
            draft.derived = trial.derived
            if ctx.missing and ctx.query.lang == "zh":
                draft.add(f"（文件没有专门提到：{'、'.join(ctx.missing)}。）")
            return composer.name
    return None
