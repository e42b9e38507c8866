"""A world for authorisation tests: two organisations, their branches, groups, lessons and
clients, tokens minted the way identity mints them, and stand-in services over real HTTP.

The stand-ins answer identity's JWKS and every owner's internal access lookup from this
world, and echo what reached them (after verifying the gateway's internal token), so a
test sees exactly what the gateway let through and with which scope.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from joserfc import jwt
from joserfc.jwk import OKPKey

from crm_contracts.tokens import ALGORITHM, AUDIENCE, TOKEN_TYPE
from crm_platform.dev_keys import DEV_INTERNAL_PUBLIC_KEY
from crm_platform.errors import ProblemError
from crm_platform.internal_auth import HEADER, InternalTokenVerifier
from gateway_app.settings import UPSTREAMS

ISSUER = "crm-identity"


def new_key() -> tuple[str, OKPKey]:
    pem = (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    return pem, OKPKey.import_key(pem)


@dataclass
class Actor:
    name: str
    realm: str  # staff, portal, operator, anonymous
    tenant: uuid.UUID | None = None
    user_id: uuid.UUID = field(default_factory=uuid.uuid4)
    role: str | None = None
    branches: frozenset[uuid.UUID] = frozenset()
    groups: frozenset[uuid.UUID] = frozenset()
    clients: frozenset[uuid.UUID] = frozenset()
    finances_hidden: bool = False


@dataclass
class World:
    kid: str
    key: OKPKey
    tenant: uuid.UUID = field(default_factory=uuid.uuid4)
    other_tenant: uuid.UUID = field(default_factory=uuid.uuid4)
    branch1: uuid.UUID = field(default_factory=uuid.uuid4)
    branch2: uuid.UUID = field(default_factory=uuid.uuid4)
    other_branch: uuid.UUID = field(default_factory=uuid.uuid4)
    group_a: uuid.UUID = field(default_factory=uuid.uuid4)  # branch 1
    group_b: uuid.UUID = field(default_factory=uuid.uuid4)  # branch 1
    group_c: uuid.UUID = field(default_factory=uuid.uuid4)  # branch 2
    group_d: uuid.UUID = field(default_factory=uuid.uuid4)  # other tenant
    actors: dict[str, Actor] = field(default_factory=dict)
    # (kind, id) -> location document as the owner service would answer it
    locations: dict[tuple[str, uuid.UUID], dict[str, Any]] = field(default_factory=dict)
    objects: dict[str, dict[str, uuid.UUID]] = field(default_factory=dict)
    # personal link token -> (tenant, client), as clients would resolve it
    links: dict[str, tuple[uuid.UUID, uuid.UUID]] = field(default_factory=dict)
    # organisation -> why operators suspended it (absent: active)
    suspended: dict[uuid.UUID, str] = field(default_factory=dict)

    def build(self) -> World:
        groups = {
            self.group_a: (self.tenant, self.branch1),
            self.group_b: (self.tenant, self.branch1),
            self.group_c: (self.tenant, self.branch2),
            self.group_d: (self.other_tenant, self.other_branch),
        }
        for branch, tenant in (
            (self.branch1, self.tenant),
            (self.branch2, self.tenant),
            (self.other_branch, self.other_tenant),
        ):
            self._place("branch", branch, tenant, {branch}, set())
        lessons: dict[uuid.UUID, uuid.UUID] = {}
        clients: dict[uuid.UUID, uuid.UUID] = {}
        for group, (tenant, branch) in groups.items():
            self._place("group", group, tenant, {branch}, {group})
            lesson, client = uuid.uuid4(), uuid.uuid4()
            lessons[group], clients[group] = lesson, client
            self._place("lesson", lesson, tenant, {branch}, {group})
            self._place("client", client, tenant, {branch}, {group})
        # Objects by their relation to "teacher A" in group A of branch 1.
        relation = {
            "own_group": self.group_a,
            "other_group": self.group_b,
            "other_branch": self.group_c,
            "other_tenant": self.group_d,
        }
        branch_of = {
            self.group_a: self.branch1,
            self.group_b: self.branch1,
            self.group_c: self.branch2,
            self.group_d: self.other_branch,
        }
        for name, group in relation.items():
            self.objects[name] = {
                "group": group,
                "lesson": lessons[group],
                "client": clients[group],
                "branch": branch_of[group],
            }
        t = self.tenant
        self.actors = {
            "owner": Actor("owner", "staff", t, role="owner"),
            "admin_b1": Actor(
                "admin_b1", "staff", t, role="admin", branches=frozenset({self.branch1})
            ),
            "teacher_a": Actor(
                "teacher_a",
                "staff",
                t,
                role="teacher",
                groups=frozenset({self.group_a}),
                finances_hidden=True,
            ),
            "teacher_b": Actor(
                "teacher_b", "staff", t, role="teacher", groups=frozenset({self.group_b})
            ),
            "accountant": Actor(
                "accountant", "staff", t, role="accountant", branches=frozenset({self.branch1})
            ),
            "portal_x": Actor("portal_x", "portal", t, clients=frozenset({clients[self.group_a]})),
            "portal_y": Actor(
                "portal_y", "portal", self.other_tenant, clients=frozenset({clients[self.group_d]})
            ),
            "operator": Actor("operator", "operator"),
            "anonymous": Actor("anonymous", "anonymous"),
        }
        return self

    def _place(
        self,
        kind: str,
        rid: uuid.UUID,
        tenant: uuid.UUID,
        branches: set[uuid.UUID],
        groups: set[uuid.UUID],
    ) -> None:
        self.locations[(kind, rid)] = {
            "tenant_id": str(tenant),
            "branch_ids": [str(b) for b in branches],
            "group_ids": [str(g) for g in groups],
        }

    def access_of(self, user_id: uuid.UUID) -> dict[str, Any] | None:
        for actor in self.actors.values():
            if actor.realm == "staff" and actor.user_id == user_id:
                return {
                    "user_id": str(actor.user_id),
                    "tenant_id": str(actor.tenant),
                    "role": actor.role,
                    "status": "active",
                    "finances_hidden": actor.finances_hidden,
                    "organisation_wide": actor.role == "owner",
                    "branch_ids": [str(b) for b in actor.branches],
                    "group_ids": [str(g) for g in actor.groups],
                }
        return None

    def jwks(self) -> dict[str, Any]:
        public = self.key.as_dict(private=False)
        public.update({"kid": self.kid, "alg": ALGORITHM, "use": "sig"})
        return {"keys": [public]}

    def token(
        self,
        actor: Actor,
        *,
        key: OKPKey | None = None,
        header: dict[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        realm = actor.realm if actor.realm != "anonymous" else "staff"
        now = int(time.time())
        body: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE[realm],
            "sub": str(actor.user_id),
            "sid": str(uuid.uuid4()),
            "realm": realm,
            "iat": now,
            "exp": now + 900,
        }
        if realm != "operator":
            body["tid"] = str(actor.tenant)
        if realm == "staff":
            body["role"] = actor.role
        elif realm == "portal":
            body["clients"] = [str(c) for c in actor.clients]
        body.update(claims)
        head = {"alg": ALGORITHM, "typ": TOKEN_TYPE[realm], "kid": self.kid} | (header or {})
        return jwt.encode(head, body, key or self.key, algorithms=[ALGORITHM])


def new_world() -> World:
    _, key = new_key()
    return World(kid="test-kid-1", key=key).build()


@dataclass
class StandIn:
    """One stand-in service: what it received, and the principal the gateway vouched for."""

    name: str
    server: TestServer
    received: list[dict[str, Any]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")


async def start_stand_in(name: str, world: World) -> StandIn:
    verifier = InternalTokenVerifier(DEV_INTERNAL_PUBLIC_KEY, issuer="crm-gateway", audience=name)
    stand_in: StandIn

    async def handle(request: web.Request) -> web.Response:
        path = request.path
        if path in ("/readyz", "/healthz"):
            return web.json_response({"status": "ok"})
        try:
            principal = verifier.verify(request.headers.get(HEADER, ""))
        except ProblemError:
            return web.json_response({"detail": "no gateway token"}, status=401)
        proxied = "x-client-address" in request.headers  # the gateway's own fetches lack it
        if path == "/auth/jwks" and name == "identity" and not proxied:
            return web.json_response(world.jwks())
        if path == "/openapi.json":
            return web.json_response(
                {"openapi": "3.1.0", "paths": {}, "components": {"schemas": {}}}
            )
        if path == "/internal/v1/clients/links/resolve" and principal.realm == "system":
            token = (await request.json()).get("token", "")
            holder = world.links.get(token)
            if holder is None:
                return web.json_response({"detail": "no such link"}, status=404)
            return web.json_response({"tenant_id": str(holder[0]), "client_id": str(holder[1])})
        prefix = f"/internal/v1/{name}/access/"
        if path.startswith(prefix):
            if principal.realm != "system":
                return web.json_response({}, status=404)
            rest = path[len(prefix) :].split("/")
            if len(rest) == 1:
                found = world.access_of(uuid.UUID(rest[0]))
            elif rest[0] == "organisations":
                reason = world.suspended.get(uuid.UUID(rest[1]))
                found = {"status": "suspended" if reason else "active", "suspended_reason": reason}
            else:
                kind = {
                    "branches": "branch",
                    "groups": "group",
                    "lessons": "lesson",
                    "clients": "client",
                }
                found = world.locations.get((kind[rest[0]], uuid.UUID(rest[1])))
            return web.json_response(found or {}, status=200 if found else 404)
        body = await request.read()
        record = {
            "method": request.method,
            "path": path,
            "query": request.query_string,
            "body": body.decode(errors="replace"),
            "principal": principal.to_claims(),
            "client_address": request.headers.get("x-client-address"),
            "cookie": request.headers.get("cookie"),
            "authorization": request.headers.get("authorization"),
            "forwarded_proto": request.headers.get("x-forwarded-proto"),
            "forwarded_host": request.headers.get("x-forwarded-host"),
        }
        stand_in.received.append(record)
        if "redirect" in request.query:  # as a framework redirects: to its own address
            own = f"{stand_in.url}{path}/"
            elsewhere = request.query["redirect"] or own
            headers = {"Location": elsewhere, "Content-Location": own}
            return web.json_response(record, status=307, headers=headers)
        return web.json_response(record)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    server = TestServer(app, host="127.0.0.1")
    stand_in = StandIn(name, server)
    await server.start_server()
    return stand_in


async def start_stand_ins(world: World) -> dict[str, StandIn]:
    return {name: await start_stand_in(name, world) for name in UPSTREAMS}
