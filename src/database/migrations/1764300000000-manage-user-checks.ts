import { MigrationInterface, QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';

/**
 * Issue 13: mapping verification against ESR (columns on esr_mappings), the access-change event
 * outbox (webhook_deliveries), the last-notified access per user (access_watch) and per VPD
 * (access_vpd_marks), and an index for the audit purge. Runs on PostgreSQL and SQLite.
 */
export class ManageUserChecks1764300000000 implements MigrationInterface {
  name = 'ManageUserChecks1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.options.type === 'postgres';
    const timestamp = postgres ? 'timestamptz' : 'datetime';

    await queryRunner.addColumns('esr_mappings', [
      new TableColumn({ name: 'verified', type: 'boolean', default: false }),
      new TableColumn({ name: 'verified_at', type: timestamp, isNullable: true }),
      new TableColumn({ name: 'esr_status', type: 'varchar', length: '16', isNullable: true }),
      new TableColumn({ name: 'display_name', type: 'varchar', length: '200', isNullable: true }),
      new TableColumn({ name: 'check_after', type: timestamp, isNullable: true }),
      new TableColumn({ name: 'check_attempts', type: 'integer', default: 0 }),
    ]);
    // Rows saved before this release have never been checked: the background verifier picks them up.
    await queryRunner.query(`UPDATE esr_mappings SET check_after = created_at`);
    await queryRunner.createIndex('esr_mappings', new TableIndex({ name: 'ix_esr_mappings_check', columnNames: ['check_after'] }));

    await queryRunner.createTable(
      new Table({
        name: 'webhook_deliveries',
        columns: [
          postgres
            ? { name: 'seq', type: 'bigint', isPrimary: true, isGenerated: true, generationStrategy: 'increment' }
            : { name: 'seq', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'event_id', type: 'varchar', length: '36' },
          { name: 'portal_user_id', type: 'varchar', length: '128' },
          { name: 'payload', type: 'text' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'attempts', type: 'integer', default: 0 },
          { name: 'next_attempt_at', type: timestamp },
          { name: 'claimed_until', type: timestamp, isNullable: true },
          { name: 'claimed_by', type: 'varchar', length: '128', isNullable: true },
          { name: 'last_status', type: 'integer', isNullable: true },
          { name: 'last_error', type: 'varchar', length: '300', isNullable: true },
          { name: 'created_at', type: timestamp },
          { name: 'delivered_at', type: timestamp, isNullable: true },
        ],
        indices: [
          new TableIndex({ name: 'uq_webhook_deliveries_event', columnNames: ['event_id'], isUnique: true }),
          new TableIndex({ name: 'ix_webhook_deliveries_due', columnNames: ['status', 'next_attempt_at'] }),
          new TableIndex({ name: 'ix_webhook_deliveries_user', columnNames: ['portal_user_id', 'seq'] }),
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'access_watch',
        columns: [
          { name: 'portal_user_id', type: 'varchar', length: '128', isPrimary: true },
          { name: 'search_enabled', type: 'boolean' },
          { name: 'mappings', type: 'text' },
          { name: 'next_check_at', type: timestamp, isNullable: true },
          { name: 'updated_at', type: timestamp },
        ],
        indices: [new TableIndex({ name: 'ix_access_watch_next_check', columnNames: ['next_check_at'] })],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'access_vpd_marks',
        columns: [
          { name: 'vpd', type: 'varchar', length: '3', isPrimary: true },
          { name: 'mark', type: 'varchar', length: '200' },
          { name: 'updated_at', type: timestamp },
        ],
      }),
    );

    await queryRunner.createIndex('audit_events', new TableIndex({ name: 'ix_audit_events_time', columnNames: ['occurred_at'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('audit_events', 'ix_audit_events_time');
    await queryRunner.dropTable('access_vpd_marks');
    await queryRunner.dropTable('access_watch');
    await queryRunner.dropTable('webhook_deliveries');
    await queryRunner.dropIndex('esr_mappings', 'ix_esr_mappings_check');
    for (const column of ['check_attempts', 'check_after', 'display_name', 'esr_status', 'verified_at', 'verified']) {
      await queryRunner.dropColumn('esr_mappings', column);
    }
  }
}
