"""Floor: the least a Python worker can do, a constant JSON answer, with no adapter at all."""

from js import Response  # type: ignore[import-not-found]

BODY = '{"success":true,"userId":"floor","usage":{"count":1,"limit":5,"plan":"free","remaining":4}}'


async def on_fetch(request, env, ctx):
    return Response.new(BODY)
