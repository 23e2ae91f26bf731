"""Starting and stopping the local platform's processes; used by `make dev` and the test fixtures.

Workers run in the pinned wrangler (3.92.0, Pyodide embedded, works offline), all with one
`--persist-to` folder so that they share local KV state, as they share namespaces in production.
The Python workers reach the usage meter's Durable Object through wrangler's dev registry, a
folder (WRANGLER_REGISTRY_PATH) that every process of one platform shares and no other run does:
two platforms on one machine never bind each other's meter.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from scripts.build import SOURCES
from scripts.standins import cron as cron_standin
from scripts.standins import github as github_standin
from scripts.standins import stripe as stripe_standin

ROOT = Path(__file__).resolve().parent.parent
WRANGLER = ROOT / "node_modules" / ".bin" / "wrangler"
VENV_BIN = ROOT / ".venv" / "bin"
WORKERS = ("api_multi", "front_auth_api", "oauth_api", "gateway")  # the Python workers
METER = "usage_meter"  # the JavaScript worker holding the usage meter's Durable Object
FLOORS = ("floor_bare", "floor_http", "floor_meter")  # bare Python workers the benchmark compares against
# The benchmark's one-process layout: a bare Python worker calling a minimal counting object, a
# bare forwarder, and the idle worker wrangler's DevTools proxy is moved to (see start_one_process).
LOCAL_FLOORS = ("floor_local_meter", "floor_counter", "floor_forward")
INSPECTOR_SINK = "inspector_sink"
METER_PROBE = "meter_probe"  # a test worker sending raw operations to the meter (tests/runtime)
FOLDERS = {
    **SOURCES,
    METER: ROOT / METER,
    **{
        floor: ROOT / "scripts" / "bench_floors" / floor.removeprefix("floor_")
        for floor in (*FLOORS, *LOCAL_FLOORS)
    },
    INSPECTOR_SINK: ROOT / "scripts" / "bench_floors" / INSPECTOR_SINK,
    METER_PROBE: ROOT / "tests" / "runtime" / METER_PROBE,
}
WORKER_PORTS = {"api_multi": 8787, "front_auth_api": 8788, "oauth_api": 8789, "gateway": 8795}
METER_PORT = 8794
WEBHOOK_RECEIVER_PORT = 8797
ORIGIN_PORT = 8798  # a developer's API behind the gateway (scripts/standins/origin.py)
LLM_PORT = 8799  # an AI provider behind the gateway (scripts/standins/llm.py)
# Seals the gateway's upstream headers locally (32 bytes, base64); deployed workers get their own.
LOCAL_GATEWAY_ENCRYPTION_KEY = "ZHJlYW0tYXBpIGxvY2FsIGdhdGV3YXkga2V5IDAwMDE="
IDENTITY_PORT = 8790
STRIPE_PORT = 8791
CUSTOMER_IDENTITY_PORT = 8792
GITHUB_PORT = 8793
DASHBOARD_PORT = 5173
STARTUP_TIMEOUT_SECONDS = 180.0


def free_port() -> int:
    """A port nothing listens on, chosen below the kernel's ephemeral range: a port from that
    range (what binding port 0 returns) can be taken by any outgoing connection between this probe
    and the server binding it, and a worker then fails with "Address already in use"."""
    first_ephemeral = _first_ephemeral_port()
    low = 15000 if first_ephemeral > 16000 else 1024
    for _ in range(200):
        port = random.randrange(low, first_ephemeral)  # noqa: S311 - spreading ports, not a secret
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port between {low} and {first_ephemeral}")


def _first_ephemeral_port() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def kv_namespace_ids() -> dict[str, str]:
    """Binding -> namespace id, as the workers' wrangler.toml declare them (local state is keyed by id)."""
    ids: dict[str, str] = {}
    for worker in WORKERS:
        config = tomllib.loads((ROOT / worker / "wrangler.toml").read_text())
        for namespace in config.get("kv_namespaces", []):
            ids[namespace["binding"]] = namespace.get("preview_id") or namespace["id"]
    return ids


def local_worker_vars(
    worker: str,
    identity_url: str,
    customer_identity_url: str,
    stripe_url: str,
    github_url: str,
    worker_url: str,
    dashboard_origin: str = "http://localhost:5173",
    gateway_url: str = f"http://127.0.0.1:{WORKER_PORTS['gateway']}",
) -> dict[str, str]:
    """Configuration pointing a worker at the local stand-ins instead of Clerk and Stripe.
    The secrets are local-only values the stand-ins accept; real ones go in `.dev.vars`."""
    common = {
        "ALLOWED_ORIGINS": dashboard_origin,
        "FRONTEND_URL": dashboard_origin,
        "CLERK_JWKS_URL": f"{identity_url}/.well-known/jwks.json",
        "CLERK_ISSUER": identity_url,
        "CLERK_AUTHORIZED_PARTIES": dashboard_origin,
        "STRIPE_API_BASE": stripe_url,
        "STRIPE_SECRET_KEY": stripe_standin.DEFAULT_SECRET_KEY,
        # dashboards locally see usage within seconds (production default: 30 s)
        "USAGE_SNAPSHOT_SECONDS": "5",
    }
    specific = {
        "front_auth_api": {
            "CLERK_API_URL": identity_url,
            "CLERK_SECRET_KEY": "sk_test_clerk_local_stand_in",
            "STRIPE_PRICE_ID": stripe_standin.DEFAULT_PRICE_ID,
            "STRIPE_WEBHOOK_SECRET": stripe_standin.DEFAULT_WEBHOOK_SECRET,
        },
        "api_multi": {
            "CUSTOMER_CLERK_JWKS_URL": f"{customer_identity_url}/.well-known/jwks.json",
            "CUSTOMER_CLERK_ISSUER": customer_identity_url,
            "CUSTOMER_CLERK_API_URL": customer_identity_url,
            "CUSTOMER_CLERK_SECRET_KEY": "sk_test_customer_clerk_local_stand_in",
            "STRIPE_WEBHOOK_SECRET": stripe_standin.DEFAULT_CONNECT_WEBHOOK_SECRET,
            "CRON_SECRET": cron_standin.LOCAL_CRON_SECRET,
            "GATEWAY_ENCRYPTION_KEY": LOCAL_GATEWAY_ENCRYPTION_KEY,
            "GATEWAY_ALLOW_LOCAL_UPSTREAMS": "1",  # the origin stand-ins are http://127.0.0.1
            "GATEWAY_PUBLIC_URL": gateway_url,
        },
        "gateway": {
            "GATEWAY_ENCRYPTION_KEY": LOCAL_GATEWAY_ENCRYPTION_KEY,
            "GATEWAY_ALLOW_LOCAL_UPSTREAMS": "1",
        },
        "oauth_api": {
            "OAUTH_PUBLIC_URL": worker_url,
            "STRIPE_CLIENT_ID": stripe_standin.DEFAULT_CLIENT_ID,
            "STRIPE_CONNECT_BASE": stripe_url,
            "STRIPE_WEBHOOK_SECRET": stripe_standin.DEFAULT_ACCOUNTS_WEBHOOK_SECRET,
            "GITHUB_CLIENT_ID": github_standin.DEFAULT_CLIENT_ID,
            "GITHUB_CLIENT_SECRET": github_standin.DEFAULT_CLIENT_SECRET,
            "GITHUB_AUTHORIZE_URL": f"{github_url}/login/oauth/authorize",
            "GITHUB_TOKEN_URL": f"{github_url}/login/oauth/access_token",
            "GITHUB_API_URL": github_url,
        },
    }
    return {**common, **specific[worker]}


def stripe_webhook_targets(worker_urls: Mapping[str, str]) -> dict[str, list[tuple[str, str]]]:
    """Which worker receives which Stripe events: our account's (front_auth_api) and
    connected accounts' (api_multi), each endpoint with its own signing secret."""
    return {
        "webhook_targets": [
            (f"{worker_urls['front_auth_api']}/webhook/stripe", stripe_standin.DEFAULT_WEBHOOK_SECRET)
        ],
        "connect_webhook_targets": [
            (f"{worker_urls['api_multi']}/webhook/stripe", stripe_standin.DEFAULT_CONNECT_WEBHOOK_SECRET),
            (f"{worker_urls['oauth_api']}/webhook/stripe", stripe_standin.DEFAULT_ACCOUNTS_WEBHOOK_SECRET),
        ],
    }


def tool_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for child processes: the project's venv first on PATH (wrangler's [build] runs python3)."""
    env = dict(os.environ)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(ROOT)
    env.setdefault("WRANGLER_SEND_METRICS", "false")
    env.setdefault("CI", "true")  # no interactive dev session, no update prompts
    env.update(extra or {})
    return env


# wrangler 3.92 rebuilds when the dev registry first lists the workers a worker binds, deleting
# the temporary folder the build under way is still writing to; the process then exits with
# "Custom build failed: ENOENT … .wrangler/tmp/…". Nothing is wrong with the worker: start it again.
WRANGLER_STARTUP_RACE = ("ENOENT", ".wrangler/tmp/")
STARTUP_ATTEMPTS = 4


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    url: str
    log_path: Path
    respawn: Callable[[], subprocess.Popen[bytes]] | None = None  # the same command again
    restarts: int = 0

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.popen.poll() is not None:
            return
        try:
            os.killpg(self.popen.pid, signal.SIGTERM)
            self.popen.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=5)


def spawn(
    name: str,
    argv: list[str],
    url: str,
    log_dir: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path = ROOT,
) -> Process:
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.log"

    def launch() -> subprocess.Popen[bytes]:
        with log_path.open("ab") as log:
            return subprocess.Popen(
                argv,
                cwd=cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=tool_env(env),
                start_new_session=True,
            )

    log_path.write_bytes(b"")
    return Process(name, launch(), url, log_path, respawn=launch)


def wait_until_up(process: Process, path: str = "/health", timeout: float = STARTUP_TIMEOUT_SECONDS) -> float:
    """Seconds from now until `url+path` answers 2xx; raises with the log tail if it never does.
    A worker that lost wrangler's start-up race (WRANGLER_STARTUP_RACE) is started again."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process.popen.poll() is not None:
            tail = process.log_tail()
            lost_race = all(sign in tail for sign in WRANGLER_STARTUP_RACE)
            if lost_race and process.respawn is not None and process.restarts < STARTUP_ATTEMPTS - 1:
                process.restarts += 1
                print(f"{process.name}: wrangler's start-up race (restart {process.restarts})", flush=True)
                process.popen = process.respawn()
                continue
            raise RuntimeError(f"{process.name} exited ({process.popen.returncode}):\n{tail}")
        try:
            with urllib.request.urlopen(process.url + path, timeout=30) as reply:
                if 200 <= reply.status < 300:
                    return time.monotonic() - started
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"{process.name} did not answer {path} within {timeout:.0f}s:\n{process.log_tail()}")


def start_worker(
    worker: str,
    port: int,
    persist_dir: Path,
    log_dir: Path,
    variables: Mapping[str, str] | None = None,
    *,
    registry: Path,
    name: str | None = None,
    companions: tuple[str, ...] = (),
    extra_env: Mapping[str, str] | None = None,
) -> Process:
    """`wrangler dev` of one worker (or the meter) in its own process group; `companions` run in
    the same process (wrangler's multi-config mode: only the first is served on the port, the
    others are reached through its bindings, and none joins the dev registry)."""
    argv = [
        str(WRANGLER),
        "dev",
        "--config",
        str(FOLDERS[worker] / "wrangler.toml"),
        *(
            part
            for companion in companions
            for part in ("--config", str(FOLDERS[companion] / "wrangler.toml"))
        ),
        "--ip",
        "127.0.0.1",
        "--port",
        str(port),
        "--inspector-port",
        str(free_port()),
        "--persist-to",
        str(persist_dir),
        "--log-level",
        os.environ.get("DREAMAPI_WRANGLER_LOG_LEVEL", "info"),
    ]
    if worker == METER:  # its cron handler, run by scripts/standins/cron.py
        argv.append("--test-scheduled")
    for variable, value in (variables or {}).items():
        argv += ["--var", f"{variable}:{value}"]
    # wrangler runs the [build] command in its working directory: the worker's folder.
    env = {"WRANGLER_REGISTRY_PATH": str(registry), **(extra_env or {})}
    return spawn(name or worker, argv, f"http://127.0.0.1:{port}", log_dir, env, cwd=FOLDERS[worker])


def start_one_process(
    worker: str,
    companions: tuple[str, ...],
    port: int,
    persist_dir: Path,
    log_dir: Path,
    variables: Mapping[str, str] | None = None,
    *,
    name: str | None = None,
) -> Process:
    """`worker` and its `companions` in one `wrangler dev` (production's layout: a binding to an
    object is a call inside the runtime, no dev registry proxy in between), with the idle inspector
    sink last. Call `move_inspector_to_sink` once it is up.

    Why the sink: wrangler's DevTools proxy attaches to the worker of the config whose build
    completed last, and turns each of that worker's subrequests (a Durable Object call, a fetch)
    into four Network events that it parses and hands to wrangler's Node process, which writes them
    to its debug log: about 3 ms of CPU per subrequest, more than the call itself, and nothing
    production has. Which config builds last is a race, so a layout would be taxed or not by chance.
    """
    label = name or worker
    return start_worker(
        worker,
        port,
        persist_dir,
        log_dir,
        variables,
        registry=persist_dir / f"registry-{label}",  # none joins it: multi-config mode
        name=label,
        companions=(*companions, INSPECTOR_SINK),
        extra_env={"WRANGLER_LOG_PATH": str(wrangler_debug_log(log_dir, label))},
    )


def wrangler_debug_log(log_dir: Path, name: str) -> Path:
    return log_dir / f"{name}.wrangler-debug.log"


_INSPECTED = re.compile(r"NEW RUNTIME WEBSOCKET \S+/core:user:(\S+)")


def move_inspector_to_sink(processes: Mapping[str, Process], log_dir: Path, timeout: float = 120) -> None:
    """Rebuilds the inspector sink (its watched stamp file changes) in every one-process layout,
    which moves wrangler's DevTools proxy to it, and waits until each proxy follows it there (the
    runtime restarts meanwhile: wait until the workers answer again)."""
    stamp = FOLDERS[INSPECTOR_SINK] / "reload" / "stamp"
    stamp.write_text(f"{time.time()}\n")
    deadline = time.monotonic() + timeout
    waiting = dict(processes)
    while waiting and time.monotonic() < deadline:
        for name in list(waiting):
            text = wrangler_debug_log(log_dir, name).read_text(errors="replace")
            inspected = _INSPECTED.findall(text)
            if inspected and inspected[-1] == "dream-api-inspector-sink":
                del waiting[name]
        time.sleep(0.25)
    if waiting:
        raise RuntimeError(f"wrangler's inspector did not move to the sink in {sorted(waiting)}")


def start_kv_bridge(persist_dir: Path, port: int, log_dir: Path) -> Process:
    argv = [
        "node",
        str(ROOT / "scripts" / "kv_bridge.mjs"),
        "--persist-to",
        str(persist_dir),
        "--port",
        str(port),
        "--namespaces",
        json.dumps(kv_namespace_ids()),
    ]
    return spawn("kv_bridge", argv, f"http://127.0.0.1:{port}", log_dir)


def start_python_module(
    name: str, module: str, port: int, log_dir: Path, extra_args: tuple[str, ...] = ()
) -> Process:
    argv = [sys.executable, "-m", module, "--port", str(port), *extra_args]
    return spawn(name, argv, f"http://127.0.0.1:{port}", log_dir)


def start_stripe_standin(port: int, log_dir: Path) -> Process:
    targets = stripe_webhook_targets({name: f"http://127.0.0.1:{p}" for name, p in WORKER_PORTS.items()})
    extra: list[str] = []
    for option, key in (("--webhook", "webhook_targets"), ("--connect-webhook", "connect_webhook_targets")):
        for url, secret in targets[key]:
            extra += [option, f"{url}={secret}"]
    return start_python_module("stripe", "scripts.standins.stripe", port, log_dir, tuple(extra))


def dashboard_env(
    worker_urls: Mapping[str, str], identity_url: str, customer_identity_url: str
) -> dict[str, str]:
    """Build-time configuration of the dashboard for the local platform (dev sign-in): developers
    sign in against the identity stand-in, end users (the portal at /p/{platformId}) against the
    customer identity stand-in."""
    return {
        "VITE_AUTH_MODE": "dev",
        "VITE_DEV_IDENTITY_URL": identity_url,
        "VITE_CUSTOMER_IDENTITY_URL": customer_identity_url,
        "VITE_API_MULTI_URL": worker_urls["api_multi"],
        "VITE_FRONT_AUTH_API_URL": worker_urls["front_auth_api"],
        "VITE_OAUTH_API_URL": worker_urls["oauth_api"],
    }


def start_dashboard(port: int, log_dir: Path, env: Mapping[str, str]) -> Process:
    """The dashboard's Vite dev server (frontend/), on localhost:`port`."""
    vite = ROOT / "frontend" / "node_modules" / ".bin" / "vite"
    argv = [str(vite), "--port", str(port), "--strictPort", "--host", "localhost"]
    process = spawn("dashboard", argv, f"http://localhost:{port}", log_dir, env, cwd=ROOT / "frontend")
    return process


def build_all_workers() -> None:
    """Build once up front so the parallel `wrangler dev` starts do not race on the deps cache."""
    subprocess.run([sys.executable, str(ROOT / "scripts" / "build.py"), "all"], check=True, env=tool_env())
