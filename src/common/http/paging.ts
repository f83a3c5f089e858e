import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

/** A query string's whole number as a number; anything else is left for the validators to refuse. */
const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value);

const CURSOR_INVALID = 'cursor is not valid: pass nextCursor of a previous page unchanged';

/** `cursor`: the opaque nextCursor of a previous page (base64url, at most `maxLength` characters). */
export function PageCursorField(maxLength: number): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ description: 'nextCursor of the previous page (opaque)', maxLength, pattern: '^[A-Za-z0-9_-]+$' }),
    IsOptional(),
    IsString(),
    MaxLength(maxLength, { message: CURSOR_INVALID }),
    Matches(/^[A-Za-z0-9_-]+$/, { message: CURSOR_INVALID }),
  );
}

/** `limit`: items per page, a whole number from 1 to `max` (`fallback` when absent). */
export function PageLimitField(max: number, fallback: number): PropertyDecorator {
  const message = `limit must be a whole number from 1 to ${max}`;
  return applyDecorators(
    ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: max, default: fallback, description: 'Items per page', example: fallback }),
    IsOptional(),
    Transform(toInt),
    IsInt({ message }),
    Min(1, { message }),
    Max(max, { message }),
  );
}
