import { ArgumentMetadata } from '@nestjs/common';
import { ValidationFailedError } from '../../common/errors/domain-error';
import { createValidationPipe } from '../../common/http/validation.pipe';
import { CredentialSearchRequestDto } from './credential-search-request.dto';

const metadata: ArgumentMetadata = { type: 'body', metatype: CredentialSearchRequestDto, data: '' };

async function validate(body: unknown): Promise<CredentialSearchRequestDto> {
  return (await createValidationPipe().transform(body, metadata)) as CredentialSearchRequestDto;
}

async function problems(body: unknown): Promise<Array<{ field: string; message: string }>> {
  try {
    await validate(body);
  } catch (error) {
    if (error instanceof ValidationFailedError) return error.options.details ?? [];
    throw error;
  }
  throw new Error('expected VALIDATION_FAILED');
}

describe(CredentialSearchRequestDto.name, () => {
  it('should accept each kind of criteria', async () => {
    await expect(validate({ vpd: '979', employeeNumber: '30581377' })).resolves.toMatchObject({ vpd: '979', employeeNumber: '30581377' });
    await expect(validate({ vpd: '979', assignmentNumber: '30581377' })).resolves.toMatchObject({ assignmentNumber: '30581377' });
    await expect(validate({ vpd: '979', assignmentNumber: '30581377-12' })).resolves.toMatchObject({ assignmentNumber: '30581377-12' });
    await expect(
      validate({ vpd: '979', lastName: "O'Neill-Smith", dateOfBirth: '1984-03-07', niNumber: 'AB123456C' }),
    ).resolves.toMatchObject({
      lastName: "O'Neill-Smith",
    });
  });

  it('should upper-case the NI number and remove its spaces, and tidy the last name', async () => {
    await expect(
      validate({ vpd: '979', lastName: '  de  la Cruz ', dateOfBirth: '1984-03-07', niNumber: 'ab 12 34 56 c' }),
    ).resolves.toMatchObject({
      lastName: 'de la Cruz',
      niNumber: 'AB123456C',
    });
  });

  it('should accept last names in other scripts and with accents', async () => {
    await expect(
      validate({ vpd: '979', lastName: 'Núñez Ødegård', dateOfBirth: '1984-03-07', niNumber: 'AB123456C' }),
    ).resolves.toBeDefined();
  });

  it('should name a missing or malformed vpd', async () => {
    await expect(problems({ employeeNumber: '30581377' })).resolves.toEqual([
      { field: 'vpd', message: expect.stringContaining('vpd must be 3 digits') },
    ]);
    await expect(problems({ vpd: '97', employeeNumber: '30581377' })).resolves.toEqual([
      { field: 'vpd', message: expect.stringContaining('3 digits') },
    ]);
    await expect(problems({ vpd: 979, employeeNumber: '30581377' })).resolves.toEqual([{ field: 'vpd', message: expect.any(String) }]);
  });

  it('should name a malformed employee number or assignment number', async () => {
    await expect(problems({ vpd: '979', employeeNumber: '3058137' })).resolves.toEqual([
      { field: 'employeeNumber', message: expect.stringContaining('8 digits') },
    ]);
    await expect(problems({ vpd: '979', employeeNumber: 30581377 })).resolves.toEqual([
      { field: 'employeeNumber', message: expect.any(String) },
    ]);
    await expect(problems({ vpd: '979', assignmentNumber: '30581377-123' })).resolves.toEqual([
      { field: 'assignmentNumber', message: expect.stringContaining('assignmentNumber') },
    ]);
  });

  it('should refuse last names with digits or symbols, empty ones and ones over 100 characters', async () => {
    for (const lastName of ['Sm1th', 'Smith!', '', '   ', '-Smith', 'A'.repeat(101), 42]) {
      await expect(problems({ vpd: '979', lastName, dateOfBirth: '1984-03-07', niNumber: 'AB123456C' })).resolves.toEqual([
        { field: 'lastName', message: expect.stringContaining('lastName') },
      ]);
    }
    await expect(
      validate({ vpd: '979', lastName: 'A'.repeat(100), dateOfBirth: '1984-03-07', niNumber: 'AB123456C' }),
    ).resolves.toBeDefined();
  });

  it('should refuse dates of birth that are not real YYYY-MM-DD dates or are before 1900', async () => {
    for (const dateOfBirth of ['1984-02-30', '1984-13-01', '07/03/1984', '1984-3-7', '1899-12-31', '1984-03-07T00:00:00Z', 19840307]) {
      await expect(problems({ vpd: '979', lastName: 'Smith', dateOfBirth, niNumber: 'AB123456C' })).resolves.toEqual([
        { field: 'dateOfBirth', message: expect.stringContaining('dateOfBirth') },
      ]);
    }
    await expect(validate({ vpd: '979', lastName: 'Smith', dateOfBirth: '1900-01-01', niNumber: 'AB123456C' })).resolves.toBeDefined();
    await expect(validate({ vpd: '979', lastName: 'Smith', dateOfBirth: '2000-02-29', niNumber: 'AB123456C' })).resolves.toBeDefined();
  });

  it('should refuse malformed NI numbers and prefixes HMRC never issues', async () => {
    for (const niNumber of ['AB123456', 'AB123456E', 'A1234567C', 'AB12345C', '12345678A']) {
      await expect(problems({ vpd: '979', lastName: 'Smith', dateOfBirth: '1984-03-07', niNumber })).resolves.toEqual([
        { field: 'niNumber', message: expect.stringContaining('National Insurance number') },
      ]);
    }
    for (const niNumber of ['QQ123456C', 'DA123456A', 'AO123456A', 'GB123456A', 'ZZ123456A', 'TN123456A']) {
      await expect(problems({ vpd: '979', lastName: 'Smith', dateOfBirth: '1984-03-07', niNumber })).resolves.toEqual([
        { field: 'niNumber', message: expect.stringContaining('never issued') },
      ]);
    }
  });

  it('should refuse unknown fields by name', async () => {
    await expect(problems({ vpd: '979', employeeNumber: '30581377', firstName: 'Jordan' })).resolves.toEqual([
      { field: 'firstName', message: 'firstName is not allowed' },
    ]);
  });

  it('should never echo the values sent in its messages', async () => {
    const details = await problems({ vpd: '979', lastName: 'Sm1th', dateOfBirth: '1984-02-30', niNumber: 'QQ123456C' });
    expect(details.map((d) => d.field).sort()).toEqual(['dateOfBirth', 'lastName', 'niNumber']);
    const text = JSON.stringify(details);
    for (const value of ['Sm1th', '1984-02-30', 'QQ123456C']) expect(text).not.toContain(value);
  });
});
