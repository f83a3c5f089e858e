/**
 * The shapes of the gateway API answers the CLI reads (gateway-api.md). Type-only imports of the
 * service's own response types, so there is one definition and nothing of the service is loaded
 * at run time; the reconciliation shape is written from the contract.
 */
export type {
  HeldRemovalsDecisionDto as HeldRemovalsDecision,
  SyncDryRunDto as SyncDryRun,
  SyncRunAcceptedDto as SyncRunAccepted,
  SyncRunDto as SyncRun,
  SyncStatusDto as SyncStatus,
  SyncStatusVpdDto as SyncStatusVpd,
} from '../sync/dto/sync-responses.dto';
export type { UserAccess, MappingAccess } from '../domain/access.types';
export type { ImportEsrMappingsResultDto as ImportResult } from '../mappings/dto/import-mappings.dto';
export type { AccessReviewPageDto as AccessReviewPage } from '../access-review/dto/access-review.dto';

export const RECONCILIATION_KINDS = ['UNMAPPED_HOLDER', 'NO_ROLE', 'INACTIVE', 'PENDING', 'UNVERIFIED'] as const;
export type ReconciliationKind = (typeof RECONCILIATION_KINDS)[number];

/** GET /v1/vpds/{vpd}/reconciliation (one page). */
export interface Reconciliation {
  vpd: string;
  asOf: string;
  counts: { unmappedHolders: number; noRole: number; inactive: number; pending: number; unverified: number; active: number };
  items: Array<{
    kind: ReconciliationKind;
    vpd: string;
    employeeNumber: string;
    portalUserId?: string | null;
    displayName?: string | null;
    effectiveFrom?: string | null;
    reason: string;
  }>;
  nextCursor: string | null;
}
