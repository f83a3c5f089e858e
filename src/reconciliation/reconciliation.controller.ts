import { Controller, Get, Header, Headers, Param, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtraModels,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequireScope } from '../common/auth/auth.decorators';
import { ErrorResponseDto } from '../common/errors/error-response';
import { RECONCILIATION_DEFAULT_LIMIT, ReconciliationPageDto, ReconciliationQueryDto, VpdParamsDto } from './dto/reconciliation.dto';
import { toCsv } from './reconciliation-rows';
import { ReconciliationService } from './reconciliation.service';
import { ApiErrors } from '../common/errors/api-errors';

/** True when the caller asked for CSV (Accept: text/csv). */
const wantsCsv = (accept: string | undefined) => /(^|,)\s*text\/csv\s*(;|,|$)/i.test(accept ?? '');

@ApiTags('reconciliation')
@ApiBearerAuth()
@RequireScope('portal', 'ops')
@ApiUnauthorizedResponse({ description: 'UNAUTHENTICATED: missing or unknown API key', type: ErrorResponseDto })
@ApiForbiddenResponse({ description: "FORBIDDEN: the API key has neither the 'portal' nor the 'ops' scope", type: ErrorResponseDto })
@ApiUnprocessableEntityResponse({ description: 'VALIDATION_FAILED: vpd, kind, cursor or limit is not valid', type: ErrorResponseDto })
@Controller({ path: 'v1' })
export class ReconciliationController {
  constructor(private readonly reconciliation: ReconciliationService) {}

  @Get('vpds/:vpd/reconciliation')
  @ApiErrors('DEPENDENCY_UNAVAILABLE')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: "A VPD's reconciliation: role holders without a portal mapping, and mappings that do not give access",
    description:
      'Served from the synced role data and the database (no ESR calls). JSON is paged (opaque cursor); with ' +
      "Accept: text/csv the answer is every row (all pages) as CSV with a header line, for the LSA's spreadsheet.",
  })
  @ApiOkResponse({
    description: 'A page of rows (application/json), or with Accept: text/csv every row as CSV (a header line, then one line per row)',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(ReconciliationPageDto) } },
      'text/csv': {
        schema: { type: 'string', description: 'RFC 4180 CSV: kind,vpd,employeeNumber,portalUserId,displayName,effectiveFrom,reason' },
        example:
          'kind,vpd,employeeNumber,portalUserId,displayName,effectiveFrom,reason\r\nUNMAPPED_HOLDER,979,30581377,,Ashworth Jane,,\r\n',
      },
    },
  })
  @ApiExtraModels(ReconciliationPageDto)
  @ApiNotFoundResponse({ description: 'NOT_FOUND: the gateway does not serve this VPD', type: ErrorResponseDto })
  async get(
    @Param() params: VpdParamsDto,
    @Query() query: ReconciliationQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReconciliationPageDto | string> {
    if (!wantsCsv(accept)) {
      return this.reconciliation.page(params.vpd, {
        kind: query.kind,
        cursor: query.cursor,
        limit: query.limit ?? RECONCILIATION_DEFAULT_LIMIT,
      });
    }
    void reply.header('Content-Type', 'text/csv; charset=utf-8');
    void reply.header('Content-Disposition', `attachment; filename="reconciliation-${params.vpd}.csv"`);
    return toCsv(await this.reconciliation.all(params.vpd, query.kind));
  }
}
