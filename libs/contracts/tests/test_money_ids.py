import pytest
from pydantic import ValidationError

from crm_contracts import Money, uuid7
from crm_contracts.money import CurrencyMismatchError


def test_money_adds_and_subtracts_in_one_currency() -> None:
    a = Money(amount_minor=1050, currency="PLN")
    b = Money(amount_minor=-300, currency="PLN")
    assert (a + b).amount_minor == 750
    assert (a - b).amount_minor == 1350
    assert (-a).is_negative


def test_money_refuses_mixed_currencies_and_bad_codes() -> None:
    with pytest.raises(CurrencyMismatchError):
        _ = Money(amount_minor=1, currency="PLN") + Money(amount_minor=1, currency="EUR")
    with pytest.raises(ValidationError):
        Money(amount_minor=1, currency="zl")
    with pytest.raises(ValidationError):
        Money(amount_minor=1.5, currency="PLN")  # type: ignore[arg-type]


def test_uuid7_is_version_7_and_strictly_increasing() -> None:
    ids = [uuid7() for _ in range(5000)]
    assert all(i.version == 7 for i in ids)
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
