/**
 * Descriptions of fields the DTOs leave undescribed: by field name where the name means the same in
 * every schema, else by `Schema.field`. A description the DTO gives itself always wins.
 */
export const FIELD_DESCRIPTIONS: Readonly<Record<string, string>> = {
  vpd: 'ESR VPD code (3 digits)',
  employeeNumber: 'ESR employee number (8 digits)',
  portalUserId: 'Portal user id',
  expiryDate: 'Expiry date as ESR holds it (null when none)',
  checkedDate: 'Date the check was done, as ESR holds it',
  mode: 'Sync mode: incremental (changes since the watermark) or full (a complete listing)',
  added: 'Role assignments added',
  updated: 'Role assignments whose content changed',
  removed: 'Role assignments removed',
  message: 'What is wrong, in words for a person',
  runId: 'Sync run id',
  occurredAt: 'When it happened',
  dateOfBirth: 'Date of birth',
  firstName: 'First name',
  lastName: 'Last name',
  middleNames: 'Middle names',
  title: 'Title (e.g. Dr)',
  items: 'The items of this page',
  nextCursor: 'Cursor of the next page; null on the last page',
  durationMs: 'How long it took, in milliseconds',
  finishedAt: 'When it finished',
  startedAt: 'When it started',
  'CoreSkillsTrainingDto.status': 'Status as ESR holds it',
  'DbsCheckDto.status': 'Status as ESR holds it',
  'EmploymentCheckDto.status': 'Status as ESR holds it',
  'EmploymentDto.status': 'Status as ESR holds it',
  'ProfessionalRegistrationDto.status': 'Status as ESR holds it',
  'RightToWorkCheckDto.status': 'Status as ESR holds it',
  'SyncRunVpdResultDto.status': 'Outcome of the run in this VPD',
  'WebhookDeliveryDto.status': 'Delivery state: pending waits for its next attempt, delivered was acknowledged, failed is dead-lettered',
  'AuditEventDto.outcome': 'Outcome of the audited action',
  'SyncLastRunDto.outcome': 'Outcome of the run in this VPD',
  'SyncDryRunDto.vpds': 'What the run would change per VPD',
  'SyncStatusDto.vpds': 'Sync state per served VPD',
  'AccessChangedEventDto.cause': 'What changed the access: a mapping change, a sync, time alone, a verification or a refresh',
  'AccessChangedEventDto.nextChangeAt': 'When the access will next change by time alone; null when no change is scheduled',
  'AccessChangedEventDto.previousSearchEnabled': 'searchEnabled before this change',
  'AccessChangedEventDto.searchEnabled': 'Whether the user may search ESR now (some mapping is ACTIVE)',
  'AuditEventDto.apiKeyId': 'Id of the API key that made the call',
  'AuditEventDto.subjectUserId': 'The portal user the event is about',
  'AuditEventDto.type': 'Event type',
  'CoreSkillsTrainingDto.achievedDate': 'Date the training was achieved',
  'CoreSkillsTrainingDto.cstfSubject': 'Core Skills Training Framework subject',
  'CoreSkillsTrainingDto.level': 'Training level',
  'CoreSkillsTrainingDto.name': 'Training name',
  'CredentialsDto.identity': 'Identity details',
  'CredentialsDto.occupationalHealth': 'Occupational health records',
  'CredentialsDto.professionalRegistrations': 'Professional registrations',
  'CredentialsDto.source': 'Where these credentials come from',
  'DryRunItemDto.assignmentId': 'ESR id of the role assignment',
  'EmploymentDto.assignmentNumber': 'ESR assignment number',
  'EmploymentDto.jobRole': 'Job role',
  'EmploymentDto.organisationName': 'Organisation name',
  'EmploymentDto.positionName': 'Position name',
  'EmploymentDto.primary': 'Whether this is the primary assignment',
  'EmploymentDto.staffGroup': 'Staff group',
  'ErrorDetailDto.field': 'The field, header or parameter at fault',
  'ErrorResponseDto.details': 'One entry per problem, naming the field',
  'ErrorResponseDto.error': 'Stable error code; each operation lists the codes it can answer per status',
  'ErrorResponseDto.requestId': "The request's id (also the X-Request-Id header): quote it to support",
  'HeldRemovalsDecisionDto.decision': 'approved or rejected',
  'ImmunisationDto.antigen': 'Antigen',
  'ImmunisationDto.date': 'Date of the immunisation',
  'ImmunisationDto.result': 'Result as ESR holds it',
  'MappingAccessSummaryDto.reason': 'Why the mapping has this state, in words for the LSA',
  'MappingAccessSummaryDto.state': 'Access state of the mapping',
  'OccupationalHealthDto.immunisations': 'Immunisation records',
  'PersonMatchDto.primaryAssignmentNumber': 'ESR number of the primary assignment',
  'ProfessionalRegistrationDto.body': 'Registration body (e.g. NMC, GMC)',
  'ProfessionalRegistrationDto.number': 'Registration number',
  'ReconciliationCountsDto.inactive': 'Mappings whose ESR record is inactive',
  'ReconciliationCountsDto.noRole': 'Mappings whose record holds no role',
  'ReconciliationCountsDto.pending': 'Mappings whose access starts later',
  'ReconciliationCountsDto.unverified': 'Mappings not yet verified in ESR',
  'AccessReviewItemDto.createdAt': 'When the mapping was created',
  'ReconciliationPageDto.asOf': 'When the answer was computed',
  'ReconciliationPageDto.counts': 'Counts of all rows by kind (not only this page)',
  'SyncProgressDto.pages': 'Pages read from ESR so far',
  'SyncProgressDto.phase': 'Current phase of the run',
  'SyncRunDto.progress': 'Live progress while running; null otherwise',
  'SyncRunDto.requestedAt': 'When the run was requested',
  'SyncRunDto.trigger': 'What started the run: api, schedule or startup',
  'SyncRunProgressDto.currentVpd': 'The VPD being synced now',
  'SyncRunProgressDto.vpdsDone': 'VPDs finished',
  'SyncRunProgressDto.vpdsTotal': 'VPDs in the run',
  'SyncRunVpdResultDto.held': 'Removals held back by the removal guard',
  'SyncStatusVpdDto.consecutiveFailures': 'Failed attempts since the last success',
  'SyncStatusVpdDto.heldSince': 'Since when removals are held; null when none are',
  'SyncStatusVpdDto.lastAttemptAt': 'When a run last tried this VPD',
  'SyncStatusVpdDto.lastFullSyncAt': 'When a full run last succeeded',
  'SyncStatusVpdDto.lastRun': 'The last finished run; null before the first',
  'SyncStatusVpdDto.lastSuccessAt': 'When a run last succeeded',
  'UserAccessDto.mappings': 'Access per mapping',
  'WebhookDeliveryDto.createdAt': 'When the event was queued',
  'WebhookDeliveryDto.deliveredAt': 'When the portal acknowledged it; null until then',
  'WebhookDeliveryDto.event': 'The event as sent',
};

type Schema = Record<string, unknown>;
type Doc = { components?: { schemas?: Record<string, Schema> } };

function describeFields(name: string, schema: Schema): Schema {
  const properties = schema.properties as Record<string, Schema> | undefined;
  if (!properties) return schema;
  const described = Object.fromEntries(
    Object.entries(properties).map(([field, property]) => {
      const description = FIELD_DESCRIPTIONS[`${name}.${field}`] ?? FIELD_DESCRIPTIONS[field];
      return [field, description && !property.description ? { description, ...property } : property];
    }),
  );
  return { ...schema, properties: described };
}

/** The document with the fields above described; the input is not changed. */
export function describeFieldsOf<T extends object>(document: T): T {
  const doc = document as Doc;
  const schemas = Object.fromEntries(Object.entries(doc.components?.schemas ?? {}).map(([name, s]) => [name, describeFields(name, s)]));
  return { ...document, components: { ...doc.components, schemas } };
}
