/**
 * The document's tags, one kebab-case name each, with the description generators and viewers show.
 * Controllers use these names in @ApiTags; the document lists them in this order.
 */
export const API_TAGS = [
  { name: 'esr-mappings', description: 'ESR mappings of portal users ("Manage User"): list, create, delete, bulk import, look-up.' },
  { name: 'esr-access', description: 'Access resolution for "Search ESR": the VPDs where a portal user may search, and refresh.' },
  { name: 'credential-searches', description: 'Credential searches in ESR on behalf of an acting user whose access is ACTIVE.' },
  { name: 'reconciliation', description: "Per-VPD reports (JSON or CSV) comparing the gateway's mappings with ESR." },
  { name: 'sync', description: 'Role sync from ESR: status, runs (and dry runs), held removals.' },
  { name: 'audit', description: 'The audit trail of every change and search (ops scope).' },
  { name: 'webhooks', description: 'Deliveries of access-change events to the portal: list and retry.' },
  { name: 'health', description: 'Liveness and readiness for the orchestrator; no API key.' },
] as const;

export type ApiTagName = (typeof API_TAGS)[number]['name'];
