/**
 * `esr-gateway mappings import` in bounded memory: peak RSS of the CLI importing N rows against a
 * stand-in import endpoint, as a ratio to the peak of a 1,000-row import measured in the same run.
 * Streaming keeps the ratio near 1 whatever N; reading the file whole would grow it with N.
 *
 *   npm run -s build && npm run -s bench:build && node dist-bench/bench/cli-import-memory.js 10000 100000
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';

const CLI = join(__dirname, '..', '..', 'dist', 'cli', 'main.js');

/** Answers every import chunk as written, rejecting every 1000th row, like the gateway's import. */
function stubImport(): Server {
  return createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const { items } = JSON.parse(body) as { items: Array<{ employeeNumber: string }> };
      const errors = items.flatMap((item, index) =>
        Number(item.employeeNumber) % 1000 === 0 ? [{ index, error: 'VALIDATION_FAILED', message: 'rejected by the bench' }] : [],
      );
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ created: items.length - errors.length, skipped: 0, errors }));
    });
  });
}

async function writeCsv(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  out.write('portalUserId,vpd,employeeNumber\n');
  for (let i = 0; i < rows; i++)
    if (!out.write(`user${i}@trust.nhs.uk,979,${String(20_000_000 + i)}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
  out.end();
  await finished(out);
}

/** Peak RSS (KiB) and seconds of one CLI import, via /usr/bin/time. */
function importPeak(url: string, file: string): Promise<{ kib: number; seconds: number }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', ['-f', 'PEAK_KIB=%M', process.execPath, CLI, 'mappings', 'import', file, '--chunk-size', '1000'], {
      env: { PATH: process.env.PATH, ESR_GATEWAY_URL: url, ESR_GATEWAY_KEY: 'bench-key', ESR_GATEWAY_ACTING_USER: 'bench@trust.nhs.uk' },
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', () => {
      const match = /PEAK_KIB=(\d+)/.exec(stderr);
      if (!match) return reject(new Error(`no peak reported:\n${stderr}`));
      resolve({ kib: Number(match[1]), seconds: Number(process.hrtime.bigint() - started) / 1e9 });
    });
  });
}

async function main(): Promise<void> {
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => n > 0);
  const server = stubImport();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = await mkdtemp(join(tmpdir(), 'esr-cli-bench-'));
  try {
    const results: Array<{ rows: number; kib: number; seconds: number }> = [];
    for (const rows of [1000, ...(sizes.length ? sizes : [10_000, 100_000])]) {
      const file = join(dir, `rows-${rows}.csv`);
      await writeCsv(file, rows);
      results.push({ rows, ...(await importPeak(url, file)) });
    }
    const base = results[0];
    for (const r of results)
      console.log(
        `${String(r.rows).padStart(8)} rows: peak RSS ${(r.kib / 1024).toFixed(1)} MiB (x${(r.kib / base.kib).toFixed(2)} of 1,000 rows), ` +
          `${Math.round(r.rows / r.seconds)} rows/s`,
      );
  } finally {
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

void main();
