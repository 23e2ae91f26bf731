/** One Durable Object's SQLite storage, as the meter's modules use it: reads, writes counted (an
 * operation's answer reports the rows it wrote), named settings and synchronous transactions.
 * `alarmNow` is raised by a write the alarm must act on at once (an event to forward, overage to
 * announce); the object sets its alarm after the operation. */

export class Store {
  constructor(storage) {
    this.storage = storage;
    this.sql = storage.sql;
    this.rowsWritten = 0;
    this.alarmNow = false;
  }

  /** Before each operation: nothing written yet. */
  begin() {
    this.rowsWritten = 0;
    this.alarmNow = false;
  }

  rows(query, ...bindings) {
    return this.sql.exec(query, ...bindings).toArray();
  }

  row(query, ...bindings) {
    return this.rows(query, ...bindings)[0];
  }

  value(query, ...bindings) {
    return Object.values(this.sql.exec(query, ...bindings).one())[0];
  }

  write(query, ...bindings) {
    const cursor = this.sql.exec(query, ...bindings);
    cursor.toArray();
    this.rowsWritten += cursor.rowsWritten;
    return cursor.rowsWritten;
  }

  /** `work` with no await inside: applied whole or not at all, and nothing interleaves with it. */
  transaction(work) {
    return this.storage.transactionSync(work);
  }

  setting(name) {
    const row = this.row("SELECT value FROM settings WHERE name = ?", name);
    return row ? row.value : null;
  }

  setSetting(name, value) {
    if (this.setting(name) !== value) this.write("INSERT OR REPLACE INTO settings (name, value) VALUES (?, ?)", name, value);
  }
}
