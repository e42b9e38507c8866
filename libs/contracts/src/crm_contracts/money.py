"""Money as integer minor units plus an ISO 4217 currency code."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, StringConstraints

CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


class CurrencyMismatchError(ValueError):
    pass


class Money(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    amount_minor: int
    currency: CurrencyCode

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(amount_minor=0, currency=currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatchError(f"{self.currency} vs {other.currency}")

    def __add__(self, other: Money) -> Self:
        self._same(other)
        return self.model_copy(update={"amount_minor": self.amount_minor + other.amount_minor})

    def __sub__(self, other: Money) -> Self:
        self._same(other)
        return self.model_copy(update={"amount_minor": self.amount_minor - other.amount_minor})

    def __neg__(self) -> Self:
        return self.model_copy(update={"amount_minor": -self.amount_minor})

    @property
    def is_negative(self) -> bool:
        return self.amount_minor < 0
