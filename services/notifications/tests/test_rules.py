"""Quiet hours (deferred, never dropped; right across a daylight-saving change), the re-check
at send time (an invoice paid meanwhile), and opt-outs set by staff."""

from __future__ import annotations

import uuid
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

from notifications_svc.domain.quiet import quiet_until

from crm_contracts.events.billing import BalanceChanged, InvoiceChanged, PaymentDueSoon
from crm_contracts.events.identity import StaffInvitedV2
from crm_platform.dev_keys import DEV_SEAL_PUBLIC_KEY
from crm_platform.sealing import seal

from .conftest import Api, N, Org, staff, wait_for

WARSAW = zoneinfo.ZoneInfo("Europe/Warsaw")


def test_quiet_hours_end_at_nine_local_across_daylight_saving_changes() -> None:
    night, morning = time(21), time(9)
    # the night summer time starts (29 March 2026): 09:00 CEST is 07:00 UTC
    spring = quiet_until(datetime(2026, 3, 28, 21, 30, tzinfo=UTC), WARSAW, night, morning)
    assert spring == datetime(2026, 3, 29, 7, tzinfo=UTC)
    # the night it ends (25 October 2026): 09:00 CET is 08:00 UTC
    autumn = quiet_until(datetime(2026, 10, 24, 20, 30, tzinfo=UTC), WARSAW, night, morning)
    assert autumn == datetime(2026, 10, 25, 8, tzinfo=UTC)
    # after midnight, the same morning
    early = quiet_until(datetime(2026, 7, 1, 1, tzinfo=UTC), WARSAW, night, morning)
    assert early == datetime(2026, 7, 1, 7, tzinfo=UTC)
    assert quiet_until(datetime(2026, 7, 1, 10, tzinfo=UTC), WARSAW, night, morning) is None
    # a window within one day
    lunch = quiet_until(datetime(2026, 7, 1, 11, 30, tzinfo=UTC), WARSAW, time(13), time(14))
    assert lunch == datetime(2026, 7, 1, 12, tzinfo=UTC)
    assert quiet_until(datetime(2026, 7, 1, 11, tzinfo=UTC), WARSAW, time(13), time(13)) is None


def quiet_now(api: Api, org: Org) -> datetime:
    """Quiet hours around the present moment in Warsaw; when they end (UTC)."""
    now = datetime.now(WARSAW)
    start = (now - timedelta(hours=1)).strftime("%H:%M")
    end_local = now + timedelta(hours=2)
    window = {"start": start, "end": end_local.strftime("%H:%M")}
    shown = api.ok("PATCH", f"{N}/settings", org.owner, json={"quiet_hours": window})
    assert shown["quiet_hours"] == window
    assert shown["time_zone"] == "Europe/Warsaw"
    return end_local.replace(second=0, microsecond=0).astimezone(UTC)


def due(client: uuid.UUID, **kw: object) -> PaymentDueSoon:
    fields: dict[str, object] = {
        "due_item_id": uuid.uuid4(),
        "client_id": client,
        "kind": "credit",
        "due_on": date(2026, 12, 24),
        "amount_minor": 3_000,
        "currency": "PLN",
        "balance_minor": -3_000,
    } | kw
    return PaymentDueSoon(**fields)  # type: ignore[arg-type]


def release(api: Api, message_id: uuid.UUID) -> None:
    """The quiet hours are over: the message's time has come."""
    api.sql(
        "UPDATE messages SET next_attempt_at = now() - interval '1 second' WHERE id = $1",
        message_id,
    )


def test_reminders_wait_for_the_end_of_quiet_hours_transactional_mail_does_not(api: Api) -> None:
    org = api.organisation()
    ends = quiet_now(api, org)
    client = api.client_of(org, email="night@example.com")
    api.send(due(client), org.tenant)
    (row,) = wait_for(lambda: api.messages(client_id=client, status="deferred"))
    assert row["next_attempt_at"] == ends
    assert row["reason"].startswith("quiet hours until")
    api.send(
        StaffInvitedV2(
            user_id=uuid.uuid4(),
            email="night-teacher@example.com",
            name="T",
            role="teacher",
            sealed_token=seal(DEV_SEAL_PUBLIC_KEY, "invite", "t" * 40),
            expires_at=datetime(2026, 12, 9, tzinfo=UTC),
        ),
        org.tenant,
    )
    wait_for(lambda: api.smtp.to("night-teacher@example.com"))
    assert api.smtp.to("night@example.com") == []
    api.ok("PATCH", f"{N}/settings", org.owner, json={"quiet_hours": None})
    release(api, row["id"])
    wait_for(lambda: api.smtp.to("night@example.com"))
    bad = api.call("PATCH", f"{N}/settings", org.owner, json={"quiet_hours": {"start": "25:00"}})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"quiet_hours.start", "quiet_hours.end"}
    admin = staff(org.tenant, "admin", branch_ids=frozenset({org.branch}))
    assert api.call("PATCH", f"{N}/settings", admin, json={"quiet_hours": None}).status_code == 403


def test_a_reminder_whose_invoice_was_paid_meanwhile_is_skipped(api: Api) -> None:
    org = api.organisation()
    quiet_now(api, org)
    client = api.client_of(org, email="paid@example.com")
    invoice = uuid.uuid4()
    api.send(due(client, kind="invoice", invoice_id=invoice), org.tenant)
    debtor = api.client_of(org, email="debt@example.com")
    api.send(due(debtor), org.tenant)
    (held,) = wait_for(lambda: api.messages(client_id=client, status="deferred"))
    (owed,) = wait_for(lambda: api.messages(client_id=debtor, status="deferred"))
    api.send(
        InvoiceChanged(
            invoice_id=invoice,
            client_id=client,
            description="December",
            amount_minor=3_000,
            paid_minor=3_000,
            currency="PLN",
            due_on=date(2026, 12, 24),
            status="paid",
        ),
        org.tenant,
    )
    api.send(BalanceChanged(client_id=debtor, balance_minor=0, currency="PLN"), org.tenant)
    api.ok("PATCH", f"{N}/settings", org.owner, json={"quiet_hours": None})
    release(api, held["id"])
    release(api, owed["id"])
    (skipped,) = wait_for(lambda: api.messages(client_id=client, status="skipped"))
    assert skipped["reason"] == "already settled: the invoice is paid"
    (cleared,) = wait_for(lambda: api.messages(client_id=debtor, status="skipped"))
    assert cleared["reason"] == "already settled: the client owes nothing now"
    assert api.smtp.to("paid@example.com") == []
    assert api.smtp.to("debt@example.com") == []


def test_a_late_older_balance_does_not_overtake_the_newer_one_it_was_stamped_after(
    api: Api,
) -> None:
    """Two of billing's batches overlapped: the one that settled the debt was stamped first
    and committed last, so its event has the older time but the higher sequence. The
    owing balance delivered after it, stamped later, must not undo it: the reminder is
    skipped, as the client owes nothing now."""
    org = api.organisation()
    quiet_now(api, org)
    debtor = api.client_of(org, email="overtaken@example.com")
    api.send(due(debtor), org.tenant)
    (owed,) = wait_for(lambda: api.messages(client_id=debtor, status="deferred"))
    now = datetime.now(UTC)

    def balance(minor: int, sequence: int | None, at: datetime) -> list[str]:
        payload = BalanceChanged(
            client_id=debtor, balance_minor=minor, currency="PLN", sequence=sequence
        )
        return api.deliver(api.envelope(payload, org.tenant, time=at))

    def kept() -> tuple[int, int | None]:
        (row,) = api.sql(
            "SELECT balance_minor, sequence FROM balances WHERE client_id = $1", debtor
        )
        return row["balance_minor"], row["sequence"]

    assert balance(0, 8, now - timedelta(milliseconds=2)) == ["done"]  # newer, stamped first
    assert balance(-3_000, 7, now) == ["done"]  # older, stamped later, delivered late
    assert kept() == (0, 8)
    api.ok("PATCH", f"{N}/settings", org.owner, json={"quiet_hours": None})
    release(api, owed["id"])
    (cleared,) = wait_for(lambda: api.messages(client_id=debtor, status="skipped"))
    assert cleared["reason"] == "already settled: the client owes nothing now"
    assert api.smtp.to("overtaken@example.com") == []
    assert balance(-500, None, now + timedelta(seconds=5)) == ["done"]  # none: by its time
    assert kept() == (-500, None)


def test_staff_opt_a_client_out_per_category_and_channel(api: Api) -> None:
    org = api.organisation()
    client = api.client_of(org, email="optout@example.com")
    path = f"{N}/clients/{client}/opt-outs"
    body = {"category": "reminders", "channel": "email", "opted_out": True}
    assert api.ok("PUT", path, org.owner, json=body)["items"] == [
        {"category": "reminders", "channel": "email", "source": "staff"}
    ]
    api.send(due(client), org.tenant)
    (row,) = api.messages(client_id=client)
    assert (row["status"], row["reason"]) == ("skipped", "opted out")
    transactional = api.call("PUT", path, org.owner, json=body | {"category": "transactional"})
    assert transactional.status_code == 422
    other_admin = staff(org.tenant, "admin", branch_ids=frozenset({uuid.uuid4()}))
    assert api.call("GET", path, other_admin).status_code == 404
    assert api.call("GET", path, Org().owner).status_code == 404
    admin = staff(org.tenant, "admin", branch_ids=frozenset({org.branch}))
    assert api.ok("PUT", path, admin, json=body | {"opted_out": False})["items"] == []
    api.send(due(client), org.tenant)
    wait_for(lambda: api.smtp.to("optout@example.com"))
