"""Floor (one-process layout): a bare Python worker making one call to a minimal counting object
in its own `wrangler dev` process: read two headers, one Durable Object fetch, answer its body."""

import json

from js import Response  # type: ignore[import-not-found]


async def on_fetch(request, env, ctx):
    user = request.headers.get("x-user-id")
    request.headers.get("authorization")
    namespace = env.COUNTER
    stub = namespace.get(namespace.idFromName(f"floor:{user}"))
    body = json.dumps({"amount": 1, "limit": 1_000_000_000})
    reply = await stub.fetch("https://counter/", method="POST", body=body)
    return Response.new(await reply.text())
