/**
 * An example portal backend using only @esr-gateway/client: Manage User (save, list, delete, errors),
 * access with ETags, refresh and batch, the three credential searches, the reconciliation CSV and the
 * access-change webhook receiver. Run: node examples/portal.ts (Node 24 strips the types), with
 *   GATEWAY_URL, GATEWAY_API_KEY, WEBHOOK_SECRET (whsec_...), WEBHOOK_PORT and EXAMPLE_DATA (JSON, see `ExampleData`).
 * Each step prints one JSON line; the numbered regions are the snippets of docs/portal-integration.md.
 */
import {
  type AccessAnswer,
  type AccessChangedEvent,
  createGatewayClient,
  GatewayError,
  type OperationError,
  type UserAccess,
  withRetry,
} from '../src/index.ts';
import { startEventReceiver } from './portal-events.ts';

/** What the portal knows from its own users: an LSA, an HR user with ESR access, a person to search for. */
interface ExampleData {
  vpd: string;
  lsa: string;
  hr: { portalUserId: string; employeeNumber: string };
  other: { portalUserId: string; employeeNumber: string };
  subject: { employeeNumber: string; assignmentNumber: string; lastName: string; dateOfBirth: string; niNumber: string };
}

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const print = (step: string, result: unknown) => console.log(JSON.stringify({ step, result }));

// #region create-client
const gateway = createGatewayClient({
  baseUrl: env('GATEWAY_URL'), // e.g. https://esr-gateway.example.nhs.uk
  apiKey: env('GATEWAY_API_KEY'), // a key with the portal scope, from your secret store
});
// #endregion create-client

// #region save-mapping
/** What the Manage User page shows after "Save": the gateway's answer, or what to do about an error. */
const SAVE_PROBLEMS: Record<string, string> = {
  MAPPING_EXISTS: 'This ESR record is already on this account.',
  ESR_RECORD_MAPPED_TO_OTHER_USER: 'This ESR record belongs to another portal account: check the employee number.',
  ESR_USER_ALREADY_MAPPED_IN_VPD: 'This account already has another record in this VPD: remove it first.',
  ESR_RECORD_NOT_FOUND: 'ESR has no record with this employee number in this VPD.',
  VPD_NOT_SERVED: 'This VPD is not served by the gateway.',
  VALIDATION_FAILED: 'Please enter an employee number and vpd.',
};

async function saveMapping(lsa: string, portalUserId: string, vpd: string, employeeNumber: string): Promise<string> {
  try {
    const saved = await gateway.createEsrMapping({ actingUser: lsa, portalUserId, vpd, employeeNumber });
    if (!saved.verified) return 'Saved; ESR will confirm the record shortly.';
    return `Saved ${saved.esrPerson?.displayName ?? employeeNumber}: ${saved.access.state}`;
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    const failed = error as OperationError<'createEsrMapping'>; // code: the codes this operation documents
    return SAVE_PROBLEMS[failed.code] ?? `${failed.message} (reference ${failed.requestId})`;
  }
}
// #endregion save-mapping

async function manageUser(data: ExampleData): Promise<void> {
  print('save', await saveMapping(data.lsa, data.hr.portalUserId, data.vpd, data.hr.employeeNumber));
  print('save-again', await saveMapping(data.lsa, data.hr.portalUserId, data.vpd, data.hr.employeeNumber));
  print('save-taken', await saveMapping(data.lsa, data.other.portalUserId, data.vpd, data.hr.employeeNumber));
  // #region list-mappings
  const { items } = await gateway.listEsrMappings({ actingUser: data.lsa, portalUserId: data.hr.portalUserId });
  for (const m of items) console.log(`${m.vpd}/${m.employeeNumber} ${m.displayName ?? '(name not known yet)'}`);
  // #endregion list-mappings
  print(
    'list',
    items.map((m) => `${m.vpd}/${m.employeeNumber}`),
  );
  print('save-other', await saveMapping(data.lsa, data.other.portalUserId, data.vpd, data.other.employeeNumber));
  // #region delete
  await gateway.deleteEsrMapping({
    actingUser: data.lsa,
    portalUserId: data.other.portalUserId,
    vpd: data.vpd,
    employeeNumber: data.other.employeeNumber,
  });
  // #endregion delete
  const after = await gateway.listEsrMappings({ actingUser: data.lsa, portalUserId: data.other.portalUserId });
  print('delete', after.items.length);
}

// #region access-cache
/** The portal's cache of access answers, kept with their ETags. */
const accessCache = new Map<string, { access: UserAccess; etag: string | undefined }>();

/** Access of a user: answered from the cache when the gateway says it is current (304). */
async function accessOf(portalUserId: string): Promise<UserAccess> {
  const cached = accessCache.get(portalUserId);
  const answer: AccessAnswer = await gateway.getEsrAccess({ portalUserId, etag: cached?.etag });
  if (answer.notModified && cached) return cached.access;
  if (answer.notModified) throw new Error('304 without a cached copy');
  accessCache.set(portalUserId, { access: answer.access, etag: answer.etag });
  return answer.access;
}
// #endregion access-cache

async function access(data: ExampleData): Promise<void> {
  const first = await accessOf(data.hr.portalUserId);
  const second = await gateway.getEsrAccess({ portalUserId: data.hr.portalUserId, etag: accessCache.get(data.hr.portalUserId)?.etag });
  print('access', { searchEnabled: first.searchEnabled, state: first.mappings[0]?.state, notModified: second.notModified });
  // #region refresh-batch
  const refreshed = await gateway.refreshEsrAccess({ portalUserId: data.hr.portalUserId }); // just given the role in ESR
  const { items } = await gateway.getEsrAccessBatch({ portalUserIds: [data.hr.portalUserId, data.other.portalUserId] });
  // #endregion refresh-batch
  print('refresh-batch', { refreshed: refreshed.searchEnabled, batch: items.map((a) => a.searchEnabled) });
}

async function searches(data: ExampleData, actingUser: string): Promise<void> {
  const { vpd, subject } = data;
  // #region searches
  const byEmployeeNumber = await withRetry(() =>
    gateway.searchCredentials({ actingUser, criteria: { vpd, employeeNumber: subject.employeeNumber } }),
  );
  const byAssignment = await withRetry(() =>
    gateway.searchCredentials({ actingUser, criteria: { vpd, assignmentNumber: subject.assignmentNumber } }),
  );
  const byPerson = await withRetry(() =>
    gateway.searchCredentials({
      actingUser,
      criteria: { vpd, lastName: subject.lastName, dateOfBirth: subject.dateOfBirth, niNumber: subject.niNumber },
    }),
  );
  // One match: `credentials` holds the ESR record's credentials; several: choose from `matches` and search by employee number.
  // #endregion searches
  const found = [byEmployeeNumber, byAssignment, byPerson].map((r) => ({
    matches: r.matches.length,
    credentials: r.credentials !== undefined,
  }));
  print('searches', found);
  try {
    await gateway.searchCredentials({ actingUser: data.other.portalUserId, criteria: { vpd, employeeNumber: subject.employeeNumber } });
  } catch (error) {
    // #region search-refused
    if (error instanceof GatewayError && error.code === 'ESR_ACCESS_NOT_ACTIVE') {
      console.log(`Search ESR is not available to you: ${error.message}`); // the same reason as the access answer
    }
    // #endregion search-refused
    print('search-refused', (error as OperationError<'searchCredentials'>).code);
  }
}

async function reconciliation(data: ExampleData): Promise<void> {
  // #region reconciliation-csv
  const csv: string = await withRetry(() => gateway.getReconciliationCsv({ actingUser: data.lsa, vpd: data.vpd }), {
    attempts: 4, // in all, the first included
    maxDelaySeconds: 60, // a longer Retry-After is not waited for: the error is thrown
  });
  const [header, ...rows] = csv.trimEnd().split('\n');
  // #endregion reconciliation-csv
  const page = await gateway.getReconciliation({ actingUser: data.lsa, vpd: data.vpd, query: { limit: 5 } });
  print('reconciliation', { header, rows: rows.length, unmappedHolders: page.counts.unmappedHolders });
}

/** Resolves with the first verified event for `portalUserId`; rejects when none came within `timeoutMs`. */
function nextEvent(received: AccessChangedEvent[], portalUserId: string, timeoutMs = 60_000): Promise<AccessChangedEvent> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = () => {
      const event = received.find((e) => e.portalUserId === portalUserId);
      if (event) resolve(event);
      else if (Date.now() > deadline) reject(new Error(`no access-change event within ${timeoutMs} ms`));
      else setTimeout(check, 50);
    };
    check();
  });
}

async function main(): Promise<void> {
  const data = JSON.parse(env('EXAMPLE_DATA')) as ExampleData;
  const received: AccessChangedEvent[] = [];
  const server = await startEventReceiver(Number(env('WEBHOOK_PORT')), env('WEBHOOK_SECRET'), (event) => received.push(event));
  print('receiver', 'listening');
  try {
    await manageUser(data);
    await access(data);
    await searches(data, data.hr.portalUserId);
    await reconciliation(data);
    const event = await nextEvent(received, data.hr.portalUserId);
    print('event', { type: event.type, cause: event.cause, searchEnabled: event.searchEnabled });
  } finally {
    server.close();
  }
}

await main();
