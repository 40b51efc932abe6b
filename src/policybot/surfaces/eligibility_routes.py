"""HTTP routes of the eligibility check: ``POST /api/eligibility`` and
``GET /api/documents/{doc_id}/conditions``. A bad profile is 422 naming the field."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from policybot.eligibility.profile import parse_profile
from policybot.service import PolicyBot
from policybot.surfaces.schemas import EligibilityIn, EligibilityOut, MeasureOut, eligibility_out, measure_out

__all__ = ["eligibility_routes"]


def eligibility_routes(r: APIRouter, holder: Any, errors: Any) -> None:
    """Add the routes to ``r`` (the ``/api`` router); ``errors`` builds the documented error responses."""
    Bot = Annotated[PolicyBot, Depends(holder.dependency)]

    @r.post(
        "/eligibility",
        response_model=EligibilityOut,
        summary="check an enterprise profile against every measure's conditions",
        responses=errors(404),
        description="Each measure gets 符合 / 不符合 / 需要补充信息 with its conditions (met, not met, unknown, or "
        "free text for a person to check), each quoted and cited, plus the support, deadline and materials. "
        "A profile with an unknown attribute, a wrong unit or a negative figure is 422; `detail` names the field.",
    )
    def eligibility(body: EligibilityIn, bot: Bot) -> EligibilityOut:
        profile = parse_profile(body.profile)
        return eligibility_out(profile, bot.check_eligibility(profile, body.doc_ids), body.lang)

    @r.get(
        "/documents/{doc_id}/conditions",
        response_model=list[MeasureOut],
        summary="the eligibility conditions read from a document, by measure",
        responses=errors(404),
    )
    def conditions(doc_id: str, bot: Bot) -> list[MeasureOut]:
        return [measure_out(m) for m in bot.measures([doc_id])]
