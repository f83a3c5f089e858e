import { BOTH_KEY, OPS_KEY, PORTAL_KEY, startTestApp, TestApp } from '../support/test-env';

describe('Audit read API (PostgreSQL)', () => {
  let t: TestApp;
  const ops = { authorization: `Bearer ${OPS_KEY}` };
  const portal = { authorization: `Bearer ${PORTAL_KEY}`, 'x-acting-user': 'lsa.one' };
  const start = '2026-11-25T10:00:00.000Z';

  beforeAll(async () => {
    // ESR out of reach: the mappings are saved unverified (the audit trail is what is under test).
    t = await startTestApp({ ESR_BASE_URL: 'http://127.0.0.1:9', ESR_MAX_ATTEMPTS: '1', ESR_BREAKER_THRESHOLD: '100' }, undefined);
    t.clock.set(start);
    // Ten mapping changes, one a minute: five adds by lsa.one, then five deletes by lsa.two.
    for (let i = 0; i < 5; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: `/v1/users/audit.u${i}/esr-mappings`,
        headers: portal,
        payload: { vpd: '979', employeeNumber: `3000000${i}` },
      });
      expect(res.statusCode).toBe(201);
      t.clock.advance(60_000);
    }
    for (let i = 0; i < 5; i++) {
      const res = await t.app.inject({
        method: 'DELETE',
        url: `/v1/users/audit.u${i}/esr-mappings/979/3000000${i}`,
        headers: { ...portal, 'x-acting-user': 'lsa.two' },
      });
      expect(res.statusCode).toBe(204);
      t.clock.advance(60_000);
    }
  });

  afterAll(async () => {
    await t?.close();
  });

  const get = (query: string, headers: Record<string, string> = ops) =>
    t.app.inject({ method: 'GET', url: `/v1/audit/events${query}`, headers });

  it('should list events newest first with everything the audit holds', async () => {
    const res = await get('');
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json();
    expect(body.nextCursor).toBeNull();
    expect(body.items).toHaveLength(10);
    expect(body.items[0]).toEqual({
      id: expect.any(String),
      type: 'MAPPING_DELETED',
      occurredAt: '2026-11-25T10:09:00.000Z',
      actor: 'lsa.two',
      apiKeyId: 'portal1',
      callerRequestId: null,
      repeatCount: 1,
      requestId: expect.any(String),
      subjectUserId: 'audit.u4',
      vpd: '979',
      employeeNumber: '30000004',
      outcome: 'OK',
      details: null,
    });
    expect(body.items[9]).toMatchObject({ type: 'MAPPING_CREATED', actor: 'lsa.one', occurredAt: start });
  });

  it('should page with an opaque cursor until nextCursor is null', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await get(`?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode).toBe(200);
      const body: { items: Array<{ occurredAt: string }>; nextCursor: string | null } = res.json();
      seen.push(...body.items.map((e) => e.occurredAt));
      cursor = body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(10);
    expect([...seen].sort().reverse()).toEqual(seen);
  });

  it('should filter by type, actor and a from/to window', async () => {
    const created = (await get('?type=MAPPING_CREATED')).json();
    expect(created.items.map((e: { subjectUserId: string }) => e.subjectUserId)).toEqual([
      'audit.u4',
      'audit.u3',
      'audit.u2',
      'audit.u1',
      'audit.u0',
    ]);
    const byActor = (await get('?actor=lsa.two&limit=2')).json();
    expect(byActor.items.every((e: { actor: string }) => e.actor === 'lsa.two')).toBe(true);
    expect(byActor.nextCursor).not.toBeNull();
    const window = (await get('?from=2026-11-25T10:02:00Z&to=2026-11-25T10:04:00Z')).json();
    expect(window.items.map((e: { occurredAt: string }) => e.occurredAt)).toEqual(['2026-11-25T10:03:00.000Z', '2026-11-25T10:02:00.000Z']);
    const none = (await get('?type=CREDENTIAL_SEARCH')).json();
    expect(none).toEqual({ items: [], nextCursor: null });
  });

  it.each([
    ['?type=MAPPING_EXPLODED', 'type'],
    ['?from=yesterday', 'from'],
    ['?to=2026-13-45T00:00:00Z', 'to'],
    ['?limit=0', 'limit'],
    ['?limit=501', 'limit'],
    ['?limit=ten', 'limit'],
    ['?cursor=bm9wZQ', 'cursor'],
    ['?cursor=%24%24%24', 'cursor'],
    ['?colour=blue', 'colour'],
    ['?actor=%00', 'actor'],
    ['?subjectUserId=a%00b', 'subjectUserId'],
    ['?from=20261125T000000Z', 'from'],
    [`?cursor=${Buffer.from('9999999999999999999').toString('base64url')}`, 'cursor'],
  ])('should answer 422 naming the parameter for %s', async (query, field) => {
    const res = await get(query);
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ error: 'VALIDATION_FAILED', details: [{ field }] });
  });

  // Last: its failed keys are audited (AUTH_FAILED), which the listings above do not expect.
  it('should need the ops scope, auditing the failed keys as one AUTH_FAILED event', async () => {
    expect((await get('', {})).statusCode).toBe(401);
    expect((await get('', { authorization: 'Bearer nope-nope-nope' })).statusCode).toBe(401);
    const forbidden = await get('', { authorization: `Bearer ${PORTAL_KEY}` });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().error).toBe('FORBIDDEN');
    expect((await get('', { authorization: `Bearer ${BOTH_KEY}` })).statusCode).toBe(200);
    const failed = (await get('?type=AUTH_FAILED')).json().items;
    expect(failed).toEqual([expect.objectContaining({ type: 'AUTH_FAILED', actor: '127.0.0.1', repeatCount: 2 })]);
  });
});
