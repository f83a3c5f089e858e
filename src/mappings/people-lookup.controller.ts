import { Controller, Get, Header, Param } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiGatewayTimeoutResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { ActingUser, ApiKeyId, RequestId, RequireScope } from '../common/auth/auth.decorators';
import { ErrorResponseDto } from '../common/errors/error-response';
import { PersonLookupDto, PersonLookupParamsDto } from './dto/person-lookup.dto';
import { PeopleLookupService } from './people-lookup.service';

@ApiTags('esr-mappings')
@ApiBearerAuth()
@RequireScope('portal')
@Controller({ path: 'v1' })
export class PeopleLookupController {
  constructor(private readonly lookups: PeopleLookupService) {}

  @Get('vpds/:vpd/people/:employeeNumber')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Look an ESR record up before mapping it ("Manage User" > Check)',
    description:
      'The name ESR holds, whether the record is active, whether it holds the role and from when (the synced role data), and ' +
      'which portal user it is mapped to, if any. At most one ESR call, within ESR_INTERACTIVE_DEADLINE. Every look-up, found ' +
      "or not, is audited as ESR_RECORD_LOOKUP and counted against the acting user's (LOOKUP_RATE_LIMIT_PER_MINUTE) and the " +
      "API key's (LOOKUP_KEY_RATE_LIMIT_PER_MINUTE) look-up budgets, which saving and importing share.",
  })
  @ApiHeader({ name: 'X-Acting-User', required: true, description: 'Portal user on whose behalf the look-up is made (the LSA); audited' })
  @ApiOkResponse({ type: PersonLookupDto })
  @ApiUnauthorizedResponse({ description: 'UNAUTHENTICATED: missing or unknown API key', type: ErrorResponseDto })
  @ApiForbiddenResponse({ description: "FORBIDDEN: the API key lacks the 'portal' scope", type: ErrorResponseDto })
  @ApiUnprocessableEntityResponse({
    description:
      'VALIDATION_FAILED: vpd, employee number or X-Acting-User not valid. ESR_RECORD_NOT_FOUND: ESR has no such record in ' +
      'that VPD. VPD_NOT_SERVED: ESR does not list the VPD or this gateway does not serve it (no ESR call made).',
    type: ErrorResponseDto,
  })
  @ApiTooManyRequestsResponse({ description: 'RATE_LIMITED: the look-up budget is used up (Retry-After)', type: ErrorResponseDto })
  @ApiServiceUnavailableResponse({ description: 'ESR_UNAVAILABLE (Retry-After) or DEPENDENCY_UNAVAILABLE', type: ErrorResponseDto })
  @ApiGatewayTimeoutResponse({ description: 'ESR_TIMEOUT: ESR did not answer within the deadline', type: ErrorResponseDto })
  async get(
    @Param() params: PersonLookupParamsDto,
    @ActingUser() actor: string,
    @ApiKeyId() apiKeyId: string,
    @RequestId() requestId: string,
  ): Promise<PersonLookupDto> {
    return this.lookups.lookUp({ vpd: params.vpd, employeeNumber: params.employeeNumber }, { actor, apiKeyId, requestId });
  }
}
