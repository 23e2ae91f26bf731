"""Worker entry module: both handler styles, each a one-liner into the shared adapter."""

from api_multi.app import create_app
from dreamapi.overage_reports import report_overage
from dreamapi.runtime.entrypoint import WorkerEntrypoint, run_scheduled, serve


async def on_fetch(request, env, ctx):
    return await serve(create_app, request, env, ctx)


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return await serve(create_app, request, self.env, self.ctx)

    async def scheduled(self, controller, env, ctx):
        # The cron trigger (production). The pinned local runtime delivers no ScheduledEvent to a
        # Python worker: locally the same job runs through POST /internal/scheduled.
        await run_scheduled(report_overage, self.env)
