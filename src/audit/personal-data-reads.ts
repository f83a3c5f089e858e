import { Injectable } from '@nestjs/common';
import { AuditService } from './audit.service';

/** One read of personal data or portal ids (gateway-api.md, Conventions): who read what, for whom. */
export interface PersonalDataRead {
  /** X-Acting-User: the person on whose behalf the portal or ops read it (required on these routes). */
  actor: string;
  apiKeyId: string;
  requestId: string;
  /** What was read: the route template, e.g. `GET /v1/vpds/{vpd}/reconciliation`. */
  route: string;
  /** How many rows the answer held (every row of a CSV, one page of JSON). */
  rows: number;
  vpd?: string | null;
  /** The portal user whose data was read, when the read is about one. */
  subjectUserId?: string | null;
  /** More of what was asked (format, kind filter); never names or other personal data. */
  details?: Record<string, unknown>;
}

/**
 * The audit of reads that return personal data or portal ids (mappings lists, reconciliation JSON and
 * CSV): one PERSONAL_DATA_READ event per request, never per row, written before the answer is sent.
 * Look-ups, access reviews and searches have their own events (ESR_RECORD_LOOKUP,
 * ACCESS_REVIEW_EXPORTED, CREDENTIAL_SEARCH).
 */
@Injectable()
export class PersonalDataReads {
  constructor(private readonly audit: AuditService) {}

  async record(read: PersonalDataRead): Promise<void> {
    await this.audit.record({
      type: 'PERSONAL_DATA_READ',
      actor: read.actor,
      apiKeyId: read.apiKeyId,
      requestId: read.requestId,
      subjectUserId: read.subjectUserId ?? null,
      vpd: read.vpd ?? null,
      outcome: 'READ',
      details: { route: read.route, rows: read.rows, ...read.details },
    });
  }
}
