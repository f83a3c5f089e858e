import { Body, Controller, Header, HttpCode, Post } from '@nestjs/common';
import {
  ApiBody,
  ApiExtraModels,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiGatewayTimeoutResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { ActingUser, ApiKeyId, RequestId, RequireScope } from '../common/auth/auth.decorators';
import { ErrorResponseDto } from '../common/errors/error-response';
import { CREDENTIAL_SEARCH_BODY_SCHEMA, CREDENTIAL_SEARCH_EXAMPLES, CredentialSearchRequestDto } from './dto/credential-search-request.dto';
import { CredentialSearchResponseDto } from './dto/credential-search-response.dto';
import { SearchesService } from './searches.service';

const NO_STORE = {
  'Cache-Control': { description: 'Always no-store: the answer holds personal data', schema: { type: 'string', example: 'no-store' } },
};
const RETRY_AFTER = { ...NO_STORE, 'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer' } } };

@ApiTags('credential-searches')
@ApiBearerAuth()
@RequireScope('portal')
@Controller({ path: 'v1/credential-searches' })
export class SearchesController {
  constructor(private readonly searches: SearchesService) {}

  @Post()
  @HttpCode(200)
  @ApiExtraModels(CredentialSearchRequestDto)
  @ApiBody({ schema: CREDENTIAL_SEARCH_BODY_SCHEMA, examples: CREDENTIAL_SEARCH_EXAMPLES })
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Search ESR: find a person in one VPD and, with exactly one match, return their credentials from ESR',
    description:
      'Body: `vpd` plus exactly one of `{ employeeNumber }`, `{ assignmentNumber }` or `{ lastName, dateOfBirth, niNumber }`. ' +
      "The acting user's access must be ACTIVE in that VPD. With exactly one match the answer carries `credentials` mapped " +
      "from ESR's record; with several, only the list to choose from. At most SEARCH_RATE_LIMIT_PER_MINUTE searches a minute " +
      'per acting user. Every search, allowed or refused, is audited with the kind of criteria and a keyed hash of them.',
  })
  @ApiHeader({ name: 'X-Acting-User', required: true, description: 'The HR user searching (portal user id); recorded in the audit' })
  @ApiOkResponse({ type: CredentialSearchResponseDto, headers: NO_STORE })
  @ApiUnauthorizedResponse({ description: 'UNAUTHENTICATED: missing or unknown API key', type: ErrorResponseDto, headers: NO_STORE })
  @ApiForbiddenResponse({
    description:
      "FORBIDDEN: the API key lacks the 'portal' scope, or is restricted to other VPDs; or ESR_ACCESS_NOT_ACTIVE: the acting user's access is not ACTIVE in " +
      'that VPD (message: the same reason sentence as the access endpoint)',
    type: ErrorResponseDto,
    headers: NO_STORE,
  })
  @ApiPayloadTooLargeResponse({ description: 'PAYLOAD_TOO_LARGE: the body is over 64 KiB', type: ErrorResponseDto })
  @ApiUnprocessableEntityResponse({
    description:
      'VALIDATION_FAILED: X-Acting-User missing or malformed, a field in the wrong format, an unknown field, no criteria, ' +
      'two kinds of criteria, or only part of lastName/dateOfBirth/niNumber (details name each problem)',
    type: ErrorResponseDto,
    headers: NO_STORE,
  })
  @ApiTooManyRequestsResponse({
    description: 'RATE_LIMITED: too many searches this minute by this acting user',
    type: ErrorResponseDto,
    headers: RETRY_AFTER,
  })
  @ApiServiceUnavailableResponse({
    description: 'ESR_UNAVAILABLE: ESR is down, throttling or failing (also while the circuit breaker is open); or DEPENDENCY_UNAVAILABLE',
    type: ErrorResponseDto,
    headers: RETRY_AFTER,
  })
  @ApiGatewayTimeoutResponse({ description: 'ESR_TIMEOUT: ESR did not answer in time', type: ErrorResponseDto, headers: NO_STORE })
  search(
    @Body() body: CredentialSearchRequestDto,
    @ActingUser() actingUser: string,
    @ApiKeyId() apiKeyId: string,
    @RequestId() requestId: string,
  ): Promise<CredentialSearchResponseDto> {
    return this.searches.search({ body, actingUser, apiKeyId, requestId });
  }
}
