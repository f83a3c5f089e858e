import { HttpService } from '@nestjs/axios';
import axios from 'axios';
import { FakeClock } from '../../src/common/clock/clock';
import { validateEnvironment } from '../../src/config/env.schema';
import { EsrSettings } from '../../src/config/settings/esr.settings';
import { OutboundHttpSettings } from '../../src/config/settings/outbound-http.settings';
import { MetricsService } from '../../src/metrics/metrics.service';
import { EsrClient } from '../../src/esr/esr.client';
import { EsrEndpoint } from '../../src/esr/esr.endpoint';
import { esrHttpOptions } from '../../src/esr/esr.http';
import { EsrMetrics } from '../../src/esr/esr.metrics';
import { TEST_SECRETS_ENV } from '../support/test-secrets';

/*
 * Shared by the ESR client's unit specs (not part of the application): builds a client against a
 * fixed base URL with fast retries, and ESR-shaped sample data.
 */

export const TEST_ESR_BASE_URL = 'http://esr.test';

export interface TestClient {
  client: EsrClient;
  settings: EsrSettings;
  metrics: MetricsService;
  clock: FakeClock;
}

export function makeTestClient(env: Record<string, string> = {}, baseUrl = TEST_ESR_BASE_URL): TestClient {
  const validated = validateEnvironment({
    ESR_BASE_URL: baseUrl,
    ...TEST_SECRETS_ENV,
    ESR_RETRY_BASE_DELAY: 'PT0.001S',
    ESR_RETRY_MAX_DELAY: 'PT0.005S',
    ESR_RATE_LIMIT_PER_SECOND: '20',
    ...env,
  });
  const settings = new EsrSettings(validated);
  const metrics = new MetricsService();
  const clock = new FakeClock();
  // @nestjs/axios is typed against axios' ES-module declarations, this file against its CommonJS ones:
  // the same runtime instance, two declaration files.
  const http = new HttpService(
    axios.create(esrHttpOptions(settings, new OutboundHttpSettings(validated))) as unknown as ConstructorParameters<typeof HttpService>[0],
  );
  const client = new EsrClient(http, new EsrEndpoint(baseUrl, 'configured'), settings, new EsrMetrics(metrics), clock);
  return { client, settings, metrics, clock };
}

/** The value of one metric series (0 when the series does not exist yet). */
export async function metricValue(metrics: MetricsService, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want))
    .reduce((sum, v) => sum + v.value, 0);
}

export function wireAssignment(assignmentId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    assignmentId,
    vpd: '979',
    employeeNumber: '30581377',
    roleName: 'Digital Passport Administrator',
    roleCategory: 'NHS Supplementary Role',
    effectiveStartDate: '2026-11-01',
    effectiveEndDate: null,
    createdAt: '2026-11-01T09:15:00Z',
    lastUpdatedAt: '2026-11-02T10:00:00+00:00',
    person: { active: true, systemPersonType: 'EMP' },
    ...overrides,
  };
}

export function wirePersonSummary(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    employeeNumber: '30581377',
    vpd: '979',
    title: 'Ms',
    firstName: 'Alexandra',
    lastName: 'Fairweather',
    dateOfBirth: '1984-03-09',
    systemPersonType: 'EMP',
    primaryAssignmentNumber: '30581377',
    ...overrides,
  };
}

export function wirePerson(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...wirePersonSummary(),
    middleNames: null,
    niNumberMasked: 'QQ****56C',
    hireDate: '2015-06-01',
    actualTerminationDate: null,
    assignments: [
      {
        assignmentNumber: '30581377',
        primary: true,
        status: 'ACTIVE',
        positionName: 'Staff Nurse',
        jobRole: 'Staff Nurse',
        staffGroup: 'Nursing and Midwifery Registered',
        organisationName: 'Ward 7',
        effectiveStartDate: '2015-06-01',
        effectiveEndDate: null,
      },
    ],
    employmentChecks: [{ type: 'DBS', status: 'VERIFIED', checkedDate: '2023-01-10', expiryDate: '2026-01-10', reference: '001234567890' }],
    registrations: [{ body: 'NMC', number: '15A1234E', status: 'REGISTERED', expiryDate: '2027-05-31' }],
    competences: [
      {
        name: 'Infection Prevention and Control - Level 2',
        cstfSubject: 'Infection Prevention and Control',
        level: 2,
        status: 'ACHIEVED',
        achievedDate: '2026-02-01',
        expiryDate: '2027-02-01',
      },
    ],
    immunisations: [{ antigen: 'Varicella', date: '2015-05-20', result: 'Immune' }],
    ...overrides,
  };
}
