import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * Audit rows keep the server's own request id; the caller's X-Request-Id is kept beside it. Repeated
 * refusals for one user and reason within a window are one row with a count. Runs on PostgreSQL and
 * SQLite.
 */
export class AuditRequestIds1764200000000 implements MigrationInterface {
  name = 'AuditRequestIds1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('audit_events', [
      new TableColumn({ name: 'caller_request_id', type: 'varchar', length: '128', isNullable: true }),
      new TableColumn({ name: 'repeat_count', type: 'integer', default: 1 }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('audit_events', 'repeat_count');
    await queryRunner.dropColumn('audit_events', 'caller_request_id');
  }
}
