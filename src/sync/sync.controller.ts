import { Body, Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
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
import { ActingUser, ApiKeyId, RequestId, RequireScope } from '../common/auth/auth.decorators';
import { CallerVpdScope } from '../common/auth/vpd-scope.decorators';
import type { VpdScope } from '../common/auth/vpd-scope';
import { ErrorResponseDto } from '../common/errors/error-response';
import { CreateSyncRunDto, SyncRunParamsDto, SyncVpdParamsDto } from './dto/sync-requests.dto';
import { HeldRemovalsDecisionDto, SyncDryRunDto, SyncRunAcceptedDto, SyncRunDto, SyncStatusDto } from './dto/sync-responses.dto';
import { DryRunService } from './dry-run';
import { HeldRemovalsService } from './held-removals';
import { RunCoordinator } from './run-coordinator';
import { SyncStatusService } from './sync-status.service';

const ACTING_USER_HEADER = {
  name: 'X-Acting-User',
  required: true,
  description: 'The person deciding, as a portal user id: recorded in the audit as the actor, beside the API key id',
};

/** Ops control of the role sync (gateway-api.md, "Sync"). */
@ApiTags('sync')
@ApiBearerAuth()
@RequireScope('ops')
@ApiUnauthorizedResponse({ description: 'UNAUTHENTICATED: missing or unknown API key', type: ErrorResponseDto })
@ApiForbiddenResponse({
  description: "FORBIDDEN: the API key lacks the 'ops' scope, or is restricted to other VPDs than the one named (or the run's)",
  type: ErrorResponseDto,
})
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
      'Per served VPD: state, last attempt and success, counts, last run, live progress and held removals; and the lease holder. A key restricted to some VPDs sees only those VPDs.',
  })
  @ApiOkResponse({ type: SyncStatusDto })
  async status(@CallerVpdScope() scope: VpdScope): Promise<SyncStatusDto> {
    const status = await this.syncStatus.status();
    return scope.restricted ? { ...status, vpds: scope.filter(status.vpds, (v) => v.vpd) } : status;
  }

  @Post('runs')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Start a sync run (one VPD or all), or list what it would change',
    description:
      'Answers 202 with the run id at once; the run waits for a run in progress to finish (up to a minute, else it is ' +
      'skipped) and goes on in the background. With dryRun: 200 with what it would add, update and remove; nothing is written. ' +
      'The `kind` field (accepted or dryRun) tells the two answers apart. A key restricted to some VPDs must name one of them (403 FORBIDDEN otherwise).',
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
    @CallerVpdScope() scope: VpdScope,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SyncRunAcceptedDto | SyncDryRunDto> {
    if (!body.vpd) scope.requireAll('A run without a vpd syncs every VPD');
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
  async getRun(@Param() params: SyncRunParamsDto, @CallerVpdScope() scope: VpdScope): Promise<SyncRunDto> {
    const run = await this.runs.getRun(params.runId);
    if (!scope.restricted) return run;
    if (run.vpd) scope.check([run.vpd]);
    return { ...run, vpds: scope.filter(run.vpds, (v) => v.vpd) };
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
  @ApiUnprocessableEntityResponse({
    description: 'VALIDATION_FAILED: vpd is not valid, or X-Acting-User is missing or not valid',
    type: ErrorResponseDto,
  })
  approve(
    @Param() params: SyncVpdParamsDto,
    @ActingUser() actingUser: string,
    @ApiKeyId() apiKeyId: string,
    @RequestId() requestId: string,
  ): Promise<HeldRemovalsDecisionDto> {
    return this.held.approve(params.vpd, { actingUser, apiKeyId, requestId });
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
  @ApiUnprocessableEntityResponse({
    description: 'VALIDATION_FAILED: vpd is not valid, or X-Acting-User is missing or not valid',
    type: ErrorResponseDto,
  })
  reject(
    @Param() params: SyncVpdParamsDto,
    @ActingUser() actingUser: string,
    @ApiKeyId() apiKeyId: string,
    @RequestId() requestId: string,
  ): Promise<HeldRemovalsDecisionDto> {
    return this.held.reject(params.vpd, { actingUser, apiKeyId, requestId });
  }
}
