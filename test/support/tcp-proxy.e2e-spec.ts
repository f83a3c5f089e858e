import Redis from 'ioredis';
import { AddressInfo, connect, createServer, Server, Socket } from 'node:net';
import { REDIS_URL } from './test-env';
import { TcpProxy } from './tcp-proxy';

/** An echo server: answers every chunk with "echo:<chunk>". */
async function startEcho(): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => socket.write(`echo:${chunk.toString()}`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, sockets };
}

type Outcome = { kind: 'data'; text: string } | { kind: 'error'; code: string } | { kind: 'closed' } | { kind: 'silent' };

/** Connects, sends `text`, and reports what happens first within `waitMs`. */
function exchange(port: number, text: string, waitMs = 300): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (outcome: Outcome) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => done({ kind: 'silent' }), waitMs);
    socket.on('connect', () => socket.write(text));
    socket.on('data', (chunk) => done({ kind: 'data', text: chunk.toString() }));
    socket.on('error', (error: NodeJS.ErrnoException) => done({ kind: 'error', code: error.code ?? 'unknown' }));
    socket.on('close', () => done({ kind: 'closed' }));
  });
}

/** An open connection through the proxy, and what happens to it next. */
async function openConnection(port: number): Promise<{ socket: Socket; next: Promise<Outcome> }> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write('hello');
  await new Promise<void>((resolve) => socket.once('data', () => resolve()));
  const next = new Promise<Outcome>((resolve) => {
    socket.on('data', (chunk) => resolve({ kind: 'data', text: chunk.toString() }));
    socket.on('error', (error: NodeJS.ErrnoException) => resolve({ kind: 'error', code: error.code ?? 'unknown' }));
    socket.on('close', () => resolve({ kind: 'closed' }));
  });
  return { socket, next };
}

describe(TcpProxy.name, () => {
  let echo: Awaited<ReturnType<typeof startEcho>>;
  let proxy: TcpProxy;

  beforeEach(async () => {
    echo = await startEcho();
    proxy = await new TcpProxy('127.0.0.1', echo.port).start();
  });

  afterEach(async () => {
    await proxy.close();
    for (const socket of echo.sockets) socket.destroy();
    await new Promise<void>((resolve) => echo.server.close(() => resolve()));
  });

  it('should forward bytes both ways and count them', async () => {
    await expect(exchange(proxy.port, 'ping')).resolves.toEqual({ kind: 'data', text: 'echo:ping' });
    expect(proxy.stats).toMatchObject({ forwarded: 1, bytesUp: 4, bytesDown: 9 });
  });

  it('should refuse connections and reset open ones when cut with refuse, then forward again on the same port', async () => {
    const port = proxy.port;
    const open = await openConnection(port);
    await proxy.cut('refuse');
    await expect(open.next).resolves.toMatchObject({ kind: expect.stringMatching(/error|closed/) });
    await expect(exchange(port, 'x')).resolves.toEqual({ kind: 'error', code: 'ECONNREFUSED' });
    expect(proxy.isCut).toBe(true);

    await proxy.restore();
    expect(proxy.port).toBe(port);
    await expect(exchange(port, 'back')).resolves.toEqual({ kind: 'data', text: 'echo:back' });
  });

  it('should accept and reset connections when cut with reset', async () => {
    await proxy.cut('reset');
    const outcome = await exchange(proxy.port, 'x');
    expect(['error', 'closed']).toContain(outcome.kind);
    expect(proxy.stats.rejected).toBe(1);
    await proxy.restore();
    await expect(exchange(proxy.port, 'y')).resolves.toEqual({ kind: 'data', text: 'echo:y' });
  });

  it('should hold connections silently when cut with blackhole, and reset them on restore', async () => {
    const open = await openConnection(proxy.port);
    await proxy.cut('blackhole');
    open.socket.write('anyone there?');
    await expect(exchange(proxy.port, 'x', 300)).resolves.toEqual({ kind: 'silent' });
    const raced = await Promise.race([open.next, new Promise<Outcome>((r) => setTimeout(() => r({ kind: 'silent' }), 300))]);
    expect(raced).toEqual({ kind: 'silent' });

    await proxy.restore();
    await expect(open.next).resolves.toMatchObject({ kind: expect.stringMatching(/error|closed/) });
    await expect(exchange(proxy.port, 'z')).resolves.toEqual({ kind: 'data', text: 'echo:z' });
    open.socket.destroy();
  });

  it('should rewrite a URL to point at the proxy', () => {
    expect(proxy.rewrite('postgres://postgres@127.0.0.1:5432/db_1')).toBe(`postgres://postgres@127.0.0.1:${proxy.port}/db_1`);
    expect(TcpProxy.forUrl('redis://127.0.0.1').targetPort).toBe(6379);
  });

  it('should carry a real Redis conversation, fail it while cut and carry it again after', async () => {
    const redisProxy = await TcpProxy.forUrl(REDIS_URL).start();
    const client = new Redis(redisProxy.rewrite(REDIS_URL), {
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => 50,
      lazyConnect: true,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await expect(client.ping()).resolves.toBe('PONG');
      await redisProxy.cut('refuse');
      await expect(client.ping()).rejects.toThrow();
      await redisProxy.restore();
      const deadline = Date.now() + 5000;
      let answer: string | undefined;
      while (!answer && Date.now() < deadline) {
        answer = await client.ping().catch(() => undefined);
        if (!answer) await new Promise((r) => setTimeout(r, 50));
      }
      expect(answer).toBe('PONG');
    } finally {
      client.disconnect();
      await redisProxy.close();
    }
  });
});
