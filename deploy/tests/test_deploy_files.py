"""The deploy files against the workspace: every service folder (found under services/, not
listed here) and the gateway appear in docker-compose.yml and in the Kubernetes base, wired
the same way; every build reference points at files and packages that exist; the image's
entry point migrates and serves each member as the container would."""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import shlex
import sqlite3
import subprocess
import sys
import time
import tomllib
import urllib.request
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from crm_contracts.plans import PLANS
from crm_devrun.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "deploy" / "docker" / "Dockerfile"
ENTRYPOINT = ROOT / "deploy" / "docker" / "entrypoint.py"
POSTGRES_INIT = ROOT / "deploy" / "docker" / "postgres-init.sql"
K8S = ROOT / "deploy" / "k8s"
K8S_BASE = K8S / "base"
K8S_EXAMPLE = K8S / "overlays" / "example"
INFRASTRUCTURE = {"postgres", "rabbitmq"}
# Read by uvicorn itself, not by a service's settings.
UNPREFIXED_ENV = {"FORWARDED_ALLOW_IPS"}


def _members() -> dict[str, Path]:
    """Container name -> folder: each folder under services/ with a pyproject.toml, and gateway."""
    services = ROOT / "services"
    found = {p.name: p for p in sorted(services.iterdir()) if (p / "pyproject.toml").is_file()}
    found["gateway"] = ROOT / "gateway"
    return found


MEMBERS = _members()
SERVICES = [name for name in MEMBERS if name != "gateway"]
# Members with migrations own a database; every member but the web front-end (which only
# calls the gateway) talks to the broker.
OWN_DATABASE = [name for name in MEMBERS if (MEMBERS[name] / "alembic.ini").is_file()]
NO_BROKER = {"web"}


def _load_entrypoint() -> ModuleType:
    spec = importlib.util.spec_from_file_location("crm_docker_entrypoint", ENTRYPOINT)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


entrypoint = _load_entrypoint()


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def project_name(folder: Path) -> str:
    with (folder / "pyproject.toml").open("rb") as f:
        name: str = tomllib.load(f)["project"]["name"]
    return name


@cache
def settings_class(name: str) -> Any:
    """`<module>.settings.Settings`, the name every member's settings module exposes."""
    return importlib.import_module(f"{entrypoint.app_module(MEMBERS[name])}.settings").Settings


def env_prefix(name: str) -> str:
    prefix: str = settings_class(name).model_config["env_prefix"]
    return prefix


def unknown_settings(name: str, env_names: set[str]) -> set[str]:
    cls = settings_class(name)
    known = {f"{env_prefix(name)}{field}".upper() for field in cls.model_fields}
    return {n for n in env_names if n.upper() not in known and n not in UNPREFIXED_ENV}


def interpolated(value: Any) -> str:
    """A compose value with ${VAR:-default} replaced by its default."""
    return re.sub(r"\$\{[A-Za-z0-9_]+:-([^}]*)\}", r"\1", str(value))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


# --- docker-compose.yml -------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    services: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    return services


def test_compose_runs_every_member_and_the_infrastructure(compose: dict[str, Any]) -> None:
    assert set(MEMBERS) | INFRASTRUCTURE <= set(compose)
    assert compose["postgres"]["image"].startswith("postgres:16")
    assert compose["rabbitmq"]["image"].startswith("rabbitmq:3.13-management")
    for name in INFRASTRUCTURE:
        assert compose[name]["healthcheck"]["test"], name


@pytest.mark.parametrize("name", MEMBERS)
def test_compose_builds_the_member_from_its_folder(compose: dict[str, Any], name: str) -> None:
    build = compose[name]["build"]
    assert (ROOT / build["context"]).resolve() == ROOT
    assert (ROOT / build["dockerfile"]).resolve() == DOCKERFILE
    assert build["args"]["SERVICE_DIR"] == rel(MEMBERS[name])


@pytest.mark.parametrize("name", MEMBERS)
def test_member_is_a_locked_workspace_package(name: str) -> None:
    """`uv sync --frozen --project <folder>` in the image needs the member in uv.lock."""
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    sources = {p["name"]: p["source"] for p in lock["package"]}
    assert sources.get(project_name(MEMBERS[name])) == {"editable": rel(MEMBERS[name])}


@pytest.mark.parametrize("name", MEMBERS)
def test_compose_member_has_a_healthcheck(compose: dict[str, Any], name: str) -> None:
    healthcheck = compose[name]["healthcheck"]
    assert healthcheck["test"][:4] == ["CMD", "python", "/app/entrypoint.py", "healthcheck"]
    assert not healthcheck.get("disable", False)


@pytest.mark.parametrize("name", MEMBERS)
def test_compose_member_starts_after_the_healthy_infrastructure_it_uses(
    compose: dict[str, Any], name: str
) -> None:
    uses = {"rabbitmq", "postgres"} if name in OWN_DATABASE else {"rabbitmq"}
    if name in NO_BROKER:
        uses = set()
    for dependency in uses:
        assert compose[name]["depends_on"][dependency] == {"condition": "service_healthy"}


def test_only_the_gateway_and_the_mail_catcher_are_published(
    compose: dict[str, Any],
) -> None:
    gateway = compose["gateway"]
    assert "8100:8000" in gateway["ports"]
    for name in SERVICES:
        assert gateway["depends_on"][name] == {"condition": "service_healthy"}
    published = [n for n in compose if n != "gateway" and compose[n].get("ports")]
    assert published == ["mailpit"]  # the development mail catcher's inbox, on loopback only
    assert all(p.startswith("127.0.0.1:") for p in compose["mailpit"]["ports"])


@pytest.mark.parametrize("name", MEMBERS)
def test_compose_environment_is_the_members_own_settings(
    compose: dict[str, Any], name: str
) -> None:
    env = compose[name]["environment"]
    prefix = env_prefix(name)
    if name in OWN_DATABASE:
        url = env[f"{prefix}DATABASE_URL"]
        assert urlsplit(url).hostname == "postgres"
        assert database_name(url) == f"crm_{name}"
    if name not in NO_BROKER:
        assert urlsplit(env[f"{prefix}AMQP_URL"]).hostname == "rabbitmq"
    assert interpolated(env[f"{prefix}ENVIRONMENT"]) == "development"
    assert {n for n in env if not n.startswith(prefix)} <= UNPREFIXED_ENV
    assert unknown_settings(name, set(env)) == set()


def upstream_env(gateway_env: dict[str, str]) -> dict[str, str]:
    """GATEWAY_<SERVICE>_URL -> value, for every service the gateway's settings name."""
    fields = settings_class("gateway").model_fields
    prefix = env_prefix("gateway")
    return {
        f"{prefix}{s}_URL".upper(): gateway_env.get(f"{prefix}{s}_URL".upper(), "")
        for s in SERVICES
        if f"{s}_url" in fields
    }


def test_compose_letters_reach_the_mail_catcher(compose: dict[str, Any]) -> None:
    env = compose["notifications"]["environment"]
    smtp = urlsplit(interpolated(env["NOTIFICATIONS_SMTP_URL"]))
    assert smtp.scheme == "smtp"
    assert smtp.hostname in compose
    assert compose[smtp.hostname]["image"].startswith("axllent/mailpit:")
    for name in ("clients", "journal"):
        assert urlsplit(env[f"NOTIFICATIONS_{name.upper()}_URL"]).hostname == name


def test_compose_gateway_finds_every_service(compose: dict[str, Any]) -> None:
    urls = upstream_env(compose["gateway"]["environment"])
    assert urls
    for key, value in urls.items():
        service = key.removeprefix(env_prefix("gateway")).removesuffix("_URL").lower()
        assert value == f"http://{service}:8000"


def test_every_database_in_compose_is_distinct_and_created(compose: dict[str, Any]) -> None:
    names = [
        database_name(value)
        for name in MEMBERS
        for key, value in compose[name]["environment"].items()
        if key.endswith("DATABASE_URL")
    ]
    assert len(names) == len(set(names)) == len(OWN_DATABASE)
    created = re.findall(r"^CREATE DATABASE (\w+);", POSTGRES_INIT.read_text(), re.MULTILINE)
    assert set(names) <= set(created)
    mounts = [v.split(":")[0] for v in compose["postgres"]["volumes"]]
    assert "./" + rel(POSTGRES_INIT) in mounts


# --- deploy/docker/Dockerfile and .dockerignore ---------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    lines = [ln.strip() for ln in joined.splitlines()]
    return [
        (ln.split(None, 1)[0].upper(), ln.split(None, 1)[1])
        for ln in lines
        if ln and not ln.startswith("#")
    ]


def dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    pattern = pattern.strip("/")
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        else:
            char = pattern[i]
            out += {"*": "[^/]*", "?": "[^/]"}.get(char, re.escape(char))
            i += 1
    return re.compile(out)


def dockerignored(path: str) -> bool:
    """Docker's rule: a path is out when it or a folder above it matches the last pattern."""
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for pattern in dockerignore_patterns():
        negated = pattern.startswith("!")
        regex = _pattern_regex(pattern.lstrip("!"))
        if any(regex.fullmatch(c) for c in candidates):
            ignored = not negated
    return ignored


def files_under(path: Path) -> Iterator[Path]:
    """The committed files under `path` (local caches and build leftovers are not inputs)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--", rel(path)], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        file = ROOT / name
        if "tests" not in file.parts:
            yield file


def test_dockerfile_copies_only_existing_build_inputs() -> None:
    copies = [args for kw, args in dockerfile_instructions() if kw == "COPY"]
    sources = [
        src
        for args in copies
        if "--from=" not in args
        for src in [t for t in shlex.split(args) if not t.startswith("--")][:-1]
    ]
    assert "${SERVICE_DIR}" in sources
    for name, folder in MEMBERS.items():
        for source in sources:
            path = ROOT / source.replace("${SERVICE_DIR}", rel(folder))
            assert path.exists(), f"{name}: COPY {source} -> {path} is missing"
            for file in files_under(path):
                assert not dockerignored(rel(file)), f".dockerignore drops {rel(file)}"


def test_dockerignore_keeps_local_state_out_of_the_context() -> None:
    for path in [".git/HEAD", ".venv/bin/python", "var/billing.sqlite3", ".tools/bin/uv"]:
        assert dockerignored(path), path
    assert dockerignored("services/billing/tests/test_api.py")
    assert dockerignored("libs/platform/src/crm_platform/__pycache__/app.cpython-311.pyc")


def test_dockerfile_installs_one_member_with_pinned_uv_as_non_root() -> None:
    instructions = dockerfile_instructions()
    text = DOCKERFILE.read_text()
    syncs = [args for kw, args in instructions if kw == "RUN" and "uv sync" in args]
    assert syncs
    for sync in syncs:
        assert re.search(r"uv sync --frozen --no-dev .*--project \"\$\{SERVICE_DIR\}\"", sync)
    assert "--no-editable" in syncs[-1]
    assert re.search(r"^ARG UV_IMAGE=ghcr\.io/astral-sh/uv:\d+\.\d+\.\d+$", text, re.MULTILINE)
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.\d+-slim$", text, re.MULTILINE)
    users = [args for kw, args in instructions if kw == "USER"]
    uid = users[-1].split(":")[0]
    assert uid.isdigit()
    assert uid != "0"
    assert ("EXPOSE", "8000") in instructions
    healthcheck = next(args for kw, args in instructions if kw == "HEALTHCHECK")
    assert '"/app/entrypoint.py", "healthcheck", "/healthz"' in healthcheck
    cmd = [args for kw, args in instructions if kw == "CMD"][-1]
    assert cmd == '["python", "/app/entrypoint.py", "migrate", "serve"]'


def test_image_python_meets_every_members_requirement() -> None:
    image = re.search(r"^ARG PYTHON_IMAGE=python:(\d+\.\d+)", DOCKERFILE.read_text(), re.M)
    assert image
    for folder in [ROOT, *MEMBERS.values()]:
        with (folder / "pyproject.toml").open("rb") as f:
            requires = tomllib.load(f)["project"]["requires-python"]
        assert Version(image.group(1)) in SpecifierSet(requires), folder


# --- deploy/docker/entrypoint.py, run as the container runs it ------------------------------


def container_env(name: str, **extra: str) -> dict[str, str]:
    """This environment without the member's own variables, plus what the image sets."""
    prefix = env_prefix(name)
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(prefix)}
    return {**inherited, "CRM_SERVICE_DIR": str(MEMBERS[name]), **extra}


def sqlite_env(name: str, tmp_path: Path) -> dict[str, str]:
    """A SQLite database in tmp_path and no broker (the in-process bus)."""
    if name not in OWN_DATABASE:
        return {}
    return {f"{env_prefix(name)}DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}


def run_entrypoint(name: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ENTRYPOINT), *args],
        env=container_env(name, **env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("name", MEMBERS)
def test_entrypoint_names_each_members_app_factory(name: str) -> None:
    module = entrypoint.app_module(MEMBERS[name])
    assert (MEMBERS[name] / "src" / module / "main.py").is_file()
    assert callable(importlib.import_module(f"{module}.main").create_app)


def test_entrypoint_refuses_to_migrate_without_a_database_url() -> None:
    name = SERVICES[0]
    result = run_entrypoint(name, "migrate", env={})
    assert result.returncode != 0
    assert f"{env_prefix(name)}DATABASE_URL" in result.stderr


def test_entrypoint_rejects_unknown_steps_and_serve_before_another_step() -> None:
    assert entrypoint.main(["build"]) == 2
    assert entrypoint.main(["serve", "migrate"]) == 2
    assert entrypoint.main([]) == 2


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@pytest.mark.parametrize("name", MEMBERS)
def test_entrypoint_migrates_serves_and_passes_its_own_healthcheck(
    name: str, tmp_path: Path
) -> None:
    """The image's CMD (`migrate serve`) on SQLite, then the image's HEALTHCHECK command."""
    port = free_port()
    env = {**sqlite_env(name, tmp_path), "PORT": str(port)}
    server = subprocess.Popen(
        [sys.executable, str(ENTRYPOINT), "migrate", "serve"],
        env=container_env(name, **env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not answers(port) and server.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert run_entrypoint(name, "healthcheck", env=env).returncode == 0
        if name in OWN_DATABASE:  # the gateway is ready only when every service is
            assert run_entrypoint(name, "healthcheck", "/readyz", env=env).returncode == 0
            with sqlite3.connect(tmp_path / "db.sqlite3") as db:
                assert db.execute("SELECT version_num FROM alembic_version").fetchone()
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=30)
    # uvicorn re-raises SIGTERM after its graceful shutdown.
    assert "Application shutdown complete" in stderr, stderr


def test_healthcheck_fails_when_nothing_listens() -> None:
    env = {"PORT": str(free_port())}
    assert run_entrypoint(SERVICES[0], "healthcheck", env=env).returncode == 1


# --- deploy/k8s ------------------------------------------------------------------------------


def yaml_documents(folder: Path) -> list[dict[str, Any]]:
    docs = []
    for path in sorted(folder.rglob("*.yaml")):
        docs += [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    return docs


@pytest.fixture(scope="module")
def base() -> dict[tuple[str, str], dict[str, Any]]:
    docs = [d for d in yaml_documents(K8S_BASE) if d["kind"] != "Kustomization"]
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


@pytest.fixture(scope="module")
def example_secrets() -> dict[str, dict[str, str]]:
    docs = yaml.safe_load_all((K8S_EXAMPLE / "secrets.example.yaml").read_text())
    return {d["metadata"]["name"]: d["stringData"] for d in docs if d and d["kind"] == "Secret"}


def test_k8s_manifests_parse_and_are_named() -> None:
    docs = yaml_documents(K8S)
    assert docs
    for doc in docs:
        assert doc["apiVersion"], doc
        assert doc["kind"], doc
        if doc["kind"] != "Kustomization":
            assert doc["metadata"]["name"], doc


@pytest.mark.parametrize("folder", [K8S_BASE, K8S_EXAMPLE], ids=["base", "example"])
def test_kustomization_lists_existing_files_and_every_manifest(folder: Path) -> None:
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    resources = kustomization["resources"]
    for resource in resources:
        assert (folder / resource).exists(), resource
    manifests = {p.name for p in folder.glob("*.yaml")} - {"kustomization.yaml"}
    assert manifests <= set(resources)


def test_k8s_base_has_a_namespace_and_the_shared_config(
    base: dict[tuple[str, str], dict[str, Any]],
) -> None:
    kustomization = yaml.safe_load((K8S_BASE / "kustomization.yaml").read_text())
    assert ("Namespace", kustomization["namespace"]) in base
    assert base["ConfigMap", "crm-config"]["data"]["ENVIRONMENT"] == "production"


def containers(deployment: dict[str, Any]) -> list[dict[str, Any]]:
    """The app container, then the init containers."""
    spec = deployment["spec"]["template"]["spec"]
    (app,) = spec["containers"]
    return [app, *spec.get("initContainers", [])]


@pytest.mark.parametrize("name", MEMBERS)
def test_k8s_deployment_and_service_per_member(
    base: dict[tuple[str, str], dict[str, Any]], name: str
) -> None:
    deployment = base["Deployment", name]
    spec = deployment["spec"]
    assert spec["replicas"] >= 2
    pod_labels = spec["template"]["metadata"]["labels"]
    assert spec["selector"]["matchLabels"].items() <= pod_labels.items()
    app, *init = containers(deployment)
    port = next(p for p in app["ports"] if p["name"] == "http")
    assert port["containerPort"] == 8000
    assert app["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert app["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert app["command"] == ["python", "/app/entrypoint.py", "serve"]
    assert app["image"] == f"school-crm/{name}"
    # Migrations run before the app, in the same image, for each member that has them.
    migrate = [c for c in init if c["command"] == ["python", "/app/entrypoint.py", "migrate"]]
    assert len(migrate) == (name in OWN_DATABASE)
    assert all(c["image"] == app["image"] for c in migrate)

    service = base["Service", name]
    assert service["spec"]["selector"].items() <= pod_labels.items()
    assert {"name": "http", "port": 8000, "targetPort": "http"} in service["spec"]["ports"]


@pytest.mark.parametrize("name", MEMBERS)
def test_k8s_pods_run_unprivileged_within_resources(
    base: dict[tuple[str, str], dict[str, Any]], name: str
) -> None:
    pod = base["Deployment", name]["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] != 0
    for container in containers(base["Deployment", name]):
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
        assert container["resources"]["requests"]
        assert container["resources"]["limits"]


@pytest.mark.parametrize("name", MEMBERS)
def test_k8s_settings_reach_the_member_under_its_prefix(
    base: dict[tuple[str, str], dict[str, Any]],
    example_secrets: dict[str, dict[str, str]],
    name: str,
) -> None:
    prefix = env_prefix(name)
    for container in containers(base["Deployment", name]):
        sources = container["envFrom"]
        assert {s["prefix"] for s in sources} == {prefix}
        refs = {(s.get("configMapRef") or s["secretRef"])["name"] for s in sources}
        assert refs == {"crm-config", "crm-internal-token", f"crm-{name}"}
    secret = example_secrets[f"crm-{name}"]
    if name in OWN_DATABASE:
        assert database_name(secret["DATABASE_URL"]) == f"crm_{name}"
    if name not in NO_BROKER:
        assert secret["AMQP_URL"].startswith("amqp://")
    app, *_ = containers(base["Deployment", name])
    keys = (
        set(base["ConfigMap", "crm-config"]["data"])
        | set(example_secrets["crm-internal-token"])
        | set(secret)
    )
    env_names = {prefix + key for key in keys} | {e["name"] for e in app.get("env", [])}
    assert unknown_settings(name, env_names) == set()


def test_k8s_gateway_finds_every_service(base: dict[tuple[str, str], dict[str, Any]]) -> None:
    app, *_ = containers(base["Deployment", "gateway"])
    urls = upstream_env({e["name"]: e["value"] for e in app["env"]})
    assert urls
    for key, value in urls.items():
        service = key.removeprefix(env_prefix("gateway")).removesuffix("_URL").lower()
        assert value == f"http://{service}:8000"
        assert ("Service", service) in base


def test_k8s_example_overlay_sets_every_image_and_routes_to_the_gateway(
    base: dict[tuple[str, str], dict[str, Any]],
) -> None:
    kustomization = yaml.safe_load((K8S_EXAMPLE / "kustomization.yaml").read_text())
    assert {i["name"] for i in kustomization["images"]} == {f"school-crm/{n}" for n in MEMBERS}
    ingress = yaml.safe_load((K8S_EXAMPLE / "ingress.yaml").read_text())
    backends = [
        path["backend"]["service"]
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    ]
    service_ports = {p["name"] for p in base["Service", "gateway"]["spec"]["ports"]}
    for backend in backends:
        assert backend["name"] == "gateway"
        assert backend["port"]["name"] in service_ports


# --- the deployment's default plan ----------------------------------------------------------


def test_a_schools_own_system_has_no_client_limit_and_a_hosted_one_starts_free(
    compose: dict[str, Any], base: dict[tuple[str, str], dict[str, Any]]
) -> None:
    """The plan of a new organisation is a setting of the deployment: `make run` (identity's
    own default) and compose, a school's own system, give one without the three-client limit;
    the Kubernetes base, a hosted service, starts organisations on the free plan."""
    default = settings_class("identity").model_fields["default_plan"].default
    assert default in PLANS
    assert PLANS[default].active_clients is None
    composed = compose["identity"]["environment"]["IDENTITY_DEFAULT_PLAN"]
    assert "${CRM_DEFAULT_PLAN:-" in composed  # one variable to set for a hosted compose
    assert PLANS[interpolated(composed)].active_clients is None
    app, *_ = containers(base["Deployment", "identity"])
    hosted = {e["name"]: e.get("value") for e in app["env"]}["IDENTITY_DEFAULT_PLAN"]
    assert PLANS[hosted].active_clients == 3
