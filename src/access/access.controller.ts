import { Body, Controller, Get, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiGatewayTimeoutResponse,
  ApiHeader,
  ApiNotModifiedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiKeyId, OptionalActingUser, RequestId, RequireScope } from '../common/auth/auth.decorators';
import { CallerVpdScope } from '../common/auth/vpd-scope.decorators';
import type { VpdScope } from '../common/auth/vpd-scope';
import { Clock } from '../common/clock/clock';
import { ErrorResponseDto } from '../common/errors/error-response';
import { PortalUserParamsDto } from '../mappings/dto/mapping-params.dto';
import { accessInScope } from './access-scope';
import { accessCacheControl, accessEtag, matchesIfNoneMatch } from './access-http';
import { AccessRefreshService } from './access-refresh.service';
import { AccessService } from './access.service';
import type { UserAccess } from '../domain/access.types';
import { AccessBatchRequestDto, AccessBatchResponseDto, UserAccessDto } from './dto/access.dto';

const CACHE_HEADERS_DOC = {
  ETag: { description: 'Weak ETag of the body without asOf', schema: { type: 'string' } },
  'Cache-Control': { description: 'private, max-age at most 60 s and never past nextChangeAt', schema: { type: 'string' } },
};

@ApiTags('esr-access')
@ApiBearerAuth()
@RequireScope('portal')
@ApiUnauthorizedResponse({ description: 'UNAUTHENTICATED: missing or unknown API key', type: ErrorResponseDto })
@ApiForbiddenResponse({ description: "FORBIDDEN: the API key lacks the 'portal' scope", type: ErrorResponseDto })
@ApiUnprocessableEntityResponse({ description: 'VALIDATION_FAILED: a path parameter or body field is not valid', type: ErrorResponseDto })
@ApiServiceUnavailableResponse({
  description: 'DEPENDENCY_UNAVAILABLE: the database or Redis is down',
  type: ErrorResponseDto,
})
@Controller({ path: 'v1' })
export class AccessController {
  constructor(
    private readonly access: AccessService,
    private readonly refresher: AccessRefreshService,
    private readonly clock: Clock,
  ) {}

  @Get('users/:portalUserId/esr-access')
  @ApiOperation({
    summary: 'Is Search ESR switched on for this user, and if not, why',
    description:
      'Answered from the role cache the sync keeps (never calls ESR). Send If-None-Match with a previous ETag to get 304 ' +
      'when nothing but asOf would change. A key restricted to some VPDs sees only the mappings in them.',
  })
  @ApiHeader({
    name: 'If-None-Match',
    required: false,
    description: 'ETag of a previous answer',
    schema: { type: 'string', maxLength: 1024, pattern: '^[\\x20-\\x7e]*$', example: 'W/"q1Zq8d2mK0xY3vT7bN5cR4eW9aL6hJ2s"' },
  })
  @ApiOkResponse({ type: UserAccessDto, headers: CACHE_HEADERS_DOC })
  @ApiNotModifiedResponse({ description: 'The answer is unchanged since that ETag', headers: CACHE_HEADERS_DOC })
  async get(
    @Param() params: PortalUserParamsDto,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @CallerVpdScope() scope: VpdScope,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<UserAccessDto | undefined> {
    const access = accessInScope(await this.access.resolve(params.portalUserId), scope);
    const etag = this.setCacheHeaders(reply, access, [access]);
    if (matchesIfNoneMatch(ifNoneMatch, etag)) {
      void reply.status(304);
      return undefined;
    }
    return access;
  }

  @Post('users/:portalUserId/esr-access/refresh')
  @HttpCode(200)
  @ApiOperation({
    summary: "Fetch this user's mapped ESR records now, then answer the access object",
    description:
      'For an LSA confirming a newly assigned role without waiting for the next sync: the records are fetched from ESR ' +
      '(employee number filter) and the cache is updated as a sync would (same window rules and fencing).',
  })
  @ApiOkResponse({ type: UserAccessDto, headers: CACHE_HEADERS_DOC })
  @ApiServiceUnavailableResponse({ description: 'ESR_UNAVAILABLE (with Retry-After) or DEPENDENCY_UNAVAILABLE', type: ErrorResponseDto })
  @ApiGatewayTimeoutResponse({ description: 'ESR_TIMEOUT: ESR did not answer in time', type: ErrorResponseDto })
  @ApiTooManyRequestsResponse({
    description: 'RATE_LIMITED: too many refreshes for this user this minute (Retry-After)',
    type: ErrorResponseDto,
  })
  async refresh(
    @Param() params: PortalUserParamsDto,
    @OptionalActingUser() actingUser: string | undefined,
    @ApiKeyId() apiKeyId: string,
    @RequestId() requestId: string,
    @CallerVpdScope() scope: VpdScope,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<UserAccessDto> {
    const access = accessInScope(await this.refresher.refresh(params.portalUserId, { actingUser, apiKeyId, requestId }), scope);
    this.setCacheHeaders(reply, access, [access]);
    return access;
  }

  @Post('esr-access/batch')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Access of up to 100 portal users at once',
    description: 'One access object per id, in the order asked. A key restricted to some VPDs sees only the mappings in them.',
  })
  @ApiOkResponse({ type: AccessBatchResponseDto, headers: CACHE_HEADERS_DOC })
  async batch(
    @Body() body: AccessBatchRequestDto,
    @CallerVpdScope() scope: VpdScope,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AccessBatchResponseDto> {
    const items = (await this.access.resolveMany(body.portalUserIds)).map((access) => accessInScope(access, scope));
    const response = { items };
    this.setCacheHeaders(reply, response, items);
    return response;
  }

  private setCacheHeaders(reply: FastifyReply, body: UserAccess | { items: UserAccess[] }, items: UserAccess[]): string {
    const etag = accessEtag(body);
    const now = this.clock.nowMs();
    const until = items.map((a) => this.access.validUntil(a)).filter((t): t is number => t !== null);
    void reply.header('ETag', etag);
    void reply.header('Cache-Control', accessCacheControl(until.length ? Math.min(...until) : null, now));
    return etag;
  }
}
