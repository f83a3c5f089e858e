import { ArgumentMetadata } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import fc from 'fast-check';
import { AccessBatchRequestDto } from '../../access/dto/access.dto';
import { ImportEsrMappingsDto } from '../../mappings/dto/import-mappings.dto';
import { MappingParamsDto, PortalUserParamsDto } from '../../mappings/dto/mapping-params.dto';
import { CredentialSearchRequestDto } from '../../searches/dto/credential-search-request.dto';
import { ValidationFailedError } from '../errors/domain-error';
import { createValidationPipe, MAX_INPUT_DEPTH, nestedDeeperThan, reservedKeyIn } from './validation.pipe';

const body = (metatype: new () => object): ArgumentMetadata => ({ type: 'body', metatype, data: '' });

async function messageOf(value: unknown, metatype: new () => object): Promise<string> {
  try {
    await createValidationPipe().transform(value, body(metatype));
  } catch (error) {
    if (error instanceof ValidationFailedError) return error.message;
    throw error;
  }
  throw new Error('expected VALIDATION_FAILED');
}

const nested = (depth: number): unknown => JSON.parse('['.repeat(depth) + ']'.repeat(depth));

describe('createValidationPipe', () => {
  it('should answer VALIDATION_FAILED, not a stack overflow, for JSON nested thousands of levels deep', async () => {
    for (const value of [nested(5000), { vpd: nested(5000) }, { items: [nested(5000)] }]) {
      await expect(createValidationPipe().transform(value, body(CredentialSearchRequestDto))).rejects.toBeInstanceOf(ValidationFailedError);
      await expect(createValidationPipe().transform(value, body(ImportEsrMappingsDto))).rejects.toBeInstanceOf(ValidationFailedError);
    }
  });

  it('should measure nesting without recursion and let ordinary bodies through', async () => {
    expect(nestedDeeperThan(nested(MAX_INPUT_DEPTH), MAX_INPUT_DEPTH)).toBe(false);
    expect(nestedDeeperThan(nested(MAX_INPUT_DEPTH + 1), MAX_INPUT_DEPTH)).toBe(true);
    expect(nestedDeeperThan(nested(100_000), MAX_INPUT_DEPTH)).toBe(true);
    await expect(
      createValidationPipe().transform(
        { items: [{ portalUserId: 'u1', vpd: '979', employeeNumber: '30581377' }] },
        body(ImportEsrMappingsDto),
      ),
    ).resolves.toBeInstanceOf(ImportEsrMappingsDto);
  });

  it('should name the type problem first when a list field is missing or not a list', async () => {
    for (const value of [{}, { items: null }, { items: 'abc' }, { items: {} }])
      await expect(messageOf(value, ImportEsrMappingsDto)).resolves.toBe('items must be a list of { portalUserId, vpd, employeeNumber }');
    await expect(messageOf({ items: [] }, ImportEsrMappingsDto)).resolves.toBe('items must hold at least one row');
    for (const value of [{}, { portalUserIds: null }, { portalUserIds: 'u1' }])
      await expect(messageOf(value, AccessBatchRequestDto)).resolves.toBe('portalUserIds must be a list of portal user ids');
    await expect(messageOf({ portalUserIds: ['u1', 'u1'] }, AccessBatchRequestDto)).resolves.toBe('portalUserIds must not repeat an id');
    await expect(messageOf({ portalUserIds: ['a b'] }, AccessBatchRequestDto)).resolves.toMatch(/^each portalUserIds entry/);
  });

  it('should call an NI number that is not a string a bad format, not a bad prefix', async () => {
    const search = { vpd: '979', lastName: 'Ashworth', dateOfBirth: '1984-03-07' };
    await expect(messageOf({ ...search, niNumber: 5 }, CredentialSearchRequestDto)).resolves.toMatch(
      /^niNumber must be a National Insurance number/,
    );
    await expect(messageOf({ ...search, niNumber: 'DA123456C' }, CredentialSearchRequestDto)).resolves.toMatch(/never issued/);
  });

  describe('a DTO that accepts valid input itself (acceptsFast)', () => {
    const params = (metatype: new () => object): ArgumentMetadata => ({ type: 'param', metatype, data: undefined });
    const fullyValid = (value: object, metatype: new () => object): boolean =>
      validateSync(plainToInstance(metatype, value), { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true }).length ===
      0;

    it('should answer an instance of the class for what it accepts, and the full validation error for the rest', async () => {
      const pipe = createValidationPipe();
      await expect(pipe.transform({ portalUserId: 'hr.user@trust-1' }, params(PortalUserParamsDto))).resolves.toEqual(
        Object.assign(new PortalUserParamsDto(), { portalUserId: 'hr.user@trust-1' }),
      );
      await expect(pipe.transform({ portalUserId: 'a b' }, params(PortalUserParamsDto))).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
        message: 'portalUserId must be 1-128 characters of A-Z a-z 0-9 . _ @ -',
      });
      await expect(pipe.transform({ portalUserId: 'u1', extra: 'x' }, params(PortalUserParamsDto))).rejects.toBeInstanceOf(
        ValidationFailedError,
      );
    });

    it('should not let a subclass with more fields through its parent check', async () => {
      expect(MappingParamsDto.acceptsFast({ portalUserId: 'u1' })).toBe(false);
      await expect(createValidationPipe().transform({ portalUserId: 'u1' }, params(MappingParamsDto))).rejects.toBeInstanceOf(
        ValidationFailedError,
      );
    });

    it('should leave an id in another case than its canonical one to the full validation, which lower-cases it', async () => {
      expect(PortalUserParamsDto.acceptsFast({ portalUserId: 'HR.User@trust-1' })).toBe(false);
      await expect(createValidationPipe().transform({ portalUserId: 'HR.User@trust-1' }, params(PortalUserParamsDto))).resolves.toEqual(
        Object.assign(new PortalUserParamsDto(), { portalUserId: 'hr.user@trust-1' }),
      );
    });

    it('should accept nothing the full validation refuses, and every valid canonical id (generated path parameters)', () => {
      const id = fc.oneof(
        fc.stringMatching(/^[A-Za-z0-9._@-]{1,130}$/),
        fc.string({ maxLength: 140 }),
        fc.constantFrom('', ' ', 'a'.repeat(128), 'a'.repeat(129), 'u1\n', 'é', '__proto__'),
        fc.anything(),
      );
      const value = fc.oneof(
        fc.record({ portalUserId: id }),
        fc.record({ portalUserId: id, other: fc.string() }),
        fc.dictionary(fc.string(), fc.string()),
      );
      fc.assert(
        fc.property(value, (v) => {
          const id = (v as { portalUserId?: unknown }).portalUserId;
          const canonical = typeof id === 'string' && id === id.toLowerCase();
          expect(PortalUserParamsDto.acceptsFast(v)).toBe(fullyValid(v, PortalUserParamsDto) && canonical);
        }),
        { numRuns: 2000 },
      );
    });
  });
});

describe(reservedKeyIn.name, () => {
  it('should find a constructor, prototype or __proto__ key at any depth, and nothing in ordinary input', () => {
    expect(reservedKeyIn({ items: [{ vpd: '979' }], constructor: { a: 1 } })).toBe('constructor');
    expect(reservedKeyIn({ items: [{ prototype: 1 }] })).toBe('items.0.prototype');
    expect(reservedKeyIn(JSON.parse('{"a":{"__proto__":{"x":1}}}'))).toBe('a.__proto__');
    expect(reservedKeyIn({ items: [{ vpd: '979', employeeNumber: '30581377' }] })).toBeUndefined();
    expect(reservedKeyIn('constructor')).toBeUndefined();
  });

  it('should make the pipe refuse a body with such a key (422), which whitelisting alone lets through', async () => {
    const body = { items: [{ portalUserId: 'a@nhs.net', vpd: '979', employeeNumber: '30581377' }], constructor: { x: 1 } };
    await expect(createValidationPipe().transform(body, { type: 'body', metatype: ImportEsrMappingsDto })).rejects.toBeInstanceOf(
      ValidationFailedError,
    );
  });
});
