import Ajv from 'ajv';
import { fixNullableRefs } from './nullable-refs';

describe(fixNullableRefs.name, () => {
  const doc = {
    components: {
      schemas: {
        Progress: { type: 'object', properties: { pages: { type: 'number' } }, required: ['pages'] },
        Status: {
          type: 'object',
          properties: {
            progress: { nullable: true, type: 'object', description: 'Live progress', allOf: [{ $ref: '#/components/schemas/Progress' }] },
            plain: { allOf: [{ $ref: '#/components/schemas/Progress' }] },
            name: { type: 'string', nullable: true },
          },
        },
      },
    },
  };

  const validate = (document: typeof doc) => {
    const ajv = new Ajv({ strict: false });
    ajv.addSchema(document, 'doc');
    return ajv.compile({ $ref: 'doc#/components/schemas/Status' });
  };

  it('should make a nullable reference accept null and the object, and nothing else', () => {
    expect(validate(doc)({ progress: null })).toBe(false); // the lie being fixed
    const fixed = validate(fixNullableRefs(doc));
    expect(fixed({ progress: null })).toBe(true);
    expect(fixed({ progress: { pages: 2 } })).toBe(true);
    expect(fixed({ progress: { pages: 'two' } })).toBe(false);
    expect(fixed({ progress: 'x' })).toBe(false);
  });

  it('should keep the description and leave other schemas alone', () => {
    const fixed = fixNullableRefs(doc);
    const props = fixed.components.schemas.Status.properties as Record<string, unknown>;
    expect(props.progress).toEqual({
      description: 'Live progress',
      oneOf: [{ $ref: '#/components/schemas/Progress' }, { type: 'object', nullable: true, enum: [null] }],
    });
    expect(props.plain).toEqual(doc.components.schemas.Status.properties.plain);
    expect(props.name).toEqual({ type: 'string', nullable: true });
    expect(doc.components.schemas.Status.properties.progress.allOf).toBeDefined();
  });
});
