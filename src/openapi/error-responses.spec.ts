import { errorCodesOf, withErrorResponses } from './error-responses';

type Narrowed = { allOf: [unknown, { properties: { error: { enum: string[] } } }] };
const codesAt = (op: ReturnType<typeof withErrorResponses>, status: string): string[] =>
  (op.responses?.[status]?.content?.['application/json']?.schema as unknown as Narrowed).allOf[1].properties.error.enum;

describe(withErrorResponses.name, () => {
  const secured = {
    security: [{ bearer: [] }],
    parameters: [{ name: 'vpd' }],
    responses: {
      '200': { description: 'ok' },
      '409': { description: 'MAPPING_EXISTS: already. ESR_RECORD_MAPPED_TO_OTHER_USER: taken. NOT_FOUND is not a 409' },
    },
    'x-error-codes': ['ESR_RECORD_NOT_FOUND'],
  };

  it('should list the implied codes, the declared ones and those the descriptions name for their own status', () => {
    expect(errorCodesOf('/v1/things/{vpd}', secured)).toEqual([
      'VALIDATION_FAILED',
      'ESR_RECORD_NOT_FOUND',
      'UNAUTHENTICATED',
      'FORBIDDEN',
      'MAPPING_EXISTS',
      'ESR_RECORD_MAPPED_TO_OTHER_USER',
      'RATE_LIMITED',
      'INTERNAL',
    ]);
  });

  it('should narrow each error status to its codes, keeping the given descriptions', () => {
    const op = withErrorResponses('/v1/things/{vpd}', secured);
    expect(codesAt(op, '409')).toEqual(['MAPPING_EXISTS', 'ESR_RECORD_MAPPED_TO_OTHER_USER']);
    expect(op.responses?.['409'].description).toBe(secured.responses['409'].description);
    expect(codesAt(op, '422')).toEqual(['VALIDATION_FAILED', 'ESR_RECORD_NOT_FOUND']);
    expect(codesAt(op, '500')).toEqual(['INTERNAL']);
    expect(op.responses?.['500'].description).toMatch(/^INTERNAL: /);
    expect(op.responses).not.toHaveProperty('404');
    expect(op.responses).not.toHaveProperty('413');
  });

  it('should give a public operation without parameters only the 500', () => {
    const op = withErrorResponses('/health/live', { responses: { '200': { description: 'ok' } } });
    expect(Object.keys(op.responses ?? {})).toEqual(['200', '500']);
  });

  it('should keep an error answer that has its own body', () => {
    const ready = { description: 'down', content: { 'application/json': { schema: { $ref: '#/components/schemas/Ready' } } } };
    const op = withErrorResponses('/health/ready', { responses: { '503': ready }, 'x-error-codes': ['DEPENDENCY_UNAVAILABLE'] });
    expect(op.responses?.['503']).toEqual(ready);
  });
});
