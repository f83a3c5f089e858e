import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/** ESR mappings ("Manage User" rows) and the audit trail. Runs on PostgreSQL and SQLite. */
export class InitialSchema1764100000000 implements MigrationInterface {
  name = 'InitialSchema1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.options.type === 'postgres';
    const timestamp = postgres ? 'timestamptz' : 'datetime';

    await queryRunner.createTable(
      new Table({
        name: 'esr_mappings',
        columns: [
          postgres
            ? { name: 'id', type: 'uuid', isPrimary: true, isGenerated: true, generationStrategy: 'uuid' }
            : { name: 'id', type: 'varchar', isPrimary: true },
          { name: 'portal_user_id', type: 'varchar', length: '128' },
          { name: 'vpd', type: 'varchar', length: '3' },
          { name: 'employee_number', type: 'varchar', length: '8' },
          { name: 'created_at', type: timestamp },
          { name: 'created_by', type: 'varchar', length: '128' },
        ],
        indices: [
          new TableIndex({ name: 'uq_esr_mappings_record', columnNames: ['vpd', 'employee_number'], isUnique: true }),
          new TableIndex({ name: 'ix_esr_mappings_user', columnNames: ['portal_user_id'] }),
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'audit_events',
        columns: [
          postgres
            ? { name: 'id', type: 'bigint', isPrimary: true, isGenerated: true, generationStrategy: 'increment' }
            : { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'type', type: 'varchar', length: '40' },
          { name: 'occurred_at', type: timestamp },
          { name: 'actor', type: 'varchar', length: '128' },
          { name: 'api_key_id', type: 'varchar', length: '64', isNullable: true },
          { name: 'request_id', type: 'varchar', length: '128', isNullable: true },
          { name: 'subject_user_id', type: 'varchar', length: '128', isNullable: true },
          { name: 'vpd', type: 'varchar', length: '3', isNullable: true },
          { name: 'employee_number', type: 'varchar', length: '8', isNullable: true },
          { name: 'outcome', type: 'varchar', length: '40', isNullable: true },
          { name: 'details', type: 'text', isNullable: true },
        ],
        indices: [
          new TableIndex({ name: 'ix_audit_events_type_time', columnNames: ['type', 'occurred_at'] }),
          new TableIndex({ name: 'ix_audit_events_actor_time', columnNames: ['actor', 'occurred_at'] }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('audit_events');
    await queryRunner.dropTable('esr_mappings');
  }
}
