import { Injectable, Logger } from '@nestjs/common';
import { EsrAccessNotActiveError } from '../access/access.errors';
import { AccessService } from '../access/access.service';
import type { AuditEventType } from '../database/audit-event.entity';
import { AuditService, type NewAuditEvent } from '../audit/audit.service';
import { Clock } from '../common/clock/clock';
import { DomainError } from '../common/errors/domain-error';
import { AuditSettings } from '../config/settings/audit.settings';
import { EsrClient } from '../esr/esr.client';
import type { EsrDeadline } from '../esr/esr.deadline';
import { EsrNotFoundError, EsrUnavailableError } from '../esr/esr.errors';
import type { EsrPerson, EsrPersonSummary } from '../esr/esr.types';
import { toCredentials, toPersonMatch } from './credential-mapper';
import type { CredentialSearchRequestDto } from './dto/credential-search-request.dto';
import type { CredentialSearchResponseDto, CredentialsDto } from './dto/credential-search-response.dto';
import { SearchCriteria, criteriaHash, resolveCriteria, toPeopleCriteria } from './search-criteria';
import { SearchRateLimitedError, SearchRateLimiter } from './search-rate-limiter';
import { SearchesMetrics, SearchOutcome } from './searches.metrics';

export interface SearchRequest {
  body: CredentialSearchRequestDto;
  /** X-Acting-User: the HR user searching. */
  actingUser: string;
  apiKeyId: string;
  requestId: string;
}

interface SearchContext {
  request: SearchRequest;
  vpd: string;
  criteria: SearchCriteria;
  hash: string;
  /** ESR's matches, once known. */
  matches?: EsrPersonSummary[];
  /** ESR_INTERACTIVE_DEADLINE for all the ESR calls of this search together. */
  deadline?: EsrDeadline;
}

/**
 * "Search ESR": criteria checked → per-user rate limit → access (ACTIVE in that VPD) → ESR → with
 * exactly one match, the person's record mapped to credentials. ESR budget: by employee number one
 * call (the person's record; 404 is no match); by assignment number or personal details the people
 * search, plus the record when there is exactly one match. All of a search's ESR calls go in the
 * interactive lane under one ESR_INTERACTIVE_DEADLINE, retries included. Every search that gets
 * past the format checks is audited (allowed, refused or failed) with the kind of criteria and their
 * keyed hash, never the criteria themselves. Nothing personal is logged: log lines carry the VPD,
 * outcome, kind of criteria and match count (the request id comes with the request's logger).
 */
@Injectable()
export class SearchesService {
  private readonly logger = new Logger(SearchesService.name);

  constructor(
    private readonly access: AccessService,
    private readonly esr: EsrClient,
    private readonly audit: AuditService,
    private readonly rateLimiter: SearchRateLimiter,
    private readonly auditSettings: AuditSettings,
    private readonly clock: Clock,
    private readonly metrics: SearchesMetrics,
  ) {}

  async search(request: SearchRequest): Promise<CredentialSearchResponseDto> {
    // 1. Formats and the one-kind rule: VALIDATION_FAILED before anything else (not audited: no search happened).
    const criteria = resolveCriteria(request.body, this.clock.nowMs());
    const ctx: SearchContext = { request, vpd: request.body.vpd, criteria, hash: criteriaHash(criteria, this.auditSettings.hmacSecret) };
    this.logger.debug({ vpd: ctx.vpd, criteriaKind: criteria.kind }, 'Credential search started');

    let credentials: CredentialsDto | undefined;
    try {
      // 2. Counted before anything costly, refused or not.
      await this.rateLimiter.consume(request.actingUser, request.apiKeyId);

      // 3. The acting user must be ACTIVE in this VPD.
      const decision = await this.access.authorise(request.actingUser, ctx.vpd);
      if (!decision.allowed) throw new EsrAccessNotActiveError(decision);

      // 4. ESR, within one deadline for the whole search.
      ctx.deadline = this.esr.interactiveDeadline();
      if (criteria.kind === 'employeeNumber') {
        const person = await this.personByEmployeeNumber(ctx, criteria.employeeNumber);
        ctx.matches = person ? [summaryOf(person)] : [];
        if (person) credentials = this.toCredentials(ctx, person);
      } else {
        ctx.matches = await this.searchPeople(ctx);
        if (ctx.matches.length === 1) credentials = await this.credentialsOf(ctx, ctx.matches[0]);
      }
    } catch (error) {
      await this.recordFailure(ctx, error);
      throw error;
    }

    const matches = ctx.matches ?? [];
    const outcome: SearchOutcome = matches.length === 0 ? 'NO_MATCH' : matches.length === 1 ? 'MATCHED_ONE' : 'MATCHED_MANY';
    // Audited before anything is returned: if the audit cannot be written, nothing is disclosed.
    try {
      await this.record(ctx, 'CREDENTIAL_SEARCH', outcome, { disclosed: true });
    } catch (error) {
      this.finish(ctx, 'ERROR');
      throw error;
    }
    this.finish(ctx, outcome);
    const response: CredentialSearchResponseDto = { matches: matches.map(toPersonMatch) };
    if (credentials) response.credentials = credentials;
    return response;
  }

  /**
   * An employee number names at most one person in a VPD, and ESR's record of them carries everything
   * a match and the credentials need: one call. ESR's 404 means nobody has that number (the VPD is
   * known to ESR: the acting user's access there came from ESR's own listing).
   */
  private async personByEmployeeNumber(ctx: SearchContext, employeeNumber: string): Promise<EsrPerson | undefined> {
    try {
      return await this.esr.getPerson(ctx.vpd, employeeNumber, { deadline: ctx.deadline });
    } catch (error) {
      if (error instanceof EsrNotFoundError) return undefined;
      throw error;
    }
  }

  private toCredentials(ctx: SearchContext, person: EsrPerson): CredentialsDto {
    return toCredentials(person, { vpd: ctx.vpd, retrievedAt: this.clock.now().toISOString() });
  }

  private async searchPeople(ctx: SearchContext): Promise<EsrPersonSummary[]> {
    try {
      return await this.esr.searchPeople(ctx.vpd, toPeopleCriteria(ctx.criteria), { deadline: ctx.deadline });
    } catch (error) {
      // The user is ACTIVE in this VPD, so it came from ESR: ESR not knowing it is ESR misbehaving.
      if (error instanceof EsrNotFoundError)
        throw new EsrUnavailableError(`ESR did not recognise VPD ${ctx.vpd} for a search; try again shortly.`);
      throw error;
    }
  }

  private async credentialsOf(ctx: SearchContext, match: EsrPersonSummary): Promise<CredentialsDto> {
    try {
      return this.toCredentials(ctx, await this.esr.getPerson(ctx.vpd, match.employeeNumber, { deadline: ctx.deadline }));
    } catch (error) {
      // ESR's search listed the person but its record endpoint says there is none: ESR's data is
      // inconsistent for the moment (records are end-dated, never deleted). Not "no match" (ESR did
      // match), and never 500: ESR_UNAVAILABLE, worth retrying.
      if (error instanceof EsrNotFoundError)
        throw new EsrUnavailableError(
          `ESR matched employee number ${match.employeeNumber} in VPD ${ctx.vpd} but did not return the record; try again shortly.`,
        );
      throw error;
    }
  }

  /** Audits a refused or failed search and counts it; never hides the original error. */
  private async recordFailure(ctx: SearchContext, error: unknown): Promise<void> {
    let type: AuditEventType = 'CREDENTIAL_SEARCH';
    let outcome: SearchOutcome = 'ERROR';
    const extra: Record<string, unknown> = {};
    if (error instanceof SearchRateLimitedError) {
      type = 'CREDENTIAL_SEARCH_REFUSED';
      outcome = 'RATE_LIMITED';
    } else if (error instanceof EsrAccessNotActiveError) {
      type = 'CREDENTIAL_SEARCH_REFUSED';
      outcome = 'ACCESS_NOT_ACTIVE';
      extra.accessState = error.decision.state ?? 'NOT_MAPPED';
      if (error.decision.mapping) extra.actorEmployeeNumber = error.decision.mapping.employeeNumber;
    } else if (error instanceof DomainError && (error.code === 'ESR_UNAVAILABLE' || error.code === 'ESR_TIMEOUT')) {
      outcome = error.code;
      extra.esrError = error.name;
    } else {
      extra.error = error instanceof DomainError ? error.code : 'INTERNAL';
    }
    try {
      await this.record(ctx, type, outcome, { disclosed: false, extra });
    } catch (auditError) {
      // The refusal or failure still goes back to the caller; the missing audit row is reported loudly.
      this.logger.error(
        {
          vpd: ctx.vpd,
          outcome,
          criteriaKind: ctx.criteria.kind,
          auditError: auditError instanceof Error ? auditError.message : String(auditError),
        },
        'Could not write the audit event of a refused or failed credential search',
      );
    }
    this.finish(ctx, outcome);
  }

  private async record(
    ctx: SearchContext,
    type: AuditEventType,
    outcome: SearchOutcome,
    opts: { disclosed: boolean; extra?: Record<string, unknown> },
  ): Promise<void> {
    const matches = ctx.matches;
    const write = (event: NewAuditEvent) =>
      type === 'CREDENTIAL_SEARCH_REFUSED' ? this.audit.recordRefusal(event, this.auditSettings.refusalWindowMs) : this.audit.record(event);
    await write({
      type,
      actor: ctx.request.actingUser,
      apiKeyId: ctx.request.apiKeyId,
      requestId: ctx.request.requestId,
      vpd: ctx.vpd,
      // The one person whose credentials were returned (an identifier, not personal data).
      employeeNumber: opts.disclosed && matches?.length === 1 ? matches[0].employeeNumber : null,
      outcome,
      details: {
        criteriaKind: ctx.criteria.kind,
        criteriaHash: ctx.hash,
        matchCount: matches ? matches.length : null,
        // Whose records were shown (identifiers only), so an auditor can tell whose data was disclosed.
        ...(opts.disclosed && matches && matches.length > 0 ? { matchedEmployeeNumbers: matches.map((m) => m.employeeNumber) } : {}),
        ...opts.extra,
      },
    });
  }

  private finish(ctx: SearchContext, outcome: SearchOutcome): void {
    this.metrics.searched(outcome);
    const fields = { vpd: ctx.vpd, outcome, criteriaKind: ctx.criteria.kind, matchCount: ctx.matches?.length ?? null };
    if (outcome === 'ERROR' || outcome === 'ESR_UNAVAILABLE' || outcome === 'ESR_TIMEOUT')
      this.logger.warn(fields, 'Credential search failed');
    else if (outcome === 'RATE_LIMITED' || outcome === 'ACCESS_NOT_ACTIVE') this.logger.log(fields, 'Credential search refused');
    else this.logger.log(fields, 'Credential search answered');
  }
}

/** The summary part of a person's record: what a people search lists for them. */
function summaryOf(person: EsrPerson): EsrPersonSummary {
  const { employeeNumber, vpd, title, firstName, lastName, dateOfBirth, systemPersonType, primaryAssignmentNumber } = person;
  return { employeeNumber, vpd, title, firstName, lastName, dateOfBirth, systemPersonType, primaryAssignmentNumber };
}
