/**
 * A start-up check found the configuration wrong against the real servers (a CA that did not sign
 * the server's certificate, a plaintext server where TLS is required): the message is one sentence
 * naming the setting to fix. The start stops (exit 1) rather than retry; main prints the sentence.
 */
export class StartupCheckError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupCheckError';
  }
}
