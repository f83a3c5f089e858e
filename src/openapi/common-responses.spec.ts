import { declareCommonResponses, REQUEST_BUDGET } from './common-responses';

type Responses = Record<string, Record<string, unknown> | undefined>;
type Doc = { paths: Record<string, Record<string, { responses: Responses; requestBody?: unknown } | unknown[]>> };

describe(declareCommonResponses.name, () => {
  const searchLimit = { description: 'RATE_LIMITED: too many searches by this user', headers: { 'Retry-After': {} } };
  const doc: Doc = {
    paths: {
      '/health/ready': { get: { responses: { '200': { description: 'ready' } } } },
      '/v1/things': {
        get: { responses: { '200': { description: 'ok' } } },
        post: {
          requestBody: { content: {} },
          responses: { '201': { description: 'made' }, '413': { description: 'PAYLOAD_TOO_LARGE: own words' }, '429': searchLimit },
        },
        parameters: [{ name: 'x' }],
      },
      '/v1/things/{id}': { delete: { responses: { '204': { description: 'gone' } } } },
    },
  };
  const responses = (d: Doc, path: string, method: string): Responses => (d.paths[path][method] as { responses: Responses }).responses;

  it('should declare the request budget (429 with Retry-After) on every /v1 operation, and nothing on the others', () => {
    const out = declareCommonResponses(doc);
    expect(responses(out, '/v1/things', 'get')['429']).toMatchObject({ description: REQUEST_BUDGET, headers: { 'Retry-After': {} } });
    expect(responses(out, '/v1/things/{id}', 'delete')['429']).toMatchObject({ description: REQUEST_BUDGET });
    expect(responses(out, '/health/ready', 'get')).toEqual({ '200': { description: 'ready' } });
  });

  it("should keep an operation's own 429 and add the budget to its description", () => {
    const limited = responses(declareCommonResponses(doc), '/v1/things', 'post')['429'];
    expect(limited?.description).toBe(`${searchLimit.description}; or ${REQUEST_BUDGET}`);
    expect(limited?.headers).toEqual(searchLimit.headers);
  });

  it('should declare 413 and 415 on operations that take a body only, keeping what an operation says itself', () => {
    const out = declareCommonResponses(doc);
    expect(responses(out, '/v1/things', 'get')).not.toHaveProperty('415');
    expect(responses(out, '/v1/things', 'get')).not.toHaveProperty('413');
    expect(responses(out, '/v1/things', 'post')['413']).toEqual({ description: 'PAYLOAD_TOO_LARGE: own words' });
    expect(responses(out, '/v1/things', 'post')['415']).toMatchObject({ description: expect.stringContaining('UNSUPPORTED_MEDIA_TYPE') });
    expect(responses(out, '/v1/things/{id}', 'delete')).not.toHaveProperty('415');
    expect(out.paths['/v1/things'].parameters).toEqual([{ name: 'x' }]);
  });

  it('should leave its input unchanged', () => {
    const before = JSON.stringify(doc);
    declareCommonResponses(doc);
    expect(JSON.stringify(doc)).toBe(before);
  });
});
