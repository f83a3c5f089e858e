import { DomainError } from '../errors/domain-error';
import { requestVpds } from './vpd-scope.decorators';
import { VpdScope } from './vpd-scope';

describe(VpdScope.name, () => {
  const trustA = VpdScope.of(['979', '806']);

  it('should allow every VPD to an unscoped key, and only its own to a restricted one', () => {
    expect(VpdScope.of(undefined)).toBe(VpdScope.ALL);
    expect(VpdScope.ALL.restricted).toBe(false);
    expect(VpdScope.ALL.allows('123')).toBe(true);
    expect(VpdScope.ALL.refusal(['123', '979'])).toBeNull();
    expect(trustA.restricted).toBe(true);
    expect([trustA.allows('979'), trustA.allows('806'), trustA.allows('123')]).toEqual([true, true, false]);
  });

  it('should refuse naming each VPD outside the scope, once, and the ones the key acts in', () => {
    expect(trustA.refusal(['979'])).toBeNull();
    expect(trustA.refusal(['123'])).toBe('This API key may not act in VPD 123: it acts only in VPDs 806, 979.');
    expect(trustA.refusal(['555', '979', '123', '555'])).toBe('This API key may not act in VPDs 123, 555: it acts only in VPDs 806, 979.');
    expect(VpdScope.of(['979']).refusal(['806'])).toBe('This API key may not act in VPD 806: it acts only in VPD 979.');
  });

  it('should throw FORBIDDEN with that sentence, and refuse what spans every VPD to a restricted key only', () => {
    expect(() => trustA.check(['123'])).toThrow(
      new DomainError('FORBIDDEN', 'This API key may not act in VPD 123: it acts only in VPDs 806, 979.'),
    );
    expect(() => trustA.check(['979', '806'])).not.toThrow();
    expect(() => trustA.requireAll('Deliveries are shared')).toThrow('Deliveries are shared: this API key acts only in VPDs 806, 979.');
    expect(() => VpdScope.ALL.requireAll('Deliveries are shared')).not.toThrow();
  });

  it('should filter lists to its VPDs, leaving out items without a VPD, and keep everything for an unscoped key', () => {
    const items = [{ vpd: '979' }, { vpd: '123' }, { vpd: null }, { vpd: '806' }];
    expect(trustA.filter(items, (i) => i.vpd)).toEqual([{ vpd: '979' }, { vpd: '806' }]);
    expect(VpdScope.ALL.filter(items, (i) => i.vpd)).toEqual(items);
    expect(trustA.list).toEqual(['806', '979']);
    expect(VpdScope.ALL.list).toBeUndefined();
  });
});

describe(requestVpds.name, () => {
  it('should find the VPDs a request names in its :vpd parameter, its body and what a route adds', () => {
    expect(requestVpds({ params: { vpd: '979' }, body: undefined })).toEqual(['979']);
    expect(requestVpds({ params: {}, body: { vpd: '806', employeeNumber: '12345678' } })).toEqual(['806']);
    const rows = (body: unknown) => (body as { items: Array<{ vpd: unknown }> }).items.map((i) => i.vpd);
    expect(requestVpds({ params: {}, body: { items: [{ vpd: '123' }, { vpd: '979' }] } }, rows)).toEqual(['123', '979']);
  });

  it('should leave malformed or inherited values to validation (422), not to the scope', () => {
    expect(requestVpds({ params: { vpd: '97x' }, body: { vpd: 979 } })).toEqual([]);
    expect(requestVpds({ params: {}, body: Object.create({ vpd: '123' }) as unknown })).toEqual([]);
    expect(requestVpds({ params: {}, body: 'vpd=123' })).toEqual([]);
  });
});
