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
import { ApiErrors } from '../common/errors/api-errors';
import type { FastifyReply } from 'fastify';
import { ActingUser, ApiKeyId, RequestId, RequireScope } from '../common/auth/auth.decorators';
import { ErrorResponseDto } from '../common/errors/error-response';
import { reviewCsv } from './access-review-rows';
import { AccessReviewService } from './access-review.service';
import { ACCESS_REVIEW_DEFAULT_LIMIT, AccessReviewPageDto, AccessReviewParamsDto, AccessReviewQueryDto } from './dto/access-review.dto';
import { sendAsCsv, wantsCsv } from '../common/http/csv-answers';

/** Access reviews for information governance (gateway-api.md, "Reconciliation"). */
@ApiTags('reconciliation')
@ApiBearerAuth()
@RequireScope('ops')
@ApiUnauthorizedResponse({ description: 'UNAUTHENTICATED: missing or unknown API key', type: ErrorResponseDto })
@ApiForbiddenResponse({ description: "FORBIDDEN: the API key lacks the 'ops' scope", type: ErrorResponseDto })
@ApiUnprocessableEntityResponse({
  description: 'VALIDATION_FAILED: vpd, cursor or limit is not valid, or X-Acting-User is missing or not valid',
  type: ErrorResponseDto,
})
@Controller({ path: 'v1' })
export class AccessReviewController {
  constructor(private readonly reviews: AccessReviewService) {}

  @Get('vpds/:vpd/access-review')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Who can use Search ESR in a VPD: every mapping with its state, for access reviews (audited)',
    description:
      'Every mapping of the VPD with its state and since when (as the access endpoint judges it), who created it and when, ' +
      'and when ESR last confirmed the record. Served from the database and the synced role data (no ESR calls). JSON is ' +
      'paged (opaque cursor); with Accept: text/csv every row as CSV with a header line. Each request is audited as ' +
      'ACCESS_REVIEW_EXPORTED with the acting user, the format and the number of rows.',
  })
  @ApiHeader({ name: 'X-Acting-User', required: true, description: 'The person reviewing, as a portal user id (audited)' })
  @ApiOkResponse({
    description: 'A page of rows (application/json), or with Accept: text/csv every row as CSV (a header line, then one line per row)',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(AccessReviewPageDto) } },
      'text/csv': {
        schema: {
          type: 'string',
          description: 'RFC 4180 CSV: vpd,portalUserId,employeeNumber,displayName,state,since,createdBy,createdAt,lastVerifiedAt',
        },
        example:
          'vpd,portalUserId,employeeNumber,displayName,state,since,createdBy,createdAt,lastVerifiedAt\r\n' +
          '979,hiran.mistry@trust.nhs.uk,30581377,Mr Hiran Mistry,ACTIVE,2026-11-26T10:12:00.000Z,lsa.two@trust.nhs.uk,2026-11-25T10:20:00.000Z,2026-11-25T10:20:00.000Z\r\n',
      },
    },
  })
  @ApiExtraModels(AccessReviewPageDto)
  @ApiErrors('VPD_NOT_SERVED', 'DEPENDENCY_UNAVAILABLE')
  async get(
    @Param() params: AccessReviewParamsDto,
    @Query() query: AccessReviewQueryDto,
    @Headers('accept') accept: string | undefined,
    @ActingUser() actingUser: string,
    @ApiKeyId() apiKeyId: string,
    @RequestId() requestId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AccessReviewPageDto | string> {
    const by = { actingUser, apiKeyId, requestId };
    if (!wantsCsv(accept))
      return this.reviews.page(params.vpd, { cursor: query.cursor, limit: query.limit ?? ACCESS_REVIEW_DEFAULT_LIMIT }, by);
    const review = await this.reviews.all(params.vpd, by);
    sendAsCsv(reply, `access-review-${params.vpd}.csv`);
    return reviewCsv(review.vpd, review.items);
  }
}
