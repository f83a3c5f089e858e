import type { FastifyReply } from 'fastify';

/** True when the caller asked for CSV (`Accept: text/csv`, alone or among other types). */
export const wantsCsv = (accept: string | undefined): boolean => /(^|,)\s*text\/csv\s*(;|,|$)/i.test(accept ?? '');

/** Marks the answer as a CSV download named `filename` (the body is the CSV text the handler returns). */
export function sendAsCsv(reply: FastifyReply, filename: string): void {
  void reply.header('Content-Type', 'text/csv; charset=utf-8');
  void reply.header('Content-Disposition', `attachment; filename="${filename}"`);
}
