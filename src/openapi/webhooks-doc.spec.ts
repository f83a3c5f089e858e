import { ACCESS_CHANGED_WEBHOOK, declareWebhooks, EVENT_TYPE } from './webhooks-doc';

describe(declareWebhooks.name, () => {
  const doc = {
    components: {
      schemas: { AccessChangedEventDto: { type: 'object', properties: { type: { type: 'string' }, id: { type: 'string' } } } },
    },
  };
  const out = declareWebhooks(doc) as typeof doc & { webhooks: Record<string, unknown> };

  it('should describe the event under webhooks with the three Standard Webhooks headers', () => {
    expect(out.webhooks).toEqual({ esrAccessChanged: ACCESS_CHANGED_WEBHOOK });
    expect(ACCESS_CHANGED_WEBHOOK.post.parameters.map((p) => [p.name, p.in, p.required])).toEqual([
      ['Webhook-Id', 'header', true],
      ['Webhook-Timestamp', 'header', true],
      ['Webhook-Signature', 'header', true],
    ]);
    expect(ACCESS_CHANGED_WEBHOOK.post.description).toContain('whsec_');
  });

  it("should state the event's type as a constant and leave the other fields alone", () => {
    expect(out.components.schemas.AccessChangedEventDto.properties.type).toMatchObject({ const: EVENT_TYPE });
    expect(out.components.schemas.AccessChangedEventDto.properties.id).toEqual({ type: 'string' });
    expect(doc.components.schemas.AccessChangedEventDto.properties.type).toEqual({ type: 'string' });
  });
});
