import { createServer, IncomingMessage, request as httpRequest, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningSandbox } from '../../src/sandbox/sandbox.server';

/**
 * A pass-through HTTP proxy in front of the ESR sandbox that can make a people search answer
 * several people. The sandbox's exact-match search never does (employee numbers, assignment numbers
 * and NI numbers are unique in its data), while real ESR does when one person has several person
 * records in a VPD (a re-hire, say). With `addDuplicates(vpd, employeeNumber, others)`, every search
 * in that VPD whose answer holds `employeeNumber` also lists `others`, each as the sandbox's own
 * summary of that record. Everything else goes through untouched (tokens, listings, faults).
 */
export class DuplicatingProxy {
  private server?: Server;
  private readonly duplicates = new Map<string, string[]>();
  url = '';
  /** People searches that reached the sandbox through this proxy (to prove a request never called ESR). */
  peopleSearches = 0;
  /** Every ESR API request (not tokens, not /sandbox admin) in order of arrival: path only, never the query. */
  readonly esrRequests: Array<{ at: number; path: string }> = [];

  constructor(private readonly sandbox: RunningSandbox) {}

  addDuplicates(vpd: string, employeeNumber: string, others: string[]): void {
    this.duplicates.set(`${vpd}:${employeeNumber}`, others);
  }

  clearDuplicates(): void {
    this.duplicates.clear();
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.forward(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    const target = new URL(req.url ?? '/', this.sandbox.url);
    const search = /^\/esr\/v1\/vpds\/(\d{3})\/people$/.exec(target.pathname);
    if (search) this.peopleSearches++;
    if (target.pathname.startsWith('/esr/')) this.esrRequests.push({ at: performance.now(), path: target.pathname });
    const upstream = httpRequest(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
      if (!search || answer.statusCode !== 200) {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => {
        const body = this.withDuplicates(search[1], Buffer.concat(chunks).toString('utf8'));
        const headers = { ...answer.headers, 'content-length': String(Buffer.byteLength(body)) };
        res.writeHead(200, headers);
        res.end(body);
      });
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    // The gateway gave up (timeout): stop waiting for the sandbox too.
    res.on('close', () => {
      if (!res.writableEnded) upstream.destroy();
    });
    req.pipe(upstream);
  }

  private withDuplicates(vpd: string, text: string): string {
    const body = JSON.parse(text) as { items: Array<{ employeeNumber?: string }> };
    const extra: unknown[] = [];
    for (const item of body.items) {
      for (const other of this.duplicates.get(`${vpd}:${item.employeeNumber}`) ?? []) {
        const person = this.sandbox.admin.getPerson(vpd, other);
        if (!person) continue;
        const { employeeNumber, title, firstName, lastName, dateOfBirth, systemPersonType, primaryAssignmentNumber } = person;
        extra.push({ employeeNumber, vpd: person.vpd, title, firstName, lastName, dateOfBirth, systemPersonType, primaryAssignmentNumber });
      }
    }
    return JSON.stringify({ ...body, items: [...body.items, ...extra] });
  }
}
