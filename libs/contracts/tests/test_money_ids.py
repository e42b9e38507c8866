import os
import uuid

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


def test_a_forked_process_draws_random_bits_of_its_own() -> None:
    uuid7()  # the parent has random bits drawn ahead
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its ids' random bits to the parent, then gone
        os.close(read_end)
        bits = b"".join((u.int & ((1 << 62) - 1)).to_bytes(8, "big") for u in _ids(64))
        os.write(write_end, bits)
        os._exit(0)
    os.close(write_end)
    parent = {u.int & ((1 << 62) - 1) for u in _ids(64)}
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    child = {int.from_bytes(data[n : n + 8], "big") for n in range(0, len(data), 8)}
    assert len(child) == 64
    assert not parent & child


def _ids(count: int) -> list[uuid.UUID]:
    return [uuid7() for _ in range(count)]
