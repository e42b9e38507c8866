"""The pure rules, without a database."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from billing_svc.domain import ledger
from billing_svc.domain.consumption import PackView, Visit, choose_pack, classes_for
from billing_svc.domain.due import DueState, due_date, notices_due
from billing_svc.domain.periods import (
    Freeze,
    add_period,
    client_frozen_on,
    end_after_freeze,
    period_end,
)
from hypothesis import given
from hypothesis import strategies as st

CLIENT, OTHER = uuid.uuid4(), uuid.uuid4()
DAY = date(2026, 3, 16)


def pack(**kw: object) -> PackView:
    base: dict[str, object] = {
        "id": uuid.uuid4(),
        "client_id": CLIENT,
        "starts_on": DAY - timedelta(days=10),
        "ends_on": DAY + timedelta(days=10),
        "classes_left": 5,
    }
    return PackView(**(base | kw))  # type: ignore[arg-type]


amounts = st.integers(min_value=1, max_value=10**9)


@given(amounts, st.integers(min_value=0, max_value=100))
def test_every_posting_rule_balances_and_reverses_to_nothing(amount: int, classes: int) -> None:
    p = uuid.uuid4()
    for postings in (
        ledger.sale(CLIENT, p, amount, classes or None),
        ledger.payment(CLIENT, "card", amount),
        ledger.refund(CLIENT, p, amount, classes, "cash"),
        ledger.transfer_classes(p, uuid.uuid4(), classes + 1),
    ):
        kept = ledger.balanced(postings)
        both = kept + ledger.reversal(kept)
        assert ledger.balance_deltas(both) == {}
        assert ledger.class_deltas(both) == {}


def test_unbalanced_postings_are_refused() -> None:
    with pytest.raises(ledger.UnbalancedEntryError):
        ledger.balanced([ledger.Posting("revenue", "money", 5)])
    with pytest.raises(ledger.UnbalancedEntryError):
        ledger.balanced([])


@given(amounts, st.integers(min_value=1, max_value=50), st.integers(min_value=0, max_value=60))
def test_prorated_refund_never_exceeds_the_price(price: int, total: int, left: int) -> None:
    refund = ledger.prorated_refund(price, total, left)
    assert 0 <= refund <= price
    assert ledger.prorated_refund(price, total, total) == price


def test_payment_minus_charge_is_the_balance() -> None:
    postings = ledger.charge(CLIENT, 700) + ledger.payment(CLIENT, "cash", 1000)
    assert ledger.balance_deltas(postings) == {CLIENT: 300}


def test_classes_per_status_follow_the_policy() -> None:
    assert classes_for("attended", False) == 1
    assert classes_for("makeup_attended", False) == 1
    assert classes_for("excused", True) == 0
    assert classes_for("absent", False) == 0
    assert classes_for("absent", True) == 1
    assert classes_for(None, True) == 0


def test_earliest_expiry_first_then_limited_before_unlimited() -> None:
    visit = Visit(CLIENT, DAY)
    late, soon = pack(ends_on=DAY + timedelta(days=30)), pack(ends_on=DAY + timedelta(days=2))
    unlimited = pack(ends_on=soon.ends_on, classes_left=None)
    assert choose_pack(visit, [late, soon, unlimited]) is soon
    assert choose_pack(visit, [late, pack(classes_left=0, ends_on=DAY)]) is late


def test_own_packs_before_shared_and_non_members_never() -> None:
    visit = Visit(CLIENT, DAY)
    family = pack(client_id=OTHER, shared=True, members=frozenset({OTHER, CLIENT}), ends_on=DAY)
    own = pack(ends_on=DAY + timedelta(days=5))
    stranger = pack(client_id=OTHER, shared=True, members=frozenset({OTHER}))
    assert choose_pack(visit, [family, own]) is own
    assert choose_pack(visit, [family]) is family
    assert choose_pack(visit, [stranger]) is None


def test_non_overlapping_packs_run_one_after_another() -> None:
    visit = Visit(CLIENT, DAY)
    first = pack(
        overlapping=False, starts_on=DAY - timedelta(days=20), ends_on=DAY + timedelta(days=9)
    )
    second = pack(
        overlapping=False, starts_on=DAY - timedelta(days=1), ends_on=DAY + timedelta(days=3)
    )
    assert choose_pack(visit, [first, second]) is first


def test_scope_validity_and_freezes() -> None:
    group = uuid.uuid4()
    scoped = pack(group_ids=frozenset({group}))
    assert choose_pack(Visit(CLIENT, DAY, group_id=uuid.uuid4()), [scoped]) is None
    assert choose_pack(Visit(CLIENT, DAY, group_id=group), [scoped]) is scoped
    frozen = pack(freezes=(Freeze(DAY, DAY + timedelta(days=1)),))
    assert choose_pack(Visit(CLIENT, DAY), [frozen]) is None
    assert choose_pack(Visit(CLIENT, DAY + timedelta(days=2)), [frozen]) is frozen
    assert choose_pack(Visit(CLIENT, DAY + timedelta(days=11)), [pack()]) is None


@dataclass
class ClientFreeze:
    frozen_from: date | None
    frozen_until: date | None


def test_a_client_is_frozen_from_the_first_day_to_the_last_or_until_unfrozen() -> None:
    later = DAY + timedelta(days=3)
    assert not client_frozen_on(DAY, None)
    assert not client_frozen_on(DAY, ClientFreeze(None, None))
    assert not client_frozen_on(DAY - timedelta(days=1), ClientFreeze(DAY, later))
    assert client_frozen_on(DAY, ClientFreeze(DAY, later))
    assert client_frozen_on(later, ClientFreeze(DAY, later))
    assert not client_frozen_on(later + timedelta(days=1), ClientFreeze(DAY, later))
    assert client_frozen_on(DAY + timedelta(days=400), ClientFreeze(DAY, None))


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)), st.integers(1, 36))
def test_month_periods_end_the_day_before_the_same_date(start: date, months: int) -> None:
    end = period_end(start, "month", months)
    assert end < add_period(start, "month", months)
    assert (add_period(start, "month", months) - end).days == 1
    assert period_end(start, "day", months) == start + timedelta(days=months - 1)


@given(st.integers(0, 400), st.integers(1, 60))
def test_a_freeze_moves_validity_by_its_days(offset: int, days: int) -> None:
    ends = DAY + timedelta(days=offset)
    freeze = Freeze(DAY, DAY + timedelta(days=days - 1))
    assert end_after_freeze(ends, freeze) == ends + timedelta(days=days)
    assert end_after_freeze(None, freeze) is None


def test_due_dates_by_kind() -> None:
    start, end = date(2026, 1, 1), date(2026, 1, 31)
    assert (
        due_date(
            kind="subscription", billing="prepaid", starts_on=start, ends_on=end, credit_due_on=None
        )
        == start
    )
    assert (
        due_date(
            kind="subscription",
            billing="postpaid",
            starts_on=start,
            ends_on=end,
            credit_due_on=None,
        )
        == end
    )
    assert due_date(
        kind="pack", billing=None, starts_on=start, ends_on=end, credit_due_on=date(2026, 1, 9)
    ) == date(2026, 1, 9)


def test_reminders_once_each_and_never_while_frozen() -> None:
    due = date(2026, 1, 10)
    fresh = DueState(due, settled=False, frozen=False, soon_sent=False, overdue_sent=False)
    assert notices_due(fresh, date(2026, 1, 6), 3) == []
    assert notices_due(fresh, date(2026, 1, 7), 3) == ["due_soon"]
    assert notices_due(fresh, date(2026, 1, 11), 3) == ["overdue"]
    sent = DueState(due, settled=False, frozen=False, soon_sent=True, overdue_sent=True)
    assert notices_due(sent, date(2026, 1, 11), 3) == []
    frozen = DueState(due, settled=False, frozen=True, soon_sent=False, overdue_sent=False)
    assert notices_due(frozen, date(2026, 1, 11), 3) == []
