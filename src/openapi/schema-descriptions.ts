/**
 * One sentence per component schema of the document (generators put it on the generated type). A new
 * DTO needs a line here: test/openapi/openapi-document.e2e-spec.ts fails on a schema without one.
 */
export const SCHEMA_DESCRIPTIONS: Readonly<Record<string, string>> = {
  AccessBatchRequestDto: 'Body of POST /v1/esr-access/batch: the portal users whose access to resolve.',
  AccessBatchResponseDto: 'Access of several portal users, one item per requested id, in request order.',
  AccessReviewItemDto: 'One mapping in an access review: who may use Search ESR from which record, its state and since when.',
  AccessReviewPageDto: "A page of a VPD's access review (every mapping, for information-governance reviews), with the next cursor.",
  AccessChangedEventDto: 'The access-change event POSTed to the portal (webhook esrAccessChanged).',
  AccessChangedMappingDto: 'One mapping of an access-change event, with its state before and after.',
  AuditEventDto: 'One audit event: who did what, to whom, when, and with which request.',
  AuditEventPageDto: 'A page of audit events, newest first, with the cursor of the next page.',
  CoreSkillsTrainingDto: 'A core skills training record as ESR holds it.',
  CreateEsrMappingDto: 'Body of POST /v1/users/{portalUserId}/esr-mappings: the ESR record to map.',
  CreateSyncRunDto: 'Body of POST /v1/sync/runs: which VPD, which mode, and whether only to list the changes.',
  CreatedEsrMappingDto: 'The mapping just created, with the person ESR knows and the access it gives.',
  CredentialSearchRequestDto: 'Every field a credential search may carry; the body is exactly one of its three modes.',
  CredentialSearchResponseDto: 'The people a search matched and, with exactly one match, their credentials.',
  CredentialSourceDto: 'Where the credentials come from: the VPD, the employee number and the ESR extract date.',
  CredentialsDto: "One person's credentials from ESR: employment, identity, checks, registrations, health, training.",
  DbsCheckDto: 'A DBS check as ESR holds it.',
  DeletedMappingsDto: 'How many mappings DELETE /v1/users/{portalUserId}/esr-mappings removed.',
  DryRunCountsDto: 'Complete counts of what a sync run would add, update and remove.',
  DryRunItemDto: 'One role assignment a sync run would add, update or remove.',
  DryRunVpdDto: 'What a sync run would change in one VPD, and how.',
  EmploymentCheckDto: 'A pre-employment check as ESR holds it.',
  EmploymentDto: 'An employment (assignment) as ESR holds it.',
  ErrorDetailDto: 'One problem with the request: the field and what is wrong with it.',
  ErrorResponseDto: 'The one error body of the API: a stable code, a message, details and the request id.',
  EsrMappingDto: 'A mapping of a portal user to an ESR record (VPD and employee number).',
  EsrMappingListDto: "A portal user's ESR mappings, oldest first.",
  EsrPersonDto: 'The person ESR holds for a mapped record (display name only).',
  HeldRemovalsDecisionDto: 'The outcome of approving or rejecting the removals held for a VPD.',
  IdentityDto: 'Identity details as ESR holds them.',
  ImmunisationDto: 'An immunisation record as ESR holds it.',
  ImportEsrMappingsDto: 'Body of POST /v1/esr-mappings/import: the mappings to create (1 to 1,000 rows).',
  ImportEsrMappingsResultDto: 'What an import did: counts, and the rows refused or written with a warning, by index.',
  ImportRowErrorDto: 'An import row that was refused, by index, with the reason.',
  ImportRowWarningDto: 'An import row written with a warning, by index.',
  MappingAccessDto: 'The access one mapping gives: its state, why, and from when until when.',
  MappingAccessSummaryDto: 'The access a newly created mapping gives.',
  OccupationalHealthDto: 'Occupational health records as ESR holds them.',
  PersonMatchDto: 'A person a credential search matched.',
  ProfessionalRegistrationDto: 'A professional registration as ESR holds it.',
  ReconciliationCountsDto: 'Counts of reconciliation rows by kind.',
  ReconciliationItemDto: 'One reconciliation row: a role holder without a mapping, or a mapping that gives no access.',
  PersonLookupDto: 'An ESR record as an LSA checks it before saving a mapping: name, active, the role, and who it is mapped to.',
  PersonLookupRoleDto: 'The role on the looked-up record, from the synced role data: held or not, and its effective dates.',
  ReconciliationPageDto: "A page of a VPD's reconciliation rows, with counts and the cursor of the next page.",
  RightToWorkCheckDto: 'A right-to-work check as ESR holds it.',
  SyncDryRunDto: 'Answer of a dry run (kind: dryRun): what a sync run would change; nothing was written.',
  SyncLastRunDto: 'The last finished sync run of a VPD.',
  SyncProgressDto: 'Live progress of the sync run in a VPD.',
  SyncRunAcceptedDto: 'Answer of a started sync run (kind: accepted): the id to follow it by.',
  SyncRunDto: "A sync run's state, progress and result.",
  SyncRunProgressDto: 'Progress of a sync run across its VPDs.',
  SyncRunVpdResultDto: 'The result of a sync run in one VPD.',
  SyncStatusDto: 'Sync state per served VPD, and the replica holding the sync lease.',
  SyncStatusVpdDto: 'Sync state of one VPD.',
  UserAccessDto: "A portal user's access: whether search is enabled, per mapping state, and when it next changes.",
  WebhookDeliveryDto: 'One delivery of an access-change event to the portal.',
  WebhookDeliveryPageDto: 'A page of webhook deliveries, newest first, with the cursor of the next page.',
};

type Doc = { components?: { schemas?: Record<string, Record<string, unknown>> } };

/** The document with every listed schema described (a description the DTO gives itself wins); the input is not changed. */
export function describeSchemas<T extends object>(document: T): T {
  const doc = document as Doc;
  const schemas = Object.fromEntries(
    Object.entries(doc.components?.schemas ?? {}).map(([name, schema]) => [
      name,
      SCHEMA_DESCRIPTIONS[name] && !schema.description ? { description: SCHEMA_DESCRIPTIONS[name], ...schema } : schema,
    ]),
  );
  return { ...document, components: { ...doc.components, schemas } };
}
