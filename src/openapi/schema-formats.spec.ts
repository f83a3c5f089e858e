import { declareSchemaFormats } from './schema-formats';

describe(declareSchemaFormats.name, () => {
  const doc = {
    paths: {
      '/v1/audit/events': {
        get: {
          parameters: [
            { name: 'from', in: 'query', schema: { type: 'string' } },
            { name: 'limit', in: 'query', schema: { type: 'number', minimum: 1 } },
            { name: 'to', in: 'header', schema: { type: 'string' } },
          ],
        },
      },
    },
    components: {
      schemas: {
        Run: {
          type: 'object',
          properties: {
            count: { type: 'number' },
            lastStatus: { type: ['number', 'null'] },
            startedAt: { type: ['string', 'null'] },
            asOf: { type: 'string' },
            dateOfBirth: { type: 'string', format: 'date' },
            createdBy: { type: 'string' },
            phaseAt: { type: 'string', enum: ['x'] },
            vpd: { type: 'string', pattern: '^\\d{3}$' },
          },
        },
      },
    },
  };
  const out = declareSchemaFormats(doc);

  it('should publish every number as a 32-bit integer', () => {
    expect(out.components.schemas.Run.properties.count).toEqual({ type: 'integer', format: 'int32' });
    expect(out.components.schemas.Run.properties.lastStatus).toEqual({ type: ['integer', 'null'], format: 'int32' });
    expect(out.paths['/v1/audit/events'].get.parameters[1].schema).toEqual({ type: 'integer', format: 'int32', minimum: 1 });
  });

  it('should give identifier patterns their maxLength', () => {
    expect(out.components.schemas.Run.properties.vpd).toEqual({ type: 'string', pattern: '^\\d{3}$', maxLength: 3 });
  });

  it('should mark timestamp fields and the from/to query parameters as date-time, and nothing else', () => {
    const props = out.components.schemas.Run.properties;
    expect(props.startedAt).toEqual({ type: ['string', 'null'], format: 'date-time' });
    expect(props.asOf).toEqual({ type: 'string', format: 'date-time' });
    expect(props.dateOfBirth).toEqual({ type: 'string', format: 'date' });
    expect(props.createdBy).toEqual({ type: 'string' });
    expect(props.phaseAt).toEqual({ type: 'string', enum: ['x'] });
    expect(out.paths['/v1/audit/events'].get.parameters[0].schema).toEqual({ type: 'string', format: 'date-time' });
    expect(out.paths['/v1/audit/events'].get.parameters[2].schema).toEqual({ type: 'string' });
  });
});
