/** Benchmark helper (scripts/bench.py): an idle worker run last in a one-process `wrangler dev`.
 * wrangler's DevTools proxy follows the worker whose build completed last and turns each of that
 * worker's subrequests into four Network events it sends through wrangler's Node process, which
 * costs more CPU than the call itself. Rebuilding this worker once everything is up moves that
 * proxy here, where nothing happens; production has no such proxy. */
export default {
  fetch() {
    return new Response("inspector sink", { status: 404 });
  },
};
