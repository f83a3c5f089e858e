import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpenApiResponseValidator } from './openapi-validator';

const doc = {
  openapi: '3.0.0',
  paths: {
    '/v1/things/{id}': {
      get: {
        operationId: 'get',
        responses: {
          '200': { content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } },
          '404': { content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        },
      },
    },
    '/v1/things/special': { get: { operationId: 'special', responses: { '204': { description: 'none' } } } },
    '/v1/things': {
      post: {
        operationId: 'create',
        requestBody: {
          content: {
            'application/json': {
              schema: { type: 'object', required: ['name'], properties: { name: { type: 'string', pattern: '^[a-z]+$' } } },
            },
          },
        },
        responses: { '201': { description: 'made' } },
      },
    },
  },
  components: {
    schemas: {
      Thing: {
        type: 'object',
        required: ['id', 'at', 'progress'],
        properties: {
          id: { type: 'string' },
          at: { type: 'string', format: 'date-time' },
          progress: { oneOf: [{ $ref: '#/components/schemas/Progress' }, { type: 'object', nullable: true, enum: [null] }] },
        },
      },
      Progress: { type: 'object', required: ['pages'], properties: { pages: { type: 'integer' } } },
      Error: { type: 'object', required: ['error'], properties: { error: { type: 'string' } } },
    },
  },
};

describe(OpenApiResponseValidator.name, () => {
  const dir = mkdtempSync(join(tmpdir(), 'openapi-'));
  writeFileSync(join(dir, 'openapi.json'), JSON.stringify(doc));
  const validator = new OpenApiResponseValidator(join(dir, 'openapi.json'));
  const good = { id: 'a', at: '2026-11-25T10:00:00.000Z', progress: null };

  it('should match path templates, literal segments first, ignoring the query string', () => {
    expect(validator.operationFor('GET', '/v1/things/42?x=1')?.operationId).toBe('get');
    expect(validator.operationFor('GET', '/v1/things/special')?.operationId).toBe('special');
    expect(validator.operationFor('DELETE', '/v1/things/42')).toBeUndefined();
  });

  it('should accept a body the document describes, null or object where it says so', () => {
    expect(validator.check({ method: 'GET', url: '/v1/things/1', status: 200, body: good })).toEqual([]);
    expect(validator.check({ method: 'GET', url: '/v1/things/1', status: 200, body: { ...good, progress: { pages: 3 } } })).toEqual([]);
    expect(validator.check({ method: 'GET', url: '/v1/things/special', status: 204, body: undefined })).toEqual([]);
  });

  it('should report a wrong body, an undeclared status and an unknown operation', () => {
    expect(validator.check({ method: 'GET', url: '/v1/things/1', status: 200, body: { ...good, at: 'yesterday' } })[0].problem).toMatch(
      /\/at must match format/,
    );
    expect(validator.check({ method: 'GET', url: '/v1/things/1', status: 200, body: { ...good, progress: 'x' } }).length).toBeGreaterThan(
      0,
    );
    expect(validator.check({ method: 'GET', url: '/v1/things/1', status: 500, body: {} })).toEqual([
      { operation: 'GET /v1/things/{id}', status: 500, problem: 'status 500 is not declared' },
    ]);
    expect(validator.check({ method: 'PUT', url: '/v1/nothing', status: 200, body: {} })[0].problem).toBe(
      'no such operation in the document',
    );
    expect(validator.violations.length).toBeGreaterThanOrEqual(4);
  });

  it('should report a request body the document refuses although the service took it', () => {
    expect(validator.checkAcceptedRequest('POST', '/v1/things', { name: 'ok' })).toEqual([]);
    expect(validator.checkAcceptedRequest('POST', '/v1/things', { name: 'NOT OK' })[0].problem).toMatch(/yet the service accepted it/);
  });

  it('should load the committed document of the service', () => {
    const real = new OpenApiResponseValidator();
    expect(real.operations.filter((op) => op.path.startsWith('/v1')).length).toBeGreaterThanOrEqual(14);
  });
});
