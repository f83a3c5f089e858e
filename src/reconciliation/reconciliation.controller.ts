import { Controller, Get, Header, Headers, Param, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtraModels,
  ApiForbiddenResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ActingUser, ApiKeyId, RequestId, RequireScope } from '../common/auth/auth.decorators';
import { PersonalDataReads } from '../audit/personal-data-reads';
import { ErrorResponseDto } from '../common/errors/error-response';
import { RECONCILIATION_DEFAULT_LIMIT, ReconciliationPageDto, ReconciliationQueryDto, VpdParamsDto } from './dto/reconciliation.dto';
import { toCsv } from './reconciliation-rows';
import { ReconciliationService } from './reconciliation.service';
import { ApiErrors } from '../common/errors/api-errors';
import { sendAsCsv, wantsCsv } from '../common/http/csv-answers';

@ApiTags('reconciliation')
@ApiBearerAuth()
@RequireScope('portal', 'ops')
@ApiUnauthorizedResponse({ description: 'UNAUTHENTICATED: missing or unknown API key', type: ErrorResponseDto })
@ApiForbiddenResponse({
  description: "FORBIDDEN: the API key has neither the 'portal' nor the 'ops' scope, or is restricted to other VPDs",
  type: ErrorResponseDto,
})
@ApiUnprocessableEntityResponse({
  description:
    'VALIDATION_FAILED: vpd, kind, cursor or limit is not valid. VPD_NOT_SERVED: ESR does not list the VPD or this gateway does not serve it',
  type: ErrorResponseDto,
})
@Controller({ path: 'v1' })
export class ReconciliationController {
  constructor(
    private readonly reconciliation: ReconciliationService,
    private readonly reads: PersonalDataReads,
  ) {}

  @Get('vpds/:vpd/reconciliation')
  @ApiErrors('DEPENDENCY_UNAVAILABLE')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: "A VPD's reconciliation: role holders without a portal mapping, and mappings that do not give access",
    description:
      'Served from the synced role data and the database (no ESR calls). JSON is paged (opaque cursor); with ' +
      "Accept: text/csv the answer is every row (all pages) as CSV with a header line, for the LSA's spreadsheet. " +
      'Personal data (names, portal ids): needs X-Acting-User and writes one PERSONAL_DATA_READ audit event per request.',
  })
  @ApiHeader({ name: 'X-Acting-User', required: true, description: 'The person reading (portal user id); recorded in the audit' })
  @ApiOkResponse({
    description: 'A page of rows (application/json), or with Accept: text/csv every row as CSV (a header line, then one line per row)',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(ReconciliationPageDto) } },
      'text/csv': {
        schema: { type: 'string', description: 'RFC 4180 CSV: kind,vpd,employeeNumber,portalUserId,displayName,effectiveFrom,reason' },
        example:
          'kind,vpd,employeeNumber,portalUserId,displayName,effectiveFrom,reason\r\nUNMAPPED_HOLDER,979,30581377,,Mr Jordan Ashworth,2026-11-25T10:12:00.000Z,"Employee number 30581377 holds the role Digital Passport Administrator in ESR (in effect since 26 Nov 2026 at 10:12, UK time) but nobody is mapped to the record in VPD 979."\r\n',
      },
    },
  })
  @ApiExtraModels(ReconciliationPageDto)
  async get(
    @Param() params: VpdParamsDto,
    @Query() query: ReconciliationQueryDto,
    @Headers('accept') accept: string | undefined,
    @ActingUser() actor: string,
    @ApiKeyId() apiKeyId: string,
    @RequestId() requestId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReconciliationPageDto | string> {
    const read = { actor, apiKeyId, requestId, route: 'GET /v1/vpds/{vpd}/reconciliation', vpd: params.vpd };
    const kind = query.kind ?? null;
    if (!wantsCsv(accept)) {
      const page = await this.reconciliation.page(params.vpd, {
        kind: query.kind,
        cursor: query.cursor,
        limit: query.limit ?? RECONCILIATION_DEFAULT_LIMIT,
      });
      await this.reads.record({ ...read, rows: page.items.length, details: { format: 'json', kind } });
      return page;
    }
    const rows = await this.reconciliation.all(params.vpd, query.kind);
    await this.reads.record({ ...read, rows: rows.length, details: { format: 'csv', kind } });
    sendAsCsv(reply, `reconciliation-${params.vpd}.csv`);
    return toCsv(rows);
  }
}
