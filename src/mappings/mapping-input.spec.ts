import { ValidationFailedError } from '../common/errors/domain-error';
import { checkImportRow, checkMappingInput, CreateMappingBodyPipe } from './mapping-input';
import { CreateEsrMappingDto } from './dto/create-mapping.dto';

const MISSING = 'Please enter an employee number and vpd';

describe(CreateMappingBodyPipe.name, () => {
  const pipe = new CreateMappingBodyPipe();

  it('should pass a valid body through as the DTO', () => {
    expect(pipe.transform({ vpd: '979', employeeNumber: '30581377' })).toEqual({ vpd: '979', employeeNumber: '30581377' });
  });

  it.each([
    [{ employeeNumber: '30581377' }, ['vpd']],
    [{ vpd: '979' }, ['employeeNumber']],
    [{ vpd: '', employeeNumber: '30581377' }, ['vpd']],
    [{ vpd: '979', employeeNumber: '   ' }, ['employeeNumber']],
    [{ vpd: null, employeeNumber: null }, ['employeeNumber', 'vpd']],
    [{}, ['employeeNumber', 'vpd']],
    [{ vpd: '', employeeNumber: 'abc', extra: 1 }, ['vpd']],
  ])('should refuse %p with exactly the Manage User message, naming %p', (body, fields) => {
    const error = (() => {
      try {
        pipe.transform(body);
      } catch (e) {
        return e as ValidationFailedError;
      }
      throw new Error('expected a validation error');
    })();
    expect(error).toBeInstanceOf(ValidationFailedError);
    expect(error.message).toBe(MISSING);
    expect(error.options.details?.map((d) => d.field)).toEqual(fields);
  });

  it.each([
    [{ vpd: '97', employeeNumber: '30581377' }, 'vpd', 'vpd must be 3 digits, e.g. 979'],
    [{ vpd: '979', employeeNumber: '3058137' }, 'employeeNumber', 'employeeNumber must be 8 digits, e.g. 30581377'],
    [{ vpd: 979, employeeNumber: '30581377' }, 'vpd', 'vpd must be 3 digits, e.g. 979'],
    [{ vpd: '979', employeeNumber: '30581377', portalUserId: 'x' }, 'portalUserId', 'portalUserId is not allowed'],
  ])('should refuse %p naming %s', (body, field, message) => {
    expect(() => pipe.transform(body)).toThrow(message);
    const check = checkMappingInput(CreateEsrMappingDto, body);
    expect(check.ok ? [] : check.details).toEqual([{ field, message }]);
  });

  it('should refuse a body that is not an object', () => {
    expect(() => pipe.transform([])).toThrow(ValidationFailedError);
    expect(() => pipe.transform('979')).toThrow(ValidationFailedError);
  });
});

describe(checkImportRow.name, () => {
  it('should accept a complete row', () => {
    expect(checkImportRow({ portalUserId: 'a@b.nhs.uk', vpd: '979', employeeNumber: '30581377' })).toEqual({
      ok: true,
      value: { portalUserId: 'a@b.nhs.uk', vpd: '979', employeeNumber: '30581377' },
    });
  });

  it('should name a missing portalUserId', () => {
    expect(checkImportRow({ vpd: '979', employeeNumber: '30581377' })).toMatchObject({
      ok: false,
      message: 'portalUserId is required',
      details: [{ field: 'portalUserId', message: 'portalUserId is required' }],
    });
  });

  it('should give the Manage User message for a missing vpd or employee number', () => {
    expect(checkImportRow({ portalUserId: 'u', vpd: '979' })).toMatchObject({ ok: false, message: MISSING });
  });

  it('should refuse a bad portal user id and an unknown field', () => {
    expect(checkImportRow({ portalUserId: 'a b', vpd: '979', employeeNumber: '30581377' })).toMatchObject({
      ok: false,
      details: [{ field: 'portalUserId' }],
    });
    expect(checkImportRow({ portalUserId: 'u', vpd: '979', employeeNumber: '30581377', role: 'x' })).toMatchObject({
      ok: false,
      details: [{ field: 'role', message: 'role is not allowed' }],
    });
  });
});
