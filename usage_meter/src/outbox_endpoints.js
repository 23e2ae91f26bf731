/** A platform's webhook endpoints, as its outbox keeps them (secrets never leave the object). */

/** Adds or replaces an endpoint, unless `maxEndpoints` are there already; keeps the delivery rules. */
export function putEndpoint(store, { endpoint, delivery, maxEndpoints }) {
  return store.transaction(() => {
    const existing = store.row("SELECT id FROM endpoints WHERE id = ?", endpoint.id);
    if (!existing && store.value("SELECT COUNT(*) AS n FROM endpoints") >= maxEndpoints) return { decision: "too_many" };
    store.write(
      "INSERT OR REPLACE INTO endpoints (id, url, secret, events, description, created_at) VALUES (?, ?, ?, ?, ?, ?)",
      endpoint.id,
      endpoint.url,
      endpoint.secret,
      JSON.stringify(endpoint.events),
      endpoint.description,
      endpoint.createdAt,
    );
    store.setSetting("delivery", JSON.stringify(delivery));
    return { decision: "stored", endpoint: listEndpoints(store, endpoint.id)[0] };
  });
}

/** Removes an endpoint with the deliveries it was owed. */
export function deleteEndpoint(store, id) {
  return store.transaction(() => {
    const deleted = store.write("DELETE FROM endpoints WHERE id = ?", id) > 0;
    if (deleted) store.write("DELETE FROM deliveries WHERE endpoint_id = ?", id);
    return { decision: deleted ? "deleted" : "not_found" };
  });
}

/** Every endpoint (or the one with `id`), without its secret. */
export function listEndpoints(store, id = null) {
  const rows = store.rows(
    "SELECT id, url, events, description, created_at FROM endpoints WHERE ? IS NULL OR id = ? ORDER BY created_at, id",
    id,
    id,
  );
  return rows.map((row) => ({
    id: row.id,
    url: row.url,
    events: JSON.parse(row.events),
    description: row.description,
    createdAt: row.created_at,
  }));
}
