"""Floor: a bare Python worker making the one meter call a metered request needs (no adapter,
no auth, no tier lookup): read two headers, one Durable Object fetch, answer its body."""

import json
import time

from js import Response  # type: ignore[import-not-found]


async def on_fetch(request, env, ctx):
    user = request.headers.get("x-user-id")
    request.headers.get("authorization")
    now = time.time()
    day = time.strftime("%Y-%m-%d", time.gmtime(now))
    payload = {
        "operation": f"{now}-{user}",
        "period": day[:8] + "01",
        "day": day,
        "window": int(now // 60),
        "amount": 1,
        "creditsCover": False,
        "at": int(now * 1000),
        "limit": 1_000_000_000,
        "windowLimit": 100_000,
        "labels": {"plan": "floor", "limit": 1_000_000_000},
        "snapshotKey": None,
        "flushSeconds": 30,
        "deadline": int((now + 5) * 1000),
        "idempotency": None,
    }
    path = "meter"
    if request.method == "GET":
        path, payload = "peek", {"period": payload["period"]}
    namespace = env.USAGE_METER
    stub = namespace.get(namespace.idFromName(f"floor:{user}"))
    reply = await stub.fetch(f"https://usage-meter/{path}", method="POST", body=json.dumps(payload))
    return Response.new(await reply.text())
