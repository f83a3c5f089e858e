import { createHmac, randomBytes } from 'node:crypto';

/** Where a full listing continues: its snapshot, and the position in it. */
export interface ListingCursor {
  kind: 'listing';
  vpd: string;
  roleName: string;
  employeeNumber: string | null;
  /** Snapshot sequence number (the listing's watermark). */
  seq: number;
  /** Snapshot instant (ms): the extract date and the as-of date of the listing. */
  at: number;
  position: number;
}

/** Where a change-feed answer continues. */
export interface ChangesCursor {
  kind: 'changes';
  vpd: string;
  roleName: string;
  /** The `since` watermark the answer was asked with. */
  since: string;
  /** The answer's watermark (the last change it covers). */
  upTo: number;
  /** The answer's instant (ms). */
  at: number;
  /** Continue after this sequence number. */
  after: number;
}

export interface Watermark {
  seq: number;
  /** When the watermark was handed out (ms), for the 7-day limit. */
  issuedAt: number;
}

/**
 * Opaque cursors and watermarks: base64url JSON signed with a key made at start-up. Anything that
 * was not issued by this sandbox process (garbled, forged, or from an earlier run whose changes are
 * gone) fails to decode and counts as unknown.
 */
export class OpaqueCodec {
  private readonly key = randomBytes(32);

  encodeCursor(cursor: ListingCursor | ChangesCursor): string {
    return this.seal(
      cursor.kind === 'listing'
        ? ['l', cursor.vpd, cursor.roleName, cursor.employeeNumber, cursor.seq, cursor.at, cursor.position]
        : ['c', cursor.vpd, cursor.roleName, cursor.since, cursor.upTo, cursor.at, cursor.after],
    );
  }

  decodeCursor(text: string): ListingCursor | ChangesCursor | undefined {
    const parts = this.open(text);
    if (!parts || parts.length !== 7) return undefined;
    const [kind, vpd, roleName, third, seq, at, position] = parts;
    if (typeof vpd !== 'string' || typeof roleName !== 'string' || !isCount(seq) || !isCount(at) || !isCount(position)) return undefined;
    if (kind === 'l' && (third === null || typeof third === 'string'))
      return { kind: 'listing', vpd, roleName, employeeNumber: third, seq, at, position };
    if (kind === 'c' && typeof third === 'string') return { kind: 'changes', vpd, roleName, since: third, upTo: seq, at, after: position };
    return undefined;
  }

  encodeWatermark(watermark: Watermark): string {
    return this.seal(['w', watermark.seq, watermark.issuedAt]);
  }

  decodeWatermark(text: string): Watermark | undefined {
    const parts = this.open(text);
    if (!parts || parts.length !== 3 || parts[0] !== 'w' || !isCount(parts[1]) || !isCount(parts[2])) return undefined;
    return { seq: parts[1], issuedAt: parts[2] };
  }

  private seal(parts: unknown[]): string {
    const payload = Buffer.from(JSON.stringify(parts)).toString('base64url');
    return `${payload}.${this.mac(payload)}`;
  }

  private open(text: string): unknown[] | undefined {
    const dot = text.indexOf('.');
    if (dot <= 0 || text.length > 2_000) return undefined;
    const payload = text.slice(0, dot);
    if (text.slice(dot + 1) !== this.mac(payload)) return undefined;
    try {
      const parts: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      return Array.isArray(parts) ? parts : undefined;
    } catch {
      return undefined;
    }
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url').slice(0, 16);
  }
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
