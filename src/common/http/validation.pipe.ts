import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { ErrorDetail, ValidationFailedError } from '../errors/domain-error';

/** No request DTO nests deeper than this; deeper JSON would overflow the stack of the recursive validators. */
export const MAX_INPUT_DEPTH = 32;

/** True when `value` nests arrays/objects more than `max` levels deep (iterative: no recursion). */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
}

export function assertNotTooDeep(value: unknown): void {
  if (nestedDeeperThan(value, MAX_INPUT_DEPTH)) {
    throw new ValidationFailedError(`The request nests objects or lists more than ${MAX_INPUT_DEPTH} levels deep.`, [
      { field: '', message: `must not nest more than ${MAX_INPUT_DEPTH} levels deep` },
    ]);
  }
}

/** Keys class-transformer treats as the object's own machinery: whitelisting does not see them, so they are refused here. */
const RESERVED_KEYS = new Set(['constructor', 'prototype', '__proto__']);

/** The path of the first reserved key at any depth of the input (unknown to every DTO), else undefined. */
export function reservedKeyIn(value: unknown): string | undefined {
  const stack: Array<[unknown, string]> = [[value, '']];
  while (stack.length > 0) {
    const [current, path] = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    for (const [key, child] of Object.entries(current)) {
      const field = path ? `${path}.${key}` : key;
      if (RESERVED_KEYS.has(key)) return field;
      stack.push([child, field]);
    }
  }
  return undefined;
}

function assertNoReservedKeys(value: unknown): void {
  const field = reservedKeyIn(value);
  if (field !== undefined) throw new ValidationFailedError(`${field} is not allowed.`, [{ field, message: `${field} is not allowed` }]);
}

function details(errors: ValidationError[], parent = ''): ErrorDetail[] {
  return errors.flatMap((error) => {
    const field = parent ? (/^\d+$/.test(error.property) ? `${parent}[${error.property}]` : `${parent}.${error.property}`) : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field,
      message: message.replace(/^property (\S+) should not exist$/, `${field} is not allowed`),
    }));
    return own.concat(details(error.children ?? [], field));
  });
}

/**
 * A DTO class on a hot route may recognise valid input itself with a static `acceptsFast` (a cheap
 * exact check: only the DTO's own fields, each matching its pattern). What it accepts is the value
 * class-validator would accept, as an instance of the class; anything else, valid or not, takes the
 * full validation, so error bodies never depend on it.
 */
export interface FastAcceptingDto {
  acceptsFast(value: unknown): boolean;
}

function fastAccepting(metatype: ArgumentMetadata['metatype']): FastAcceptingDto | undefined {
  const candidate = metatype as unknown as Partial<FastAcceptingDto> | undefined;
  return typeof candidate?.acceptsFast === 'function' ? (candidate as FastAcceptingDto) : undefined;
}

/** Refuses absurdly deep input with 422 before the (recursive) transform and validation run. */
class DepthLimitedValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const { metatype } = metadata;
    if (metatype && fastAccepting(metatype)?.acceptsFast(value)) return Object.assign(new (metatype as new () => object)(), value);
    assertNotTooDeep(value);
    if (metadata.type === 'body' || metadata.type === 'query') assertNoReservedKeys(value);
    return super.transform(value, metadata);
  }
}

/** Strict DTO validation; failures become VALIDATION_FAILED (422) with one detail per problem. */
export function createValidationPipe(): ValidationPipe {
  return new DepthLimitedValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    stopAtFirstError: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const list = details(errors);
      const messages = [...new Set(list.map((d) => d.message))];
      return new ValidationFailedError(messages.join('; ') || 'The request is not valid.', list);
    },
  });
}
