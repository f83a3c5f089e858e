import { MigrationInterface, QueryRunner } from 'typeorm';

interface WatchRow {
  portal_user_id: string;
  search_enabled: boolean | number;
  mappings: string;
  updated_at: string | Date;
}

interface WatchedMapping {
  vpd: string;
  employeeNumber: string;
  state: string;
}

/**
 * Issue 20: portal user ids are case-insensitive, compared and stored in one lower-case form
 * (canonicalPortalUserId). Lower-cases every stored portal user id:
 *
 * - esr_mappings.portal_user_id and created_by (the acting user, shown in answers and access reviews).
 *   Rows that would collide (same user, VPD and employee number, differing only in case) are merged
 *   into the earliest; the unique (vpd, employee_number) index means none can exist today, but the
 *   step keeps the migration safe whatever the data.
 * - access_watch (one row per user): rows of one user in several cases are merged into one, the union
 *   of the mappings last notified (the newer row's state where both name a record), Search ESR on if
 *   either said so, and due at once, so the access monitor re-evaluates the merged user and tells the
 *   portal if the answer differs.
 * - webhook_deliveries.portal_user_id, and the body of events not delivered yet (pending, failed) so
 *   what goes out uses the canonical form; delivered bodies stay exactly as they were sent.
 *
 * audit_events.actor is left as recorded: the audit is the historical record of who acted, as the
 * request named them, and is not rewritten after the event (new rows are canonical).
 * Runs on PostgreSQL and SQLite. Down changes nothing: the original case is not kept, and lower-case
 * ids are valid ids.
 */
export class CanonicalPortalUserIds1765100000000 implements MigrationInterface {
  name = 'CanonicalPortalUserIds1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const sql = new Dialect(queryRunner);
    await mergeMappingCollisions(sql);
    await sql.run(`UPDATE esr_mappings SET portal_user_id = LOWER(portal_user_id) WHERE portal_user_id <> LOWER(portal_user_id)`);
    await sql.run(`UPDATE esr_mappings SET created_by = LOWER(created_by) WHERE created_by <> LOWER(created_by)`);
    await mergeWatches(sql);
    await sql.run(`UPDATE access_watch SET portal_user_id = LOWER(portal_user_id) WHERE portal_user_id <> LOWER(portal_user_id)`);
    await canonicalDeliveries(sql);
  }

  async down(): Promise<void> {
    // Nothing to undo: see above.
  }
}

/** Placeholders and booleans of the database the migration runs on. */
class Dialect {
  readonly postgres: boolean;

  constructor(private readonly runner: QueryRunner) {
    this.postgres = runner.connection.options.type === 'postgres';
  }

  /** The n-th (1-based) parameter's placeholder. */
  p(n: number): string {
    return this.postgres ? `$${n}` : '?';
  }

  bool(value: boolean): string {
    return this.postgres ? String(value).toUpperCase() : value ? '1' : '0';
  }

  async rows<T>(query: string, parameters: unknown[] = []): Promise<T[]> {
    return (await this.runner.query(query, parameters)) as T[];
  }

  async run(query: string, parameters: unknown[] = []): Promise<void> {
    await this.runner.query(query, parameters);
  }
}

/** Same user, VPD and employee number but for case: the earliest row stays, the others go. */
async function mergeMappingCollisions(sql: Dialect): Promise<void> {
  const groups = await sql.rows<{ u: string; vpd: string; employee_number: string }>(
    `SELECT LOWER(portal_user_id) AS u, vpd, employee_number FROM esr_mappings
     GROUP BY LOWER(portal_user_id), vpd, employee_number HAVING COUNT(*) > 1`,
  );
  for (const group of groups) {
    const rows = await sql.rows<{ id: string }>(
      `SELECT id FROM esr_mappings WHERE LOWER(portal_user_id) = ${sql.p(1)} AND vpd = ${sql.p(2)} AND employee_number = ${sql.p(3)}
       ORDER BY created_at, id`,
      [group.u, group.vpd, group.employee_number],
    );
    for (const row of rows.slice(1)) await sql.run(`DELETE FROM esr_mappings WHERE id = ${sql.p(1)}`, [row.id]);
  }
}

/** The mappings both rows notified, the newer row's state where both name a record. */
export function mergeWatchedMappings(rows: Array<{ mappings: WatchedMapping[]; updatedAt: number }>): WatchedMapping[] {
  const merged = new Map<string, WatchedMapping>();
  for (const row of [...rows].sort((a, b) => a.updatedAt - b.updatedAt))
    for (const m of row.mappings) merged.set(`${m.vpd}:${m.employeeNumber}`, m);
  return [...merged.values()];
}

/** One access_watch row per user whatever the case: merged into the most recently updated one, due at once. */
async function mergeWatches(sql: Dialect): Promise<void> {
  const groups = await sql.rows<{ u: string }>(
    `SELECT LOWER(portal_user_id) AS u FROM access_watch GROUP BY LOWER(portal_user_id) HAVING COUNT(*) > 1`,
  );
  for (const { u } of groups) {
    const rows = await sql.rows<WatchRow>(
      `SELECT portal_user_id, search_enabled, mappings, updated_at FROM access_watch WHERE LOWER(portal_user_id) = ${sql.p(1)}`,
      [u],
    );
    const dated = rows.map((row) => ({ row, updatedAt: new Date(row.updated_at).getTime() || 0 }));
    dated.sort((a, b) => b.updatedAt - a.updatedAt);
    const keep = dated[0].row;
    const mappings = mergeWatchedMappings(
      dated.map((d) => ({ mappings: JSON.parse(d.row.mappings) as WatchedMapping[], updatedAt: d.updatedAt })),
    );
    const enabled = rows.some((row) => row.search_enabled === true || row.search_enabled === 1);
    for (const { row } of dated.slice(1))
      await sql.run(`DELETE FROM access_watch WHERE portal_user_id = ${sql.p(1)}`, [row.portal_user_id]);
    // next_check_at = updated_at: in the past, so the monitor evaluates the merged user at its next tick.
    await sql.run(
      `UPDATE access_watch SET portal_user_id = ${sql.p(1)}, search_enabled = ${sql.bool(enabled)}, mappings = ${sql.p(2)},
       next_check_at = updated_at WHERE portal_user_id = ${sql.p(3)}`,
      [u, JSON.stringify(mappings), keep.portal_user_id],
    );
  }
}

/** The outbox: the id column, and the bodies not delivered yet. */
async function canonicalDeliveries(sql: Dialect): Promise<void> {
  const undelivered = await sql.rows<{ seq: string | number; payload: string }>(
    `SELECT seq, payload FROM webhook_deliveries
     WHERE portal_user_id <> LOWER(portal_user_id) AND status IN ('pending', 'failed') ORDER BY seq`,
  );
  for (const row of undelivered) {
    const body = JSON.parse(row.payload) as { portalUserId?: unknown };
    if (typeof body.portalUserId !== 'string') continue;
    body.portalUserId = body.portalUserId.toLowerCase();
    await sql.run(`UPDATE webhook_deliveries SET payload = ${sql.p(1)} WHERE seq = ${sql.p(2)}`, [JSON.stringify(body), row.seq]);
  }
  await sql.run(`UPDATE webhook_deliveries SET portal_user_id = LOWER(portal_user_id) WHERE portal_user_id <> LOWER(portal_user_id)`);
}
