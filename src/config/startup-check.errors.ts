/**
 * A start-up check found the configuration wrong against the real servers (a CA that did not sign
 * the server's certificate, a plaintext server where TLS is required): the message is one sentence
 * naming the setting to fix. The start stops (exit 1) rather than retry; main logs the sentence as the one fatal line.
 */
export class StartupCheckError extends Error {
  /** The settings the sentence names (REDIS_TLS_CA_FILE, DATABASE_URL, ...), for the fatal log line. */
  readonly variables: readonly string[];

  constructor(message: string) {
    super(message);
    this.name = 'StartupCheckError';
    this.variables = [...new Set(message.match(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g) ?? [])];
  }
}
