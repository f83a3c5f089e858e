import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from 'typeorm';

/**
 * Issue 21 (finding L1): each access-change event carries `sequence`, increasing per portal user, so
 * receivers drop an event older than one they applied and a retried dead letter that a newer delivered
 * event superseded is not sent. Existing rows are numbered per user in outbox order (seq), and the
 * bodies of those not yet delivered (pending, failed) get their number too. Runs on PostgreSQL and SQLite.
 */
export class WebhookSequence1765400000000 implements MigrationInterface {
  name = 'WebhookSequence1765400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('webhook_deliveries', new TableColumn({ name: 'user_sequence', type: 'bigint', default: 0 }));
    await queryRunner.query(
      `UPDATE webhook_deliveries SET user_sequence = (SELECT COUNT(*) FROM webhook_deliveries e
        WHERE e.portal_user_id = webhook_deliveries.portal_user_id AND e.seq <= webhook_deliveries.seq)`,
    );
    const unsent = (await queryRunner.query(
      `SELECT seq, payload, user_sequence FROM webhook_deliveries WHERE status IN ('pending', 'failed')`,
    )) as Array<{ seq: string | number; payload: string; user_sequence: string | number }>;
    const postgres = queryRunner.connection.options.type === 'postgres';
    for (const row of unsent) {
      const event = JSON.parse(row.payload) as Record<string, unknown>;
      const payload = JSON.stringify({ ...event, sequence: Number(row.user_sequence) });
      await queryRunner.query(`UPDATE webhook_deliveries SET payload = ${postgres ? '$1' : '?'} WHERE seq = ${postgres ? '$2' : '?'}`, [
        payload,
        row.seq,
      ]);
    }
    await queryRunner.createIndex(
      'webhook_deliveries',
      new TableIndex({ name: 'uq_webhook_deliveries_user_sequence', columnNames: ['portal_user_id', 'user_sequence'], isUnique: true }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('webhook_deliveries', 'uq_webhook_deliveries_user_sequence');
    await queryRunner.dropColumn('webhook_deliveries', 'user_sequence');
  }
}
