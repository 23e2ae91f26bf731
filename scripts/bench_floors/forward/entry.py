"""Floor of the gateway (scripts/bench.py): a bare Python worker that only forwards, to the origin
in ORIGIN, the request's method, path, query and body, and answers the origin's answer as it
streams (the first path segment stands for the platform id)."""

from js import Response, fetch  # type: ignore[import-not-found]


async def on_fetch(request, env, ctx):
    url = str(request.url)
    path = "/" + url.split("://", 1)[1].split("/", 2)[2]
    body = await request.arrayBuffer() if request.method not in ("GET", "HEAD") else None
    upstream = await fetch(env.ORIGIN + path, method=request.method, headers=request.headers, body=body)
    return Response.new(upstream.body, status=upstream.status, headers=upstream.headers)
