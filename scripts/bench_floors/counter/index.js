/** Benchmark floor (scripts/bench.py): the least a counting object does, one SQLite
 * check-and-increment per call with its answer as JSON, nothing else. */
import { DurableObject } from "cloudflare:workers";

export class Counter extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec("CREATE TABLE IF NOT EXISTS counts (id INTEGER PRIMARY KEY, used INTEGER NOT NULL)");
  }

  async fetch(request) {
    const { amount, limit } = await request.json();
    const used = this.sql.exec("SELECT used FROM counts WHERE id = 1").toArray()[0]?.used ?? 0;
    if (used + amount > limit) return Response.json({ decision: "limit_reached", used });
    this.sql.exec("INSERT INTO counts (id, used) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET used = excluded.used", used + amount);
    return Response.json({ decision: "counted", used: used + amount });
  }
}

export default {
  fetch() {
    return new Response("counter floor");
  },
};
