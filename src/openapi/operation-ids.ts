/**
 * Explicit, stable operationIds (camelCase verbs), by "METHOD /path": generated clients name their
 * methods after these, so renaming a controller class or method never breaks them. A new route needs a
 * line here (test/openapi checks that every operation has one).
 */
export const OPERATION_IDS: Readonly<Record<string, string>> = {
  'GET /health/live': 'getLiveness',
  'GET /health/ready': 'getReadiness',
  'GET /v1/users/{portalUserId}/esr-mappings': 'listEsrMappings',
  'POST /v1/users/{portalUserId}/esr-mappings': 'createEsrMapping',
  'DELETE /v1/users/{portalUserId}/esr-mappings': 'deleteAllEsrMappings',
  'DELETE /v1/users/{portalUserId}/esr-mappings/{vpd}/{employeeNumber}': 'deleteEsrMapping',
  'POST /v1/esr-mappings/import': 'importEsrMappings',
  'GET /v1/vpds/{vpd}/people/{employeeNumber}': 'lookUpEsrPerson',
  'GET /v1/vpds/{vpd}/reconciliation': 'getReconciliation',
  'GET /v1/vpds/{vpd}/access-review': 'getAccessReview',
  'GET /v1/users/{portalUserId}/esr-access': 'getEsrAccess',
  'POST /v1/users/{portalUserId}/esr-access/refresh': 'refreshEsrAccess',
  'POST /v1/esr-access/batch': 'getEsrAccessBatch',
  'POST /v1/credential-searches': 'searchCredentials',
  'GET /v1/sync/status': 'getSyncStatus',
  'POST /v1/sync/runs': 'startSyncRun',
  'GET /v1/sync/runs/{runId}': 'getSyncRun',
  'POST /v1/sync/vpds/{vpd}/held-removals/approve': 'approveHeldRemovals',
  'POST /v1/sync/vpds/{vpd}/held-removals/reject': 'rejectHeldRemovals',
  'GET /v1/audit/events': 'listAuditEvents',
  'GET /v1/webhooks/deliveries': 'listWebhookDeliveries',
  'POST /v1/webhooks/deliveries/{id}/retry': 'retryWebhookDelivery',
};

/** The operationId of a route: from the table, else `Controller_method` (which the spec refuses). */
export function operationIdFor(method: string, path: string, fallback: string): string {
  return OPERATION_IDS[`${method.toUpperCase()} ${path}`] ?? fallback;
}
