"""The words a citation of a document not in force carries (``lifecycle/notes.status_reason``)."""

from __future__ import annotations

from datetime import date

from policybot.lifecycle.model import DocStatus, FactKind, LifecycleFact, Status
from policybot.lifecycle.notes import status_reason


def _expired(value: str, until: date) -> DocStatus:
    fact = LifecycleFact(FactKind.PERIOD, "d", value, value, until=until)
    return DocStatus("d", Status.EXPIRED, date(2026, 12, 3), "", (fact,))


def test_an_expired_period_is_named_by_its_end() -> None:
    # a call's window "2016年4月1日至2016年10月31日": the start is not what makes it expired, and
    # quoting it next to an answer about another period reads as a second, wrong date
    reason = status_reason(_expired("2016年4月1日至2016年10月31日", date(2016, 10, 31)), {})
    assert reason == "适用期限至2016年10月31日，已过"
    assert "4月1日" not in reason


def test_an_expired_deadline_is_quoted() -> None:
    reason = status_reason(_expired("于2016年12月31日17:30前", date(2016, 12, 31)), {})
    assert reason == "适用期限“于2016年12月31日17:30前”已过"


def test_no_fact_no_words() -> None:
    assert status_reason(DocStatus("d", Status.EXPIRED, date(2026, 12, 3), ""), {}) == ""
