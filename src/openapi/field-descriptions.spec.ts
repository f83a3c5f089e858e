import { describeFieldsOf, FIELD_DESCRIPTIONS } from './field-descriptions';

describe(describeFieldsOf.name, () => {
  it('should describe fields by schema and field, then by field name, keeping what a DTO says itself', () => {
    const doc = {
      components: {
        schemas: {
          WebhookDeliveryDto: {
            properties: { status: { type: 'string' }, vpd: { type: 'string', description: 'own' }, odd: { type: 'string' } },
          },
          EsrMappingDto: { properties: { vpd: { type: 'string' } } },
        },
      },
    };
    const out = describeFieldsOf(doc).components.schemas;
    expect(out.WebhookDeliveryDto.properties.status).toEqual({
      type: 'string',
      description: FIELD_DESCRIPTIONS['WebhookDeliveryDto.status'],
    });
    expect(out.WebhookDeliveryDto.properties.vpd).toEqual({ type: 'string', description: 'own' });
    expect(out.WebhookDeliveryDto.properties.odd).toEqual({ type: 'string' });
    expect(out.EsrMappingDto.properties.vpd).toEqual({ type: 'string', description: FIELD_DESCRIPTIONS.vpd });
    expect(doc.components.schemas.EsrMappingDto.properties.vpd).toEqual({ type: 'string' });
  });
});
