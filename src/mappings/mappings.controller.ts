import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { ActingUser, ApiKeyId, RequestId, RequireScope } from '../common/auth/auth.decorators';
import { CallerVpdScope, VpdsOfRequest } from '../common/auth/vpd-scope.decorators';
import type { VpdScope } from '../common/auth/vpd-scope';
import { ErrorResponseDto } from '../common/errors/error-response';
import { PersonalDataReads } from '../audit/personal-data-reads';
import { CreateEsrMappingDto } from './dto/create-mapping.dto';
import { ImportEsrMappingsDto, ImportEsrMappingsResultDto } from './dto/import-mappings.dto';
import { MappingParamsDto, PortalUserParamsDto } from './dto/mapping-params.dto';
import { CreatedEsrMappingDto, DeletedMappingsDto, EsrMappingDto, EsrMappingListDto } from './dto/mapping-response.dto';
import { EsrMapping } from '../database/esr-mapping.entity';
import { IMPORT_BODY_LIMIT_BYTES, MAX_IMPORT_ITEMS, MAX_MAPPINGS_PER_USER } from './identifiers';
import { CreateMappingBodyPipe } from './mapping-input';
import { MappingImportService } from './mapping-import.service';
import { CreatedMapping, MappingsService } from './mappings.service';
import { ApiErrors } from '../common/errors/api-errors';

/** The raw body of POST .../esr-mappings (an interface, so that only CreateMappingBodyPipe validates it). */
interface CreateMappingBody {
  vpd: string;
  employeeNumber: string;
}

const ACTING_USER_HEADER = {
  name: 'X-Acting-User',
  required: true,
  description: 'Portal user on whose behalf the call is made (e.g. the LSA); recorded in the audit.',
  example: 'lsa.user@nhs.net',
};

/** The VPDs of an import's rows: a key restricted to some VPDs needs every one of them (403 naming the others). */
function importVpds(body: unknown): unknown[] {
  const items = (body as { items?: unknown } | null)?.items;
  return Array.isArray(items) ? items.map((item) => (item as { vpd?: unknown } | null)?.vpd) : [];
}

export function toCreatedDto(created: CreatedMapping): CreatedEsrMappingDto {
  const { row, access } = created;
  return { ...toMappingDto(row), esrPerson: row.displayName ? { displayName: row.displayName } : null, access };
}

export function toMappingDto(row: EsrMapping): EsrMappingDto {
  return {
    portalUserId: row.portalUserId,
    vpd: row.vpd,
    employeeNumber: row.employeeNumber,
    createdAt: new Date(row.createdAt).toISOString(),
    createdBy: row.createdBy,
    verified: row.verified,
    displayName: row.displayName,
  };
}

@ApiTags('esr-mappings')
@ApiBearerAuth()
@RequireScope('portal')
@ApiUnauthorizedResponse({ description: 'UNAUTHENTICATED: missing or unknown API key', type: ErrorResponseDto })
@ApiForbiddenResponse({
  description:
    "FORBIDDEN: the API key lacks the 'portal' scope, or is restricted to other VPDs than the one named (path, body or import row)",
  type: ErrorResponseDto,
})
@ApiUnprocessableEntityResponse({
  description: 'VALIDATION_FAILED: a path parameter, header or body field is not valid (details name it)',
  type: ErrorResponseDto,
})
@ApiServiceUnavailableResponse({ description: 'DEPENDENCY_UNAVAILABLE: the database is down', type: ErrorResponseDto })
@Controller({ path: 'v1' })
export class MappingsController {
  // The import route's larger body limit is set in app.factory (IMPORT_ROUTE), the one place body limits live.
  constructor(
    private readonly mappings: MappingsService,
    private readonly importer: MappingImportService,
    private readonly reads: PersonalDataReads,
  ) {}

  @Get('users/:portalUserId/esr-mappings')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: "List a portal user's ESR mappings",
    description:
      'Oldest first; an empty list when the user has none. A key restricted to some VPDs sees only the mappings in them. ' +
      'Personal data (display names): needs X-Acting-User and writes one PERSONAL_DATA_READ audit event.',
  })
  @ApiHeader(ACTING_USER_HEADER)
  @ApiOkResponse({ type: EsrMappingListDto })
  async list(
    @Param() params: PortalUserParamsDto,
    @ActingUser() actor: string,
    @ApiKeyId() apiKeyId: string,
    @RequestId() requestId: string,
    @CallerVpdScope() scope: VpdScope,
  ): Promise<EsrMappingListDto> {
    const rows = scope.filter(await this.mappings.list(params.portalUserId), (row) => row.vpd);
    const route = 'GET /v1/users/{portalUserId}/esr-mappings';
    await this.reads.record({ actor, apiKeyId, requestId, route, rows: rows.length, subjectUserId: params.portalUserId });
    return { portalUserId: params.portalUserId, items: rows.map(toMappingDto) };
  }

  @Post('users/:portalUserId/esr-mappings')
  @ApiOperation({
    summary: 'Map an ESR record (VPD + employee number) to a portal user ("Manage User" > Save)',
    description:
      'vpd or employeeNumber missing or empty: 422 with the message "Please enter an employee number and vpd". ' +
      `Bad format or an unknown field: 422 naming the field. At most ${MAX_MAPPINGS_PER_USER} mappings per portal user (422 beyond). ` +
      'The record is looked up in ESR first (one call, at most ESR_INTERACTIVE_DEADLINE): unknown in that VPD gives 422 ' +
      'ESR_RECORD_NOT_FOUND and nothing is written; ESR unavailable or slow saves it with verified: false and esrPerson: null ' +
      "(the next sync or an access refresh checks it). The person's role rows are refreshed from ESR at the same time, so " +
      '`access` is right at once (e.g. PENDING_ACTIVATION for a role assigned minutes ago). A VPD ESR does not list or this ' +
      "gateway does not serve: 422 VPD_NOT_SERVED before any ESR call. The look-up counts against the acting user's and the " +
      "key's look-up budgets (429 RATE_LIMITED beyond). Writes a MAPPING_CREATED audit event and, when webhooks are on, an " +
      'access-change event.',
  })
  @ApiHeader(ACTING_USER_HEADER)
  @ApiBody({ type: CreateEsrMappingDto })
  @ApiCreatedResponse({ type: CreatedEsrMappingDto })
  @ApiErrors('ESR_RECORD_NOT_FOUND', 'VPD_NOT_SERVED', 'ESR_USER_ALREADY_MAPPED_IN_VPD')
  @ApiConflictResponse({
    description:
      'MAPPING_EXISTS: this user already has this mapping. ESR_RECORD_MAPPED_TO_OTHER_USER: the record belongs to another portal user. ' +
      'ESR_USER_ALREADY_MAPPED_IN_VPD: this user already has another record in that VPD (named in the message and details).',
    type: ErrorResponseDto,
  })
  async create(
    @Param() params: PortalUserParamsDto,
    @Body(CreateMappingBodyPipe) body: CreateMappingBody,
    @ActingUser() actor: string,
    @ApiKeyId() apiKeyId: string,
    @RequestId() requestId: string,
  ): Promise<CreatedEsrMappingDto> {
    return toCreatedDto(await this.mappings.create(params.portalUserId, body, { actor, apiKeyId, requestId }));
  }

  @Delete('users/:portalUserId/esr-mappings')
  @ApiOperation({
    summary: 'Remove every ESR mapping of a portal account that is being deleted',
    description:
      'Writes a MAPPING_DELETED audit event per mapping. A user with none: 200 { deleted: 0 }. A key restricted to some ' +
      'VPDs removes only the mappings in them.',
  })
  @ApiHeader(ACTING_USER_HEADER)
  @ApiOkResponse({ type: DeletedMappingsDto })
  async deleteAll(
    @Param() params: PortalUserParamsDto,
    @ActingUser() actor: string,
    @ApiKeyId() apiKeyId: string,
    @RequestId() requestId: string,
    @CallerVpdScope() scope: VpdScope,
  ): Promise<DeletedMappingsDto> {
    return this.mappings.deleteAll(params.portalUserId, { actor, apiKeyId, requestId }, scope.list);
  }

  @Delete('users/:portalUserId/esr-mappings/:vpd/:employeeNumber')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove an ESR mapping ("Manage User" > Delete)', description: 'Writes a MAPPING_DELETED audit event.' })
  @ApiHeader(ACTING_USER_HEADER)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse({ description: 'NOT_FOUND: the user has no such mapping', type: ErrorResponseDto })
  async delete(
    @Param() params: MappingParamsDto,
    @ActingUser() actor: string,
    @ApiKeyId() apiKeyId: string,
    @RequestId() requestId: string,
  ): Promise<void> {
    await this.mappings.delete(params.portalUserId, params, { actor, apiKeyId, requestId });
  }

  @Post('esr-mappings/import')
  @HttpCode(200)
  @ApiOperation({
    summary: `Bulk import of ESR mappings (1 to ${MAX_IMPORT_ITEMS} rows)`,
    description:
      'Each row is validated on its own. Rows that fail validation, belong to another portal user, are unknown to ESR ' +
      '(ESR_RECORD_NOT_FOUND) or would take a user past the maximum are reported in `errors` by index and nothing of them is ' +
      'written. Rows identical to an existing mapping (or to another row of the same user) count as `skipped`. Results do not ' +
      'depend on row order, except when rows of different portal users claim the same record (the first wins). Rows whose ' +
      'record holds the role in the synced data need no ESR call; the others are looked up in ESR within ' +
      'ESR_INTERACTIVE_DEADLINE with bounded concurrency, and rows not checked in time are written unverified (counted in ' +
      '`unverified`) and checked in the background. All rows are written in one transaction, each with a MAPPING_CREATED ' +
      'audit event. More than 1,000 rows, or a body that is not { items: [...] }: 422 and nothing is written. This route ' +
      'accepts bodies up to 1 MiB.',
  })
  @ApiHeader(ACTING_USER_HEADER)
  @VpdsOfRequest(importVpds)
  @ApiOkResponse({ type: ImportEsrMappingsResultDto })
  @ApiPayloadTooLargeResponse({
    description: `PAYLOAD_TOO_LARGE: the body is over ${IMPORT_BODY_LIMIT_BYTES / 1024 / 1024} MiB`,
    type: ErrorResponseDto,
  })
  async import(
    @Body() body: ImportEsrMappingsDto,
    @ActingUser() actor: string,
    @ApiKeyId() apiKeyId: string,
    @RequestId() requestId: string,
  ): Promise<ImportEsrMappingsResultDto> {
    return this.importer.import(body.items, { actor, apiKeyId, requestId });
  }
}
