import type { EntityManager } from 'typeorm';

/**
 * Serialises writers per portal user for the rest of the transaction (PostgreSQL
 * transaction-scoped advisory locks, taken in hash order so two writers cannot deadlock; taking
 * one twice in a transaction is fine). Mapping writes and access-change recording both take it, so
 * a user's events are written in the order their changes commit. SQLite runs one write
 * transaction at a time anyway.
 */
export async function lockPortalUsers(manager: EntityManager, portalUserIds: string[]): Promise<void> {
  if (manager.connection.options.type !== 'postgres' || portalUserIds.length === 0) return;
  await manager.query(
    `SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT hashtext('esr_mappings:' || u) AS h FROM unnest($1::text[]) AS u ORDER BY h) locks`,
    [portalUserIds],
  );
}
