import { ValidationError, ValidationPipe } from '@nestjs/common';
import { ErrorDetail, ValidationFailedError } from '../errors/domain-error';

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

/** Strict DTO validation; failures become VALIDATION_FAILED (422) with one detail per problem. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
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
