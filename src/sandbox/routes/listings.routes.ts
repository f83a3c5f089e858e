import type { FastifyInstance } from 'fastify';
import { EMPLOYEE_NUMBER } from '../../domain/identifiers';
import { ChangesCursor, ListingCursor } from '../sandbox.codec';
import { SandboxError } from '../sandbox.errors';
import { changeWithoutHolderName, withoutHolderName } from '../sandbox.listings';
import { formatUkTimestamp, ukDay } from '../sandbox.time';
import { limitOf, Query, queryValue, requiredQuery, SandboxRouteContext } from './route-context';

const WATERMARK_MAX_AGE_MS = 7 * 24 * 3_600_000;

/** The VPD list, role-assignment listings (snapshots paged by cursor) and the change feed since a watermark. */
export async function listingRoutes(app: FastifyInstance, ctx: SandboxRouteContext): Promise<void> {
  const { dataset, store, codec, now } = ctx;
  const names = ctx.holderNames ?? true;

  app.get(
    '/esr/v1/vpds',
    ctx.esr(() => ({ items: dataset.vpds() })),
  );

  app.get<{ Params: { vpd: string }; Querystring: Query }>(
    '/esr/v1/vpds/:vpd/supplementary-role-assignments',
    ctx.esr<{ vpd: string }>((request, reply) => {
      const { vpd } = request.params;
      const vpdIndex = ctx.vpdIndexOr(vpd, () => SandboxError.notFound(`no VPD ${vpd}`));
      const query = request.query;
      const roleName = requiredQuery(query, 'roleName');
      const employeeNumber = queryValue(query, 'employeeNumber') ?? null;
      if (employeeNumber !== null && !EMPLOYEE_NUMBER.test(employeeNumber))
        throw SandboxError.badRequest('employeeNumber must be 8 digits');
      const limit = limitOf(query);
      const cursorText = queryValue(query, 'cursor');
      let cursor: ListingCursor;
      if (cursorText !== undefined) {
        const decoded = codec.decodeCursor(cursorText);
        if (
          decoded?.kind !== 'listing' ||
          decoded.vpd !== vpd ||
          decoded.roleName !== roleName ||
          decoded.employeeNumber !== employeeNumber
        ) {
          throw SandboxError.badRequest('cursor is not valid for this listing', 'invalid_cursor');
        }
        cursor = decoded;
      } else {
        cursor = { kind: 'listing', vpd, roleName, employeeNumber, seq: store.head, at: now(), position: 0 };
      }
      // An employee number that is nobody in this VPD simply has no assignments.
      const person = employeeNumber === null ? null : dataset.findByEmployeeNumber(vpdIndex, employeeNumber);
      const page =
        person === undefined
          ? { items: [], nextPosition: null }
          : store.listRoleAssignments({
              vpdIndex,
              roleName,
              person,
              seq: cursor.seq,
              asOfDay: ukDay(cursor.at),
              position: cursor.position,
              limit,
            });
      const { items, nextPosition } = page;
      return reply.header('x-esr-extract-date', formatUkTimestamp(cursor.at)).send({
        items: ctx.maybeMalformed(names ? items : items.map(withoutHolderName)),
        nextCursor: nextPosition === null ? null : codec.encodeCursor({ ...cursor, position: nextPosition }),
        watermark: codec.encodeWatermark({ seq: cursor.seq, issuedAt: cursor.at }),
      });
    }),
  );

  app.get<{ Params: { vpd: string }; Querystring: Query }>(
    '/esr/v1/vpds/:vpd/supplementary-role-assignments/changes',
    ctx.esr<{ vpd: string }>((request, reply) => {
      const { vpd } = request.params;
      // The contract gives this endpoint no 404: an unknown VPD is a bad parameter.
      const vpdIndex = ctx.vpdIndexOr(vpd, () => SandboxError.badRequest(`no VPD ${vpd}`, 'unknown_vpd'));
      const query = request.query;
      const roleName = requiredQuery(query, 'roleName');
      const since = requiredQuery(query, 'since');
      const limit = limitOf(query);
      const cursorText = queryValue(query, 'cursor');
      const watermark = codec.decodeWatermark(since);
      if (!watermark || watermark.seq > store.head) {
        throw SandboxError.watermarkExpired('the watermark is unknown: do a full listing');
      }
      const current = now();
      if (current - watermark.issuedAt > WATERMARK_MAX_AGE_MS) {
        throw SandboxError.watermarkExpired('the watermark is older than 7 days: do a full listing');
      }
      let cursor: ChangesCursor;
      if (cursorText !== undefined) {
        const decoded = codec.decodeCursor(cursorText);
        if (decoded?.kind !== 'changes' || decoded.vpd !== vpd || decoded.roleName !== roleName || decoded.since !== since) {
          throw SandboxError.badRequest('cursor is not valid for these changes', 'invalid_cursor');
        }
        cursor = decoded;
      } else {
        cursor = { kind: 'changes', vpd, roleName, since, upTo: store.head, at: current, after: watermark.seq };
      }
      const page = store.listChanges({ vpdIndex, roleName, since: cursor.after, upTo: cursor.upTo, limit });
      return reply.header('x-esr-extract-date', formatUkTimestamp(cursor.at)).send({
        items: ctx.maybeMalformed(names ? page.items : page.items.map(changeWithoutHolderName)),
        nextCursor: page.nextSince === null ? null : codec.encodeCursor({ ...cursor, after: page.nextSince }),
        watermark: codec.encodeWatermark({ seq: cursor.upTo, issuedAt: cursor.at }),
      });
    }),
  );
}
