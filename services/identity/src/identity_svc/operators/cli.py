"""The operators' command line, on identity's own database (IDENTITY_DATABASE_URL, or the
embedded default under var/). Changes go through the same use cases and events as the
operator API; the running identity service's relay publishes them.

    python -m identity_svc.operators create-operator --email ops@example.com --name Ops
    python -m identity_svc.operators organisations [--limit 100] [--cursor <next_cursor>]
    python -m identity_svc.operators set-plan <organisation id> standard --active-clients 200
    python -m identity_svc.operators suspend <organisation id> --reason "unpaid since May"
    python -m identity_svc.operators reactivate <organisation id>

The password of a new operator is read from $OPERATOR_PASSWORD, else asked for. Answers are
JSON on stdout; a refusal is its problem detail on stderr and exit status 1.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sys
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from crm_messaging import Outbox
from crm_platform.db import Database
from crm_platform.errors import ProblemError
from crm_platform.pagination import MAX_LIMIT, Page, page
from identity_svc.context import Context
from identity_svc.models import messaging
from identity_svc.operators import schemas
from identity_svc.operators.service import Operators
from identity_svc.settings import Settings
from identity_svc.tokens.keys import keys_for

PASSWORD_ENV = "OPERATOR_PASSWORD"


def _limit(value: str) -> int | None:
    if value.lower() in ("none", "null", "unlimited"):
        return None
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number or 'none'") from None
    return number


def _page_size(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number from 1 to {MAX_LIMIT}")
    return int(value)


async def _organisations(
    ops: Operators, cursor: str | None, limit: int
) -> Page[schemas.OrganisationStanding]:
    """A page as the API answers it: the next page is asked for with --cursor next_cursor."""
    rows, next_cursor = page(await ops.organisations(cursor, limit), limit)
    return Page(items=rows, next_cursor=next_cursor)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m identity_svc.operators", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-operator", help="add an operator account")
    create.add_argument("--email", required=True)
    create.add_argument("--name", required=True)
    listing = commands.add_parser("organisations", help="list organisations and their plans")
    listing.add_argument("--limit", type=_page_size, default=100, metavar=f"1-{MAX_LIMIT}")
    listing.add_argument("--cursor")
    plan = commands.add_parser("set-plan", help="set an organisation's plan and limits")
    plan.add_argument("organisation_id", type=uuid.UUID)
    plan.add_argument("plan")
    for name in ("active-clients", "branches", "staff"):
        plan.add_argument(f"--{name}", type=_limit, default=argparse.SUPPRESS, metavar="N|none")
    suspend = commands.add_parser("suspend", help="refuse an organisation's staff")
    suspend.add_argument("organisation_id", type=uuid.UUID)
    suspend.add_argument("--reason", required=True)
    reactivate = commands.add_parser("reactivate", help="end a suspension")
    reactivate.add_argument("organisation_id", type=uuid.UUID)
    return root


def _request(args: argparse.Namespace) -> Callable[[Operators], Awaitable[Any]]:
    """Validates the arguments as the API validates bodies, before anything is opened."""
    match args.command:
        case "create-operator":
            password = os.environ.get(PASSWORD_ENV) or getpass.getpass("Password: ")
            body = schemas.OperatorCreate(email=args.email, name=args.name, password=password)
            return lambda ops: ops.create_operator(body)
        case "organisations":
            return lambda ops: _organisations(ops, args.cursor, args.limit)
        case "set-plan":
            limits = {
                key: getattr(args, key)
                for key in ("active_clients", "branches", "staff")
                if hasattr(args, key)
            }
            plan_set = schemas.PlanSet.model_validate({"plan": args.plan, "limits": limits})
            return lambda ops: ops.set_plan(args.organisation_id, plan_set)
        case "suspend":
            suspension = schemas.Suspension(reason=args.reason)
            return lambda ops: ops.suspend(args.organisation_id, suspension)
        case _:
            return lambda ops: ops.reactivate(args.organisation_id)


async def run(args: argparse.Namespace, settings: Settings) -> Any:
    action = _request(args)
    database = Database(settings.resolved_database_url(), pool_size=1)
    try:
        async with database.unit_of_work() as session:
            outbox = Outbox("identity", messaging)
            ops = Operators(Context(session, outbox, settings=settings, keys=keys_for(settings)))
            return await action(ops)
    finally:
        await database.dispose()


def _json(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_json(v) for v in value]
    return value


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        result = asyncio.run(run(args, Settings()))
    except ValidationError as exc:
        for error in exc.errors():
            field = ".".join(str(p) for p in error["loc"])
            print(f"invalid {field}: {error['msg']}", file=sys.stderr)
        return 1
    except ProblemError as exc:
        print(exc.detail, file=sys.stderr)
        for detail in exc.errors or []:
            print(f"  {detail['field']}: {detail['message']}", file=sys.stderr)
        return 1
    print(json.dumps(_json(result), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
