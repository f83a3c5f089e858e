import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';

const INDEX = 'uq_esr_mappings_user_vpd';

interface DuplicateRow {
  vpd: string;
  employee_number: string;
  portal_user_id: string;
}

/**
 * Issue 20: at most one ESR record per portal user per VPD, enforced by a unique index on
 * esr_mappings (portal_user_id, vpd) as well as checked by the service (409
 * ESR_USER_ALREADY_MAPPED_IN_VPD). A database that already holds a portal user mapped to two records
 * of one VPD cannot take the index: the migration stops, changing nothing, and names each pair (VPD
 * and employee numbers; portal user ids are personal, so they are not printed) so that an LSA deletes
 * the wrong mapping of each (DELETE /v1/users/{id}/esr-mappings/{vpd}/{employeeNumber}) before the
 * deploy is retried. Guessing which of two people is the right one is not the database's job.
 * Runs on PostgreSQL and SQLite.
 */
export class OnePersonPerVpd1765200000000 implements MigrationInterface {
  name = 'OnePersonPerVpd1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const duplicates = (await queryRunner.query(
      `SELECT m.vpd, m.employee_number, m.portal_user_id FROM esr_mappings m
       WHERE EXISTS (SELECT 1 FROM esr_mappings o WHERE o.portal_user_id = m.portal_user_id AND o.vpd = m.vpd AND o.id <> m.id)
       ORDER BY m.vpd, m.portal_user_id, m.employee_number`,
    )) as DuplicateRow[];
    if (duplicates.length > 0) throw new Error(duplicatesMessage(duplicates));
    await queryRunner.createIndex('esr_mappings', new TableIndex({ name: INDEX, columnNames: ['portal_user_id', 'vpd'], isUnique: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('esr_mappings', INDEX);
  }
}

/** One line per portal user mapped to several records of one VPD: the VPD and the employee numbers. */
export function duplicatesMessage(rows: DuplicateRow[]): string {
  const groups = new Map<string, string[]>();
  for (const row of rows) {
    const key = `${row.vpd}\u0000${row.portal_user_id}`;
    groups.set(key, [...(groups.get(key) ?? []), row.employee_number]);
  }
  const lines = [...groups].map(([key, numbers]) => `- VPD ${key.split('\u0000')[0]}: employee numbers ${numbers.join(', ')}`);
  return (
    `Migration ${INDEX} stopped: ${groups.size} portal user(s) are mapped to more than one ESR record in one VPD, ` +
    'which this release forbids (one person per VPD per account). Delete the wrong mapping of each (an LSA knows which), ' +
    `then deploy again; nothing was changed:\n${lines.join('\n')}`
  );
}
