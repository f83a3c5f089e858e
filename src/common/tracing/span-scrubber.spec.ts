import { SpanKind } from '@opentelemetry/api';
import { maskPathForTelemetry, scrubAttributes } from './span-scrubber';

describe(scrubAttributes.name, () => {
  it('should replace the path of a server span with its route template, or the unmatched marker, and drop the query', () => {
    const routed = {
      'url.path': '/v1/users/jo.bloggs@nhs.net/esr-access',
      'http.route': '/v1/users/:portalUserId/esr-access',
      'url.query': 'q=1',
    };
    scrubAttributes(routed, SpanKind.SERVER);
    expect(routed).toEqual({ 'url.path': '/v1/users/:portalUserId/esr-access', 'http.route': '/v1/users/:portalUserId/esr-access' });
    const unmatched = { 'http.target': '/v1/whatever/12345678?lastName=Smith' };
    scrubAttributes(unmatched, SpanKind.SERVER);
    expect(unmatched).toEqual({ 'http.target': '[unmatched path]' });
  });

  it('should mask employee numbers and drop the query of an outgoing URL', () => {
    const client = { 'url.full': 'https://esr.example/esr/v1/vpds/979/people/30581377?lastName=Smith&dateOfBirth=1980-01-02' };
    scrubAttributes(client, SpanKind.CLIENT);
    expect(client).toEqual({ 'url.full': 'https://esr.example/esr/v1/vpds/979/people/:employeeNumber' });
  });
});

describe(maskPathForTelemetry.name, () => {
  it('should mask what request logs mask and the numbers ESR paths carry', () => {
    expect(maskPathForTelemetry('/v1/users/u1/esr-mappings/979/30581377')).toBe('/v1/users/:portalUserId/esr-mappings/979/:number');
    expect(maskPathForTelemetry('/esr/v1/vpds/979/people')).toBe('/esr/v1/vpds/979/people');
  });
});
