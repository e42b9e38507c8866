"""What the payment wizard lists as targets and what its form asks billing for: a pack's own
invoices shown as the pack, shares read as typed, and a share total above the amount refused
with the field named."""

from __future__ import annotations

import uuid
from typing import Any

from web_svc.i18n import Formats, translator
from web_svc.pages.money import problem
from web_svc.payment_targets import allocations, read_shares, targets

FMT = Formats(locale="pl", time_zone="Europe/Warsaw", currency="PLN")
PACK, RENEWING, OTHER = (str(uuid.uuid4()) for _ in range(3))


def pack(pack_id: str, **more: Any) -> dict[str, Any]:
    base = {"id": pack_id, "name": f"Pack {pack_id[:4]}", "active": True, "auto_renew": False}
    return base | more


def invoice(amount: int, paid: int = 0, **more: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "description": "December",
        "amount_minor": amount,
        "paid_minor": paid,
        "status": "open",
        "due_on": "2026-12-20",
        "pack_id": None,
        "period_from": None,
    } | more


def test_a_packs_sale_invoices_are_shown_as_the_pack() -> None:
    sale = invoice(40000, 10000, pack_id=PACK, period_from="2026-12-01", due_on="2026-12-05")
    renewal = invoice(9000, pack_id=RENEWING, period_from="2026-12-01")
    by_hand = invoice(5000)
    packs = [pack(PACK), pack(RENEWING) | {"auto_renew": True}, pack(OTHER)]
    paid = invoice(100, 100) | {"status": "paid"}
    listed = targets(packs, [sale, renewal, by_hand, paid, invoice(100) | {"status": "void"}])
    assert [(t.kind, t.id, t.owed_minor) for t in listed] == [
        ("pack", PACK, 30000),  # the pack that owes; OTHER owes nothing
        ("invoice", renewal["id"], 9000),  # only payments to it settle a renewal
        ("invoice", by_hand["id"], 5000),
    ]
    # Named by the invoice's own page, a sale's invoice is itself; a pack named is listed.
    chosen = [f"invoice:{sale['id']}", f"pack:{OTHER}"]
    named = targets(packs, [sale], chosen)
    assert [(t.kind, t.owed_minor) for t in named] == [("pack", 0), ("invoice", 30000)]


def test_the_ticked_shares_become_the_allocations() -> None:
    one, two = str(uuid.uuid4()), str(uuid.uuid4())
    form = {f"part-pack-{one}": "250,50", f"part-invoice-{two}": "100", "amount": "400"}
    ticked = [f"invoice:{two}", f"pack:{one}", f"pack:{one}", "pack:nonsense", "other:1"]
    shares = read_shares(form, ticked, FMT)
    assert allocations(shares) == [
        {"invoice_id": two, "amount_minor": 10000},
        {"pack_id": one, "amount_minor": 25050},
    ]
    words = translator("pl")
    assert problem("400", shares, [], FMT, words) == (None, 40000)
    assert problem("", shares, [], FMT, words) == (None, 35050)  # the shares' total


def test_shares_above_the_amount_are_refused_naming_the_field() -> None:
    one = str(uuid.uuid4())
    shares = read_shares({f"part-pack-{one}": "300"}, [f"pack:{one}"], FMT)
    refused, minor = problem("250", shares, [], FMT, translator("pl"))
    assert refused is not None
    assert refused[0] == "amount"
    assert refused[1].startswith("Kwota: 250,00\xa0zł")
    assert "300,00" in refused[1]
    assert minor == 25000
    zero = read_shares({f"part-pack-{one}": "0"}, [f"pack:{one}"], FMT)
    refused, _minor = problem("250", zero, [], FMT, translator("en"))
    assert refused == (f"part-pack-{one}", f"pack:{one}: enter an amount above zero.")
    nothing = read_shares({}, [], FMT)
    assert problem("", nothing, [], FMT, translator("en"))[0] == (
        "amount",
        "Amount: enter an amount above zero.",
    )
