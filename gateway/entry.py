"""Worker entry module: both handler styles, each a one-liner into the shared adapter."""

from dreamapi.runtime.entrypoint import WorkerEntrypoint, serve
from gateway.app import create_app


async def on_fetch(request, env, ctx):
    return await serve(create_app, request, env, ctx)


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return await serve(create_app, request, self.env, self.ctx)
