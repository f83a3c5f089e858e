import { parseIsoDuration } from '../../domain/duration';

/** Milliseconds of an ISO-8601 duration that validateEnvironment has already checked. */
export const ms = (iso: string): number => parseIsoDuration(iso) as number;
