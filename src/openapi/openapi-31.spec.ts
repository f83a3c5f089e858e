import Ajv2020 from 'ajv/dist/2020';
import { toOpenApi31 } from './openapi-31';

describe(toOpenApi31.name, () => {
  const doc = {
    openapi: '3.0.0',
    components: {
      schemas: {
        Thing: {
          type: 'object',
          properties: {
            name: { type: 'string', nullable: true, description: 'A name' },
            state: { type: 'string', enum: ['A', 'B'], nullable: true },
            progress: { oneOf: [{ type: 'integer' }, { type: 'object', nullable: true, enum: [null] }] },
            plain: { type: 'string' },
          },
        },
      },
    },
  };

  it('should publish OpenAPI 3.1.0 with null in the type arrays and enums instead of nullable', () => {
    const out = toOpenApi31(doc);
    expect(out.openapi).toBe('3.1.0');
    expect(out.components.schemas.Thing.properties).toEqual({
      name: { type: ['string', 'null'], description: 'A name' },
      state: { type: ['string', 'null'], enum: ['A', 'B', null] },
      progress: { oneOf: [{ type: 'integer' }, { type: 'null' }] },
      plain: { type: 'string' },
    });
  });

  it('should accept null where the 3.0 document said nullable, and still refuse wrong types', () => {
    const validate = new Ajv2020({ strict: false }).compile(toOpenApi31(doc).components.schemas.Thing);
    expect(validate({ name: null, state: null, progress: null })).toBe(true);
    expect(validate({ name: 'x', state: 'A', progress: 2 })).toBe(true);
    expect(validate({ state: 'C' })).toBe(false);
    expect(validate({ progress: 'x' })).toBe(false);
  });

  it('should leave its input unchanged', () => {
    const before = JSON.stringify(doc);
    toOpenApi31(doc);
    expect(JSON.stringify(doc)).toBe(before);
  });
});
