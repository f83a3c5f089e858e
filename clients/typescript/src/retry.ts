import { GatewayError } from './errors.ts';

export interface RetryOptions {
  /** Tries in all, the first included (default 3). */
  attempts?: number;
  /** Longest wait between tries, in seconds (default 30); a longer `Retry-After` is not waited for. */
  maxDelaySeconds?: number;
  /** Wait when the gateway gave no `Retry-After`: 1 s, then doubling (default). */
  baseDelaySeconds?: number;
  /** Repeat calls that are not idempotent too (default false: only reads and repeatable writes). */
  retryNonIdempotent?: boolean;
  /** For tests: how to wait. */
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `call`; when it fails with 429 or 503 and the call is safe to repeat, waits `Retry-After`
 * (or a doubling delay) and tries again, at most `attempts` times in all. Any other error, a wait
 * longer than `maxDelaySeconds`, or the last failure is thrown as is.
 */
export async function withRetry<T>(call: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? 3);
  const sleep = options.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const wait = attempt < attempts ? retryDelay(error, attempt, options) : undefined;
      if (wait === undefined) throw error;
      await sleep(wait * 1000);
    }
  }
}

/** Seconds to wait before the next try, or undefined when the error must not be retried. */
function retryDelay(error: unknown, attempt: number, options: RetryOptions): number | undefined {
  if (!(error instanceof GatewayError) || !error.retryable) return undefined;
  if (!error.idempotent && !options.retryNonIdempotent) return undefined;
  const wait = error.retryAfter ?? (options.baseDelaySeconds ?? 1) * 2 ** (attempt - 1);
  return wait > (options.maxDelaySeconds ?? 30) ? undefined : wait;
}
