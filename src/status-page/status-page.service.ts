import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { ApiKeyRing } from '../common/auth/api-key-ring';
import { AuthFailures } from '../common/auth/auth-failures';
import { Clock } from '../common/clock/clock';
import { NotFoundError } from '../common/errors/domain-error';
import { AccessSettings } from '../config/settings/access.settings';
import { StatusPageSettings } from '../config/settings/status-page.settings';
import { vpdHealth } from '../domain/sync-health';
import {
  ESR_BREAKER_SOURCE,
  EsrBreakerSource,
  SYNC_STATUS_SOURCE,
  SyncStatusSource,
  WEBHOOK_BACKLOG_SOURCE,
  WebhookBacklogSource,
} from './status-page.sources';
import { renderSignIn, renderStatusPage, StatusPageModel } from './status-page-view';
import { readCookie, SESSION_COOKIE, sessionCookie, StatusSessions } from './status-session';
import { StatusSessionStore } from './status-session-store';

/** What a status page route answers: a page, or a redirect, maybe setting the session cookie. */
export interface PageResult {
  status: number;
  html?: string;
  location?: string;
  setCookie?: string;
  /** With 429: when the client address may try to sign in again. */
  retryAfterSeconds?: number;
}

/** Who asks: the client address (request.ip), the Cookie header, and for form posts the Origin and Host headers. */
export interface PageRequest {
  address: string;
  cookie?: string;
  origin?: string;
  host?: string;
}

const REFRESH_SECONDS = 5;

/**
 * The read-only ops status page (/status): sign-in with an ops API key, a signed session cookie, and
 * the page itself rendered on the server from the same sync status the ops API answers. Public API:
 * page, signIn, signOut; each reads the sync status at most once and the webhook backlog at most once.
 * Switched off (404) by STATUS_PAGE_ENABLED=false, or outside local mode when no
 * STATUS_PAGE_SESSION_SECRET is set.
 */
@Injectable()
export class StatusPageService {
  private readonly logger = new Logger(StatusPageService.name);
  private readonly sessions: StatusSessions;
  private readonly enabled: boolean;
  private readonly secureCookie: boolean;

  constructor(
    settings: StatusPageSettings,
    private readonly access: AccessSettings,
    private readonly clock: Clock,
    keys: ApiKeyRing,
    store: StatusSessionStore,
    private readonly failures: AuthFailures,
    @Inject(SYNC_STATUS_SOURCE) private readonly sync: SyncStatusSource,
    @Inject(ESR_BREAKER_SOURCE) private readonly breaker: EsrBreakerSource,
    @Optional() @Inject(WEBHOOK_BACKLOG_SOURCE) private readonly webhooks?: WebhookBacklogSource,
  ) {
    this.enabled = settings.enabled;
    this.secureCookie = settings.secureCookie;
    this.sessions = new StatusSessions(keys, settings.sessionSecret, store, {
      ttlMs: settings.sessionTtlMs,
      idleMs: settings.idleTimeoutMs,
    });
    if (!settings.enabled)
      this.logger.log('The status page (/status) is off: STATUS_PAGE_ENABLED=false, or no STATUS_PAGE_SESSION_SECRET outside local mode.');
  }

  async page(req: PageRequest): Promise<PageResult> {
    this.assertEnabled();
    const keyId = await this.sessions.verify(readCookie(req.cookie, SESSION_COOKIE), this.clock.nowMs());
    if (!keyId) return { status: 401, html: renderSignIn() };
    return { status: 200, html: renderStatusPage(await this.model(keyId)) };
  }

  /**
   * 1. Refuse a cross-origin post, and an address refused for failed keys (429).
   * 2. Match the key: a wrong one counts against the address (401, or 429 once too many).
   * 3. Start a server-side session and set its cookie.
   */
  async signIn(req: PageRequest, body: unknown): Promise<PageResult> {
    this.assertEnabled();
    if (!sameOrigin(req)) return { status: 403, html: renderSignIn('This sign-in did not come from this page.') };
    const refused = this.failures.refusedFor(req.address);
    if (refused > 0) return tooManyFailures(refused);
    const key = this.sessions.signIn((body as { key?: unknown } | undefined)?.key);
    if (!key) {
      const refusedFor = await this.failures.failed({ address: req.address, surface: 'status-page' });
      return refusedFor > 0
        ? tooManyFailures(refusedFor)
        : { status: 401, html: renderSignIn('That is not an ops API key of this gateway.') };
    }
    const cookie = await this.sessions.issue(key.id, this.clock.nowMs());
    return {
      status: 303,
      location: '/status',
      setCookie: sessionCookie(cookie, Math.floor(this.sessions.limits.ttlMs / 1000), this.secureCookie),
    };
  }

  /** Ends the session server-side (the cookie no longer works anywhere) and clears the cookie. */
  async signOut(req: PageRequest): Promise<PageResult> {
    this.assertEnabled();
    if (!sameOrigin(req)) return { status: 403, html: renderSignIn('This sign-out did not come from this page.') };
    await this.sessions.end(readCookie(req.cookie, SESSION_COOKIE));
    return { status: 303, location: '/status', setCookie: sessionCookie('', 0, this.secureCookie) };
  }

  private async model(signedInAs: string): Promise<StatusPageModel> {
    const nowMs = this.clock.nowMs();
    const base = { nowMs, signedInAs, breaker: this.breaker.breakerState(), refreshSeconds: REFRESH_SECONDS };
    const webhooks = this.readWebhooks();
    try {
      const status = await this.sync.status();
      const vpds = status.vpds.map((v) => ({ ...v, health: vpdHealth(v, nowMs, this.access.maxStalenessMs) }));
      return { ...base, vpds, leader: status.leader, webhooks: await webhooks };
    } catch (error) {
      this.logger.warn({ msg: 'status page could not read the sync status', error: (error as Error).message });
      return {
        ...base,
        vpds: [],
        leader: null,
        webhooks: await webhooks,
        error: 'The sync status could not be read (Redis or the database is unavailable).',
      };
    }
  }

  private async readWebhooks(): Promise<StatusPageModel['webhooks']> {
    if (!this.webhooks) return null;
    try {
      return await this.webhooks.backlog();
    } catch {
      return 'unavailable';
    }
  }

  private assertEnabled(): void {
    if (!this.enabled) throw new NotFoundError('No such resource.');
  }
}

/** The sign-in page of an address refused for failed keys or sign-ins (429 with Retry-After). */
function tooManyFailures(retryAfterSeconds: number): PageResult {
  return {
    status: 429,
    retryAfterSeconds,
    html: renderSignIn(`Too many failed sign-ins from this address; try again in ${retryAfterSeconds} seconds.`),
  };
}

/**
 * A form post must come from this origin: browsers send Origin on POST (Referrer-Policy same-origin
 * keeps it a real origin, not "null"); no Origin at all: not a browser form (curl), allowed.
 */
function sameOrigin(req: PageRequest): boolean {
  if (req.origin === undefined) return true;
  try {
    return new URL(req.origin).host === req.host;
  } catch {
    return false;
  }
}
