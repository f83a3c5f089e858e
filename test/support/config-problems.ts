import { ConfigValidationError, validateEnvironment } from '../../src/config/env.schema';

/** The problems validateEnvironment reports for `env` (each names its variable); [] when it is valid. */
export function problemsOf(env: Record<string, string>): string[] {
  try {
    validateEnvironment(env);
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems;
    throw error;
  }
  return [];
}
