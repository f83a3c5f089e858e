import { declareDocumentFacts, requestSchemaNames, RESPONSE_HEADERS, SERVERS } from './document-facts';
import { API_TAGS } from './tags';

type Op = {
  operationId?: string;
  responses: Record<string, { headers?: Record<string, unknown> }>;
  parameters?: Array<{ schema?: unknown }>;
};

describe(declareDocumentFacts.name, () => {
  const doc = {
    paths: {
      '/v1/users/{portalUserId}/esr-mappings': {
        post: {
          operationId: 'Mappings_create',
          security: [{ bearer: [] }],
          parameters: [{ name: 'X-Acting-User', in: 'header', schema: { type: 'string' } }],
          requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/CreateDto' } } } },
          responses: { '201': { description: 'made' }, '429': { description: 'RATE_LIMITED' } },
        },
      },
    },
    components: {
      schemas: {
        CreateDto: { type: 'object', properties: { item: { $ref: '#/components/schemas/ItemDto' } } },
        ItemDto: { type: 'object', properties: { vpd: { type: 'string' } } },
        AnswerDto: { type: 'object', properties: {} },
      },
    },
  };
  const out = declareDocumentFacts(doc);
  const op = out.paths['/v1/users/{portalUserId}/esr-mappings'].post as unknown as Op;

  it('should declare the servers and every tag with a description', () => {
    expect(out).toMatchObject({ servers: SERVERS, tags: API_TAGS });
    expect(API_TAGS.every((tag) => tag.description.length > 0)).toBe(true);
  });

  it('should take the operationId from the table', () => {
    expect(op.operationId).toBe('createEsrMapping');
  });

  it('should declare X-Request-Id on every answer and Retry-After on 429', () => {
    for (const response of Object.values(op.responses)) expect(response.headers).toMatchObject(RESPONSE_HEADERS);
    expect(op.responses['429'].headers).toHaveProperty('Retry-After');
    expect(op.responses['201'].headers).not.toHaveProperty('Retry-After');
  });

  it('should declare a default error answer on every operation', () => {
    expect(op.responses.default).toMatchObject({
      content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponseDto' } } },
    });
  });

  it('should give X-Acting-User the pattern the service enforces', () => {
    expect(op.parameters?.[0].schema).toEqual({
      type: 'string',
      pattern: '^[A-Za-z0-9._@-]{1,128}$',
      maxLength: 128,
      example: 'lsa.user@nhs.net',
    });
  });

  it('should close request body schemas (and the schemas they use) to unknown fields, and only those', () => {
    expect([...requestSchemaNames(doc)].sort()).toEqual(['CreateDto', 'ItemDto']);
    expect(out.components.schemas.CreateDto).toHaveProperty('additionalProperties', false);
    expect(out.components.schemas.ItemDto).toHaveProperty('additionalProperties', false);
    expect(out.components.schemas.AnswerDto).not.toHaveProperty('additionalProperties');
  });

  it('should leave its input unchanged', () => {
    const before = JSON.stringify(doc);
    declareDocumentFacts(doc);
    expect(JSON.stringify(doc)).toBe(before);
  });
});
