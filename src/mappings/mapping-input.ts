import { Injectable, PipeTransform } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { ErrorDetail, ValidationFailedError } from '../common/errors/domain-error';
import { CreateEsrMappingDto } from './dto/create-mapping.dto';
import { ImportEsrMappingRowDto } from './dto/import-mappings.dto';
import { MISSING_VPD_OR_EMPLOYEE_NUMBER } from '../domain/identifiers';

export type RowCheck<T> = { ok: true; value: T } | { ok: false; message: string; details: ErrorDetail[] };

const isBlank = (value: unknown): boolean => value === undefined || value === null || (typeof value === 'string' && value.trim() === '');

/**
 * Validates one mapping input (the POST body, or one import row) the way the portal's "Manage User"
 * screen expects: vpd or employeeNumber missing or empty gives exactly "Please enter an employee
 * number and vpd" (whatever else is wrong), otherwise each bad or unknown field is named.
 */
export function checkMappingInput<T extends object>(dto: new () => T, raw: unknown): RowCheck<T> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return {
      ok: false,
      message: 'Expected a JSON object with vpd and employeeNumber.',
      details: [{ field: '', message: 'must be a JSON object' }],
    };
  }
  const body = raw as Record<string, unknown>;
  const missing = (['employeeNumber', 'vpd'] as const).filter((field) => isBlank(body[field]));
  if (missing.length > 0) {
    return {
      ok: false,
      message: MISSING_VPD_OR_EMPLOYEE_NUMBER,
      details: missing.map((field) => ({ field, message: `${field} is required` })),
    };
  }
  const instance = plainToInstance(dto, body);
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true, stopAtFirstError: true });
  if (errors.length === 0) return { ok: true, value: instance };
  const details = errors.flatMap((error) =>
    Object.values(error.constraints ?? {}).map((message) => ({
      field: error.property,
      message: /should not exist$/.test(message) ? `${error.property} is not allowed` : message,
    })),
  );
  return { ok: false, message: [...new Set(details.map((d) => d.message))].join('; '), details };
}

/**
 * The body pipe of POST /v1/users/{portalUserId}/esr-mappings. The global ValidationPipe cannot
 * give the exact missing-field message the contract fixes, so the handler's parameter is typed as
 * a plain interface (the global pipe then leaves it alone) and this pipe validates it.
 */
@Injectable()
export class CreateMappingBodyPipe implements PipeTransform<unknown, CreateEsrMappingDto> {
  transform(value: unknown): CreateEsrMappingDto {
    const check = checkMappingInput(CreateEsrMappingDto, value);
    if (!check.ok) throw new ValidationFailedError(check.message, check.details);
    return check.value;
  }
}

/** One import row, validated on its own. portalUserId is checked alongside the fields. */
export function checkImportRow(raw: unknown): RowCheck<ImportEsrMappingRowDto> {
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw) && isBlank((raw as Record<string, unknown>).portalUserId)) {
    const check = checkMappingInput(ImportEsrMappingRowDto, { ...raw, portalUserId: 'placeholder' });
    const details = [{ field: 'portalUserId', message: 'portalUserId is required' }, ...(check.ok ? [] : check.details)];
    const message = check.ok
      ? 'portalUserId is required'
      : check.message === MISSING_VPD_OR_EMPLOYEE_NUMBER
        ? check.message
        : `portalUserId is required; ${check.message}`;
    return { ok: false, message, details };
  }
  return checkMappingInput(ImportEsrMappingRowDto, raw);
}
