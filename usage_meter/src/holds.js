/** Holds: units a reservation keeps out of reach of every other call until it is settled or
 * released, or until it expires. A hold past its `expires_at` holds nothing, whether or not the
 * alarm has marked it expired yet. */

const KEEP_FINISHED_MS = 7 * 24 * 3600 * 1000; // settled, released and expired holds stay readable a week

/** Units held by open reservations at `now`, but `exceptId`'s. */
export function heldUnits(store, now, exceptId = "") {
  return store.value("SELECT COALESCE(SUM(units), 0) AS held FROM holds WHERE state = 'held' AND expires_at > ? AND id != ?", now, exceptId);
}

export function holdRow(store, id) {
  return store.row("SELECT * FROM holds WHERE id = ?", id) ?? null;
}

/** The hold's state at `now`: an open hold past its expiry is expired. */
export function stateOf(hold, now) {
  return hold.state === "held" && hold.expires_at <= now ? "expired" : hold.state;
}

export function shownHold(hold, now) {
  return {
    id: hold.id,
    units: hold.units,
    state: stateOf(hold, now),
    expiresAt: hold.expires_at,
    createdAt: hold.created_at,
    finishedAt: hold.finished_at,
    settledUnits: hold.settled_units,
    requestedUnits: hold.requested_units,
  };
}

/** From the alarm: marks expired holds, forgets finished ones after a week; when the next open
 * hold expires (null: none open). */
export function sweepHolds(store, now) {
  store.sql.exec("UPDATE holds SET state = 'expired', finished_at = expires_at WHERE state = 'held' AND expires_at <= ?", now);
  store.sql.exec("DELETE FROM holds WHERE state != 'held' AND finished_at < ?", now - KEEP_FINISHED_MS);
  return store.value("SELECT MIN(expires_at) AS at FROM holds WHERE state = 'held'");
}
