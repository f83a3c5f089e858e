import { ArgumentMetadata } from '@nestjs/common';
import { ValidationFailedError } from '../../common/errors/domain-error';
import { createValidationPipe } from '../../common/http/validation.pipe';
import { AuditQueryDto } from './audit-query.dto';

const metadata: ArgumentMetadata = { type: 'query', metatype: AuditQueryDto, data: '' };
const validate = (query: Record<string, unknown>) => createValidationPipe().transform(query, metadata) as Promise<AuditQueryDto>;

describe(AuditQueryDto.name, () => {
  it('should accept the documented filters', async () => {
    await expect(
      validate({ actor: 'lsa.user@nhs.net', from: '2026-11-25T00:00:00Z', to: '2026-11-26', limit: '10' }),
    ).resolves.toMatchObject({
      actor: 'lsa.user@nhs.net',
      limit: 10,
    });
  });

  it('should refuse actor and subjectUserId with control characters (NUL would fail the database query)', async () => {
    await expect(validate({ actor: '\u0000' })).rejects.toBeInstanceOf(ValidationFailedError);
    await expect(validate({ subjectUserId: 'a\u0000b' })).rejects.toBeInstanceOf(ValidationFailedError);
    await expect(validate({ actor: 'a\nb' })).rejects.toBeInstanceOf(ValidationFailedError);
  });

  it('should refuse ISO-8601 forms that are no instant Date can read', async () => {
    for (const value of ['20261125T000000Z', '2026-W48-3', '2026-329'])
      await expect(validate({ from: value })).rejects.toThrow('from must be an ISO-8601 date-time');
    await expect(validate({ to: '20261125T000000Z' })).rejects.toThrow('to must be an ISO-8601 date-time');
  });
});
