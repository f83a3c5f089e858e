import { ApiExtension } from '@nestjs/swagger';
import type { ErrorCode } from './domain-error';

/** The operation extension that carries a route's declared error codes (read by src/openapi/error-responses.ts). */
export const ERROR_CODES_EXTENSION = 'x-error-codes';

/**
 * Declares the error codes a route can answer beyond those its layers imply (auth, request budget,
 * validation, body limits, 500): the OpenAPI document lists them per status, with `error` narrowed to them.
 */
export const ApiErrors = (...codes: [ErrorCode, ...ErrorCode[]]): MethodDecorator & ClassDecorator =>
  ApiExtension(ERROR_CODES_EXTENSION, codes);
