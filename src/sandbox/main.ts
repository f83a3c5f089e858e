/**
 * The ESR sandbox on its own: `npm run build && npm run sandbox` (dist/sandbox/main.js). Settings
 * come from SANDBOX_* environment variables (see sandbox.env.ts); stops cleanly on SIGTERM/SIGINT.
 */
import { SandboxEnvError, sandboxOptionsFromEnv } from './sandbox.env';
import { SandboxOptions, startSandbox } from './sandbox.server';

async function main(): Promise<void> {
  let options: SandboxOptions;
  try {
    options = sandboxOptionsFromEnv(process.env);
  } catch (error) {
    if (error instanceof SandboxEnvError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const sandbox = await startSandbox(options);
  const established = sandbox.admin.fixture('established');
  process.stdout.write(
    `ESR sandbox listening on ${sandbox.url} (VPDs ${sandbox.admin
      .vpds()
      .map((v) => v.vpd)
      .join(', ')}; ` + `role holder ${established.employeeNumber} in VPD ${established.vpd}; admin under ${sandbox.url}/sandbox)\n`,
  );
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`ESR sandbox stopping (${signal})\n`);
    sandbox.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`ESR sandbox failed to stop: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`ESR sandbox failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
