import { AddressInfo, createConnection, createServer, Server, Socket } from 'node:net';

/**
 * How a cut looks to the client:
 * - `refuse`: the port stops listening (ECONNREFUSED), open connections are reset: a server that is down.
 * - `reset`: new connections are accepted and reset at once, open ones too: a crashing server or a firewall RST.
 * - `blackhole`: new connections are accepted and never answered, open ones go silent: a hung server or a
 *   dropped network, where only the client's own timeouts help.
 */
export type CutMode = 'refuse' | 'reset' | 'blackhole';

export interface TcpProxyStats {
  /** Connections accepted and forwarded. */
  forwarded: number;
  /** Connections refused, reset or swallowed while cut. */
  rejected: number;
  /** Forwarded connections torn down by cut(). */
  severed: number;
  bytesUp: number;
  bytesDown: number;
}

interface Pair {
  client: Socket;
  upstream: Socket;
  /** Silenced by a blackhole cut: the client's socket stays open until restore(). */
  held: boolean;
}

/**
 * A TCP proxy on 127.0.0.1 in front of one server (PostgreSQL, Redis, the ESR sandbox) that a test
 * can cut and restore, so a dependency "goes away" without the shared server ever being stopped.
 * The listening port stays the same across cut('refuse') and restore().
 */
export class TcpProxy {
  private server?: Server;
  private mode: CutMode | null = null;
  private readonly pairs = new Set<Pair>();
  private readonly swallowed = new Set<Socket>();
  readonly stats: TcpProxyStats = { forwarded: 0, rejected: 0, severed: 0, bytesUp: 0, bytesDown: 0 };
  port = 0;

  constructor(
    readonly targetHost: string,
    readonly targetPort: number,
  ) {}

  /** A proxy in front of the host and port of `url` (redis://, postgres://, http://). */
  static forUrl(url: string): TcpProxy {
    const parsed = new URL(url);
    const defaults: Record<string, number> = { 'redis:': 6379, 'postgres:': 5432, 'postgresql:': 5432, 'http:': 80 };
    return new TcpProxy(parsed.hostname, Number(parsed.port || defaults[parsed.protocol]));
  }

  /** Starts listening (port 0: ephemeral, kept for later restores). */
  async start(port = 0): Promise<this> {
    await this.listen(port);
    return this;
  }

  /** `url` with its host and port replaced by the proxy's. */
  rewrite(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.port);
    return parsed.toString();
  }

  /** redis://127.0.0.1:<port> (for a Redis behind the proxy). */
  get redisUrl(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get isCut(): boolean {
    return this.mode !== null;
  }

  get openConnections(): number {
    return this.pairs.size;
  }

  /** Cuts the dependency off: open connections are torn down (or silenced), new ones fail as `mode` says. */
  async cut(mode: CutMode = 'refuse'): Promise<void> {
    this.mode = mode;
    for (const pair of [...this.pairs]) {
      this.stats.severed++;
      this.pairs.delete(pair);
      if (mode === 'blackhole') {
        // Keep the client's socket open but stop moving bytes: it waits on a reply that never comes.
        pair.held = true;
        pair.client.unpipe();
        pair.upstream.unpipe();
        pair.client.pause();
        pair.upstream.destroy();
        this.swallowed.add(pair.client);
        pair.client.once('close', () => this.swallowed.delete(pair.client));
      } else {
        pair.client.resetAndDestroy();
        pair.upstream.destroy();
      }
    }
    if (mode === 'refuse') await this.stopListening();
  }

  /** Lets connections through again (on the same port). Sockets held by a blackhole are reset. */
  async restore(): Promise<void> {
    this.mode = null;
    for (const socket of this.swallowed) socket.resetAndDestroy();
    this.swallowed.clear();
    if (!this.server) await this.listen(this.port);
  }

  /** Stops listening and tears down every connection. */
  async close(): Promise<void> {
    this.mode = 'refuse';
    for (const pair of this.pairs) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    this.pairs.clear();
    for (const socket of this.swallowed) socket.destroy();
    this.swallowed.clear();
    await this.stopListening();
  }

  private async listen(port: number): Promise<void> {
    const server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  private async stopListening(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    client.on('error', () => undefined);
    if (this.mode === 'reset' || this.mode === 'refuse') {
      this.stats.rejected++;
      client.resetAndDestroy();
      return;
    }
    if (this.mode === 'blackhole') {
      this.stats.rejected++;
      client.pause();
      this.swallowed.add(client);
      client.once('close', () => this.swallowed.delete(client));
      return;
    }
    this.stats.forwarded++;
    const upstream = createConnection({ host: this.targetHost, port: this.targetPort });
    const pair: Pair = { client, upstream, held: false };
    this.pairs.add(pair);
    upstream.on('error', () => undefined);
    const end = () => {
      this.pairs.delete(pair);
      upstream.destroy();
      if (!pair.held) client.destroy();
    };
    client.once('close', end);
    upstream.once('close', end);
    client.on('data', (chunk: Buffer) => {
      this.stats.bytesUp += chunk.length;
    });
    upstream.on('data', (chunk: Buffer) => {
      this.stats.bytesDown += chunk.length;
    });
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
