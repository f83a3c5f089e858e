import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, Matches } from 'class-validator';
import { PORTAL_USER_ID, toCanonicalPortalUserId } from '../domain/identifiers';

import { EMPLOYEE_NUMBER, IDENTIFIER_MESSAGES, VPD } from '../domain/identifiers';

/** At most this many ESR records may be mapped to one portal user. */
export const MAX_MAPPINGS_PER_USER = 50;

/** At most this many rows in one bulk import (contract). */
export const MAX_IMPORT_ITEMS = 1000;

/** Body limit of the import route only (contract: 1 MiB; 1,000 rows of 128-character ids fit). */
export const IMPORT_BODY_LIMIT_BYTES = 1024 * 1024;

/** Path of the import route (its body limit is raised in app.factory). */
export const IMPORT_ROUTE = '/v1/esr-mappings/import';

/**
 * A portalUserId field (body or path): documented, turned into its canonical lower-case form
 * (canonicalPortalUserId) and validated with the contract's message.
 */
export const PortalUserIdField = () =>
  applyDecorators(
    ApiProperty({
      description:
        'Portal user id: 1-128 characters of A-Z a-z 0-9 . _ @ -, case-insensitive (compared and stored lower-case; answers use that form)',
      example: 'hiran.mistry@nhs.net',
      pattern: PORTAL_USER_ID.source,
    }),
    Transform(toCanonicalPortalUserId),
    IsString({ message: IDENTIFIER_MESSAGES.portalUserId }),
    Matches(PORTAL_USER_ID, { message: IDENTIFIER_MESSAGES.portalUserId }),
  );

/** A vpd field (body or path). */
export const VpdField = () =>
  applyDecorators(
    ApiProperty({ description: 'ESR VPD code (3 digits)', example: '979', pattern: VPD.source }),
    IsString({ message: IDENTIFIER_MESSAGES.vpd }),
    Matches(VPD, { message: IDENTIFIER_MESSAGES.vpd }),
  );

/** An employeeNumber field (body or path). */
export const EmployeeNumberField = () =>
  applyDecorators(
    ApiProperty({ description: 'ESR employee number (8 digits)', example: '30581377', pattern: EMPLOYEE_NUMBER.source }),
    IsString({ message: IDENTIFIER_MESSAGES.employeeNumber }),
    Matches(EMPLOYEE_NUMBER, { message: IDENTIFIER_MESSAGES.employeeNumber }),
  );
