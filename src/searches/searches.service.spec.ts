import { Logger } from '@nestjs/common';
import { EsrAccessNotActiveError } from '../access/access.errors';
import type { AccessService } from '../access/access.service';
import type { AccessDecision } from '../domain/access.types';
import type { AuditService, NewAuditEvent } from '../audit/audit.service';
import { FakeClock } from '../common/clock/clock';
import { ValidationFailedError } from '../common/errors/domain-error';
import type { AuditSettings } from '../config/settings/audit.settings';
import type { EsrClient } from '../esr/esr.client';
import { EsrNotFoundError, EsrTimeoutError, EsrUnavailableError } from '../esr/esr.errors';
import type { EsrPerson, EsrPersonSummary } from '../esr/esr.types';
import { MetricsService } from '../metrics/metrics.service';
import { SearchRateLimitedError, SearchRateLimiter } from './search-rate-limiter';
import { SearchesMetrics } from './searches.metrics';
import { SearchesService } from './searches.service';

// The service is tested alone: AccessService (and the sync and mappings behind it) is replaced by a fake.
jest.mock('../access/access.service', () => ({ AccessService: class AccessService {} }));

const summary = (employeeNumber: string): EsrPersonSummary => ({
  employeeNumber,
  vpd: '979',
  title: null,
  firstName: 'Priya',
  lastName: 'Shah',
  dateOfBirth: '1990-01-02',
  systemPersonType: 'EMP',
  primaryAssignmentNumber: employeeNumber,
});

const person = (employeeNumber: string): EsrPerson => ({
  ...summary(employeeNumber),
  extractDate: '2026-11-25T02:00:00+00:00',
  middleNames: null,
  niNumberMasked: 'AB****56C',
  hireDate: null,
  actualTerminationDate: null,
  assignments: [],
  employmentChecks: [],
  registrations: [],
  competences: [],
  immunisations: [],
});

const allowed = { allowed: true, state: 'ACTIVE', reason: 'ok', mapping: null } as unknown as AccessDecision;
const refused = {
  allowed: false,
  state: 'PENDING_ACTIVATION',
  reason: 'Role Digital Passport Administrator was assigned in ESR on ...',
  mapping: { vpd: '979', employeeNumber: '11111111' },
} as unknown as AccessDecision;

function setup(
  opts: { decision?: AccessDecision; matches?: EsrPersonSummary[] | Error; person?: EsrPerson | Error; limited?: boolean } = {},
) {
  const events: NewAuditEvent[] = [];
  const calls: string[] = [];
  const access = {
    authorise: jest.fn(async () => {
      calls.push('access');
      return opts.decision ?? allowed;
    }),
  } as unknown as AccessService;
  const deadline = { remainingMs: () => 10_000 };
  const esr = {
    interactiveDeadline: jest.fn(() => deadline),
    searchPeople: jest.fn(async () => {
      calls.push('search');
      if (opts.matches instanceof Error) throw opts.matches;
      return opts.matches ?? [summary('22222222')];
    }),
    getPerson: jest.fn(async (_vpd: string, employeeNumber: string) => {
      calls.push('person');
      if (opts.person instanceof Error) throw opts.person;
      return opts.person ?? person(employeeNumber);
    }),
  } as unknown as EsrClient;
  const audit = {
    record: jest.fn(async (event: NewAuditEvent) => void events.push(event)),
    recordRefusal: jest.fn(async (event: NewAuditEvent) => void events.push(event)),
  } as unknown as AuditService;
  const limiter = {
    consume: jest.fn(async () => {
      calls.push('limit');
      if (opts.limited) throw new SearchRateLimitedError(30, 42);
    }),
  } as unknown as SearchRateLimiter;
  const auditSettings = { hmacSecret: 'unit-test-secret-0123456789' } as AuditSettings;
  const silent = () => undefined;
  const logger = {
    log: jest.spyOn(Logger.prototype, 'log').mockImplementation(silent),
    warn: jest.spyOn(Logger.prototype, 'warn').mockImplementation(silent),
    error: jest.spyOn(Logger.prototype, 'error').mockImplementation(silent),
    debug: jest.spyOn(Logger.prototype, 'debug').mockImplementation(silent),
  };
  const metrics = new MetricsService();
  const service = new SearchesService(access, esr, audit, limiter, auditSettings, new FakeClock(), new SearchesMetrics(metrics));
  const request = (body: Record<string, unknown>) => ({
    body: { vpd: '979', ...body } as never,
    actingUser: 'hr@nhs.net',
    apiKeyId: 'portal1',
    requestId: 'req-1',
  });
  return { service, events, calls, esr, request, metrics, logger, deadline };
}

describe(SearchesService.name, () => {
  afterEach(() => jest.restoreAllMocks());

  it('should check criteria, then the rate limit, then access, then ESR, and audit the one match', async () => {
    const { service, events, calls, request, esr, deadline } = setup();
    const answer = await service.search(request({ employeeNumber: '22222222' }));
    // By employee number: one ESR call, the person's record, which is also the match.
    expect(calls).toEqual(['limit', 'access', 'person']);
    expect(esr.getPerson).toHaveBeenCalledWith('979', '22222222', { deadline });
    expect(answer.matches).toEqual([summary('22222222')].map(({ vpd: _vpd, ...match }) => match));
    expect(answer.matches).toHaveLength(1);
    expect(answer.credentials?.source).toMatchObject({ vpd: '979', employeeNumber: '22222222', extractDate: '2026-11-25T02:00:00+00:00' });
    expect(events).toEqual([
      expect.objectContaining({
        type: 'CREDENTIAL_SEARCH',
        outcome: 'MATCHED_ONE',
        actor: 'hr@nhs.net',
        apiKeyId: 'portal1',
        requestId: 'req-1',
        vpd: '979',
        employeeNumber: '22222222',
        details: {
          criteriaKind: 'employeeNumber',
          criteriaHash: expect.stringMatching(/^[0-9a-f]{64}$/),
          matchCount: 1,
          matchedEmployeeNumbers: ['22222222'],
        },
      }),
    ]);
  });

  it('should search by assignment number or personal details, then fetch the one match, all within one deadline', async () => {
    const { service, calls, request, esr, deadline } = setup();
    for (const body of [{ assignmentNumber: '22222222-2' }, { lastName: 'Shah', dateOfBirth: '1990-01-02', niNumber: 'AB123456C' }]) {
      calls.length = 0;
      const answer = await service.search(request(body));
      expect(calls).toEqual(['limit', 'access', 'search', 'person']);
      expect(answer.credentials?.source).toMatchObject({ employeeNumber: '22222222' });
    }
    expect(esr.searchPeople).toHaveBeenLastCalledWith('979', expect.anything(), { deadline });
    expect(esr.getPerson).toHaveBeenLastCalledWith('979', '22222222', { deadline });
    expect(esr.interactiveDeadline).toHaveBeenCalledTimes(2); // one per search
  });

  it('should answer no match when ESR has no person with the employee number (404), in one call', async () => {
    const { service, events, calls, request } = setup({ person: new EsrNotFoundError() });
    await expect(service.search(request({ employeeNumber: '22222222' }))).resolves.toEqual({ matches: [] });
    expect(calls).toEqual(['limit', 'access', 'person']);
    expect(events[0]).toMatchObject({
      type: 'CREDENTIAL_SEARCH',
      outcome: 'NO_MATCH',
      employeeNumber: null,
      details: { criteriaKind: 'employeeNumber', matchCount: 0 },
    });
  });

  it('should refuse bad criteria before anything else, without an audit event', async () => {
    const { service, events, calls, request } = setup();
    await expect(service.search(request({ employeeNumber: '22222222', assignmentNumber: '22222222' }))).rejects.toBeInstanceOf(
      ValidationFailedError,
    );
    expect(calls).toEqual([]);
    expect(events).toEqual([]);
  });

  it('should list several matches without fetching anyone', async () => {
    const { service, events, calls, request } = setup({ matches: [summary('22222222'), summary('33333333')] });
    const answer = await service.search(request({ lastName: 'Shah', dateOfBirth: '1990-01-02', niNumber: 'AB123456C' }));
    expect(answer).toEqual({
      matches: [expect.objectContaining({ employeeNumber: '22222222' }), expect.objectContaining({ employeeNumber: '33333333' })],
    });
    expect(calls).not.toContain('person');
    expect(events[0]).toMatchObject({
      outcome: 'MATCHED_MANY',
      employeeNumber: null,
      details: { criteriaKind: 'personalDetails', matchCount: 2 },
    });
    expect(JSON.stringify(events)).not.toMatch(/Shah|1990-01-02|AB123456C/);
  });

  it('should answer no matches', async () => {
    const { service, events, request } = setup({ matches: [] });
    await expect(service.search(request({ assignmentNumber: '22222222-2' }))).resolves.toEqual({ matches: [] });
    expect(events[0]).toMatchObject({
      outcome: 'NO_MATCH',
      employeeNumber: null,
      details: { criteriaKind: 'assignmentNumber', matchCount: 0 },
    });
  });

  it('should refuse a user whose access is not active with the access reason, audited, without calling ESR', async () => {
    const { service, events, calls, request } = setup({ decision: refused });
    const error = await service.search(request({ employeeNumber: '22222222' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EsrAccessNotActiveError);
    expect((error as EsrAccessNotActiveError).message).toBe(refused.reason);
    expect(calls).toEqual(['limit', 'access']);
    expect(events[0]).toMatchObject({
      type: 'CREDENTIAL_SEARCH_REFUSED',
      outcome: 'ACCESS_NOT_ACTIVE',
      details: { accessState: 'PENDING_ACTIVATION', actorEmployeeNumber: '11111111', matchCount: null },
    });
  });

  it('should refuse a rate-limited user before checking access, audited', async () => {
    const { service, events, calls, request } = setup({ limited: true });
    await expect(service.search(request({ employeeNumber: '22222222' }))).rejects.toBeInstanceOf(SearchRateLimitedError);
    expect(calls).toEqual(['limit']);
    expect(events[0]).toMatchObject({ type: 'CREDENTIAL_SEARCH_REFUSED', outcome: 'RATE_LIMITED' });
  });

  it('should pass ESR failures on as ESR_UNAVAILABLE or ESR_TIMEOUT, audited', async () => {
    const down = setup({ matches: new EsrUnavailableError(undefined, 9) });
    await expect(down.service.search(down.request({ assignmentNumber: '22222222' }))).rejects.toMatchObject({
      code: 'ESR_UNAVAILABLE',
      options: { retryAfterSeconds: 9 },
    });
    expect(down.events[0]).toMatchObject({ type: 'CREDENTIAL_SEARCH', outcome: 'ESR_UNAVAILABLE' });
    const slow = setup({ person: new EsrTimeoutError() });
    await expect(slow.service.search(slow.request({ assignmentNumber: '22222222' }))).rejects.toMatchObject({ code: 'ESR_TIMEOUT' });
    expect(slow.events[0]).toMatchObject({ outcome: 'ESR_TIMEOUT', employeeNumber: null, details: { matchCount: 1 } });
    const record = setup({ person: new EsrTimeoutError() });
    await expect(record.service.search(record.request({ employeeNumber: '22222222' }))).rejects.toMatchObject({ code: 'ESR_TIMEOUT' });
    expect(record.events[0]).toMatchObject({ outcome: 'ESR_TIMEOUT', employeeNumber: null, details: { matchCount: null } });
  });

  it('should answer ESR_UNAVAILABLE, not 404 or 500, when ESR matched a person but then has no record of them', async () => {
    const { service, events, request } = setup({ person: new EsrNotFoundError() });
    const error = await service.search(request({ assignmentNumber: '22222222' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EsrUnavailableError);
    expect((error as EsrUnavailableError).status).toBe(503);
    expect(events[0]).toMatchObject({ outcome: 'ESR_UNAVAILABLE', employeeNumber: null });
  });

  it('should count searches by outcome and log no personal data', async () => {
    const { service, request, metrics, logger } = setup();
    await service.search(request({ lastName: 'Shah', dateOfBirth: '1990-01-02', niNumber: 'AB123456C' }));
    expect(await metrics.registry.getSingleMetricAsString('esr_gateway_credential_searches_total')).toContain('outcome="MATCHED_ONE"} 1');
    const logged = JSON.stringify([logger.log.mock.calls, logger.warn.mock.calls]);
    expect(logged).toContain('personalDetails');
    expect(logged).not.toMatch(/Shah|Priya|1990-01-02|AB123456C/);
  });

  it('should not return credentials when the audit event cannot be written', async () => {
    const { service, request, events } = setup();
    (service as unknown as { audit: { record: () => Promise<void> } }).audit.record = async () => {
      throw new Error('database down');
    };
    await expect(service.search(request({ employeeNumber: '22222222' }))).rejects.toThrow('database down');
    expect(events).toEqual([]);
  });
});
