import { describeSchemas, SCHEMA_DESCRIPTIONS } from './schema-descriptions';

describe(describeSchemas.name, () => {
  it("should describe listed schemas, keep a schema's own description, and leave others alone", () => {
    const doc = { components: { schemas: { ErrorResponseDto: { type: 'object' }, SyncRunDto: { description: 'own' }, OtherDto: {} } } };
    const out = describeSchemas(doc);
    expect(out.components.schemas.ErrorResponseDto).toEqual({ type: 'object', description: SCHEMA_DESCRIPTIONS.ErrorResponseDto });
    expect(out.components.schemas.SyncRunDto).toEqual({ description: 'own' });
    expect(out.components.schemas.OtherDto).toEqual({});
    expect(doc.components.schemas.ErrorResponseDto).toEqual({ type: 'object' });
  });
});
