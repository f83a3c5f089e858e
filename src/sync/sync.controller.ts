import { Body, Controller, Get, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiExtraModels,
  ApiForbiddenResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiKeyId, RequestId, RequireScope } from '../common/auth/auth.decorators';
import { PORTAL_USER_ID } from '../domain/identifiers';
import { ValidationFailedError } from '../common/errors/domain-error';
import { ErrorResponseDto } from '../common/errors/error-response';
import { CreateSyncRunDto, SyncRunParamsDto, SyncVpdParamsDto } from './dto/sync-requests.dto';
import { HeldRemovalsDecisionDto, SyncDryRunDto, SyncRunAcceptedDto, SyncRunDto, SyncStatusDto } from './dto/sync-responses.dto';
import { DryRunService } from './dry-run';
import { HeldRemovalsService } from './held-removals';
import { RunCoordinator } from './run-coordinator';
import { SyncStatusService } from './sync-status.service';
import { DecisionActor } from './sync.types';

const ACTING_USER_HEADER = {
  name: 'X-Acting-User',
  required: false,
  description: 'The person deciding (recorded in the audit); the API key id is recorded when absent',
};

/** Ops control of the role sync (gateway-api.md, "Sync"). */
@ApiTags('sync')
@ApiBearerAuth()
@RequireScope('ops')
@ApiUnauthorizedResponse({ description: 'UNAUTHENTICATED: missing or unknown API key', type: ErrorResponseDto })
@ApiForbiddenResponse({ description: "FORBIDDEN: the API key lacks the 'ops' scope", type: ErrorResponseDto })
@ApiServiceUnavailableResponse({ description: 'DEPENDENCY_UNAVAILABLE: Redis or the database is down', type: ErrorResponseDto })
@Controller({ path: 'v1/sync' })
export class SyncController {
  constructor(
    private readonly runs: RunCoordinator,
    private readonly dryRuns: DryRunService,
    private readonly syncStatus: SyncStatusService,
    private readonly held: HeldRemovalsService,
  ) {}

  @Get('status')
  @ApiOperation({
    summary: 'Sync state per VPD and the replica syncing now',
    description:
      'Per served VPD: state, last attempt and success, counts, last run, live progress and held removals; and the lease holder.',
  })
  @ApiOkResponse({ type: SyncStatusDto })
  status(): Promise<SyncStatusDto> {
    return this.syncStatus.status();
  }

  @Post('runs')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Start a sync run (one VPD or all), or list what it would change',
    description:
      'Answers 202 with the run id at once; the run waits for a run in progress to finish (up to a minute, else it is ' +
      'skipped) and goes on in the background. With dryRun: 200 with what it would add, update and remove; nothing is written. ' +
      'The `kind` field (accepted or dryRun) tells the two answers apart.',
  })
  @ApiExtraModels(SyncRunAcceptedDto, SyncDryRunDto)
  @ApiAcceptedResponse({ type: SyncRunAcceptedDto, description: 'The run was started' })
  @ApiOkResponse({ schema: { $ref: getSchemaPath(SyncDryRunDto) }, description: 'dryRun: what the run would change' })
  @ApiUnprocessableEntityResponse({
    description: 'VALIDATION_FAILED: a body field is not valid, or the VPD is not served',
    type: ErrorResponseDto,
  })
  @ApiServiceUnavailableResponse({ description: 'ESR_UNAVAILABLE (dry run) or DEPENDENCY_UNAVAILABLE', type: ErrorResponseDto })
  async createRun(
    @Body() body: CreateSyncRunDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SyncRunAcceptedDto | SyncDryRunDto> {
    if (body.dryRun) {
      void reply.status(200);
      return { kind: 'dryRun', ...(await this.dryRuns.dryRun({ mode: body.mode, vpd: body.vpd })) };
    }
    return { kind: 'accepted', ...(await this.runs.startRun({ mode: body.mode, vpd: body.vpd, trigger: 'api' })) };
  }

  @Get('runs/:runId')
  @ApiOperation({
    summary: "A run's state, progress and result (kept for 24 hours; any replica answers)",
    description: 'Poll this with the runId a 202 from POST /v1/sync/runs gave until status is succeeded or failed.',
  })
  @ApiOkResponse({ type: SyncRunDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND: no such run (or it is older than 24 hours)', type: ErrorResponseDto })
  @ApiUnprocessableEntityResponse({ description: 'VALIDATION_FAILED: runId is not a run id', type: ErrorResponseDto })
  getRun(@Param() params: SyncRunParamsDto): Promise<SyncRunDto> {
    return this.runs.getRun(params.runId);
  }

  @Post('vpds/:vpd/held-removals/approve')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Apply the removals the removal guard held for a VPD (audited)',
    description: 'The held role removals are applied now; refused with 409 while a sync run is in progress.',
  })
  @ApiHeader(ACTING_USER_HEADER)
  @ApiOkResponse({ type: HeldRemovalsDecisionDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND: the VPD has no held removals', type: ErrorResponseDto })
  @ApiConflictResponse({ description: 'CONFLICT: a sync run is in progress; try again when it has finished', type: ErrorResponseDto })
  @ApiUnprocessableEntityResponse({ description: 'VALIDATION_FAILED: vpd or X-Acting-User is not valid', type: ErrorResponseDto })
  approve(
    @Param() params: SyncVpdParamsDto,
    @Headers('x-acting-user') actingUser: string | undefined,
    @ApiKeyId() apiKeyId: string,
    @RequestId() requestId: string,
  ): Promise<HeldRemovalsDecisionDto> {
    return this.held.approve(params.vpd, actor(actingUser, apiKeyId, requestId));
  }

  @Post('vpds/:vpd/held-removals/reject')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Discard the removals the removal guard held for a VPD; the rows stay (audited)',
    description: 'The held role removals are dropped and the rows kept; refused with 409 while a sync run is in progress.',
  })
  @ApiHeader(ACTING_USER_HEADER)
  @ApiOkResponse({ type: HeldRemovalsDecisionDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND: the VPD has no held removals', type: ErrorResponseDto })
  @ApiConflictResponse({ description: 'CONFLICT: a sync run is in progress; try again when it has finished', type: ErrorResponseDto })
  @ApiUnprocessableEntityResponse({ description: 'VALIDATION_FAILED: vpd or X-Acting-User is not valid', type: ErrorResponseDto })
  reject(
    @Param() params: SyncVpdParamsDto,
    @Headers('x-acting-user') actingUser: string | undefined,
    @ApiKeyId() apiKeyId: string,
    @RequestId() requestId: string,
  ): Promise<HeldRemovalsDecisionDto> {
    return this.held.reject(params.vpd, actor(actingUser, apiKeyId, requestId));
  }
}

/** X-Acting-User is optional here, but must be well-formed when sent. */
function actor(actingUser: string | undefined, apiKeyId: string, requestId: string): DecisionActor {
  if (actingUser !== undefined && !PORTAL_USER_ID.test(actingUser)) {
    throw new ValidationFailedError('The X-Acting-User header must be 1-128 characters of A-Z a-z 0-9 . _ @ -.', [
      { field: 'X-Acting-User', message: 'X-Acting-User must be 1-128 characters of A-Z a-z 0-9 . _ @ -' },
    ]);
  }
  return { ...(actingUser ? { actingUser } : {}), apiKeyId, requestId };
}
