import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import { validateEnvironment } from '../config/env.schema';
import { EsrSettings } from '../config/settings/esr.settings';
import { OutboundHttpSettings } from '../config/settings/outbound-http.settings';
import { ConnectTimeoutError, armConnectTimeout, esrHttpOptions } from './esr.http';
import { TEST_SECRETS_ENV } from '../../test/support/test-secrets';

class FakeSocket extends EventEmitter {
  connecting = true;
  destroyedWith?: Error;
  destroy(error?: Error): this {
    this.destroyedWith = error;
    this.emit('close');
    return this;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('esrHttpOptions', () => {
  const env = validateEnvironment({ ESR_BASE_URL: 'http://127.0.0.1:1', ESR_CONNECT_TIMEOUT: 'PT0.05S', ...TEST_SECRETS_ENV });
  const settings = new EsrSettings(env);
  const outbound = new OutboundHttpSettings(env);

  describe(armConnectTimeout.name, () => {
    it('should destroy a socket that does not connect within the timeout', async () => {
      const socket = new FakeSocket();
      armConnectTimeout(socket as never, 30);

      await sleep(60);

      expect(socket.destroyedWith).toBeInstanceOf(ConnectTimeoutError);
      expect(socket.destroyedWith).toMatchObject({ code: 'ESR_CONNECT_TIMEOUT' });
    });

    it('should leave a socket alone once it has connected', async () => {
      const socket = new FakeSocket();
      armConnectTimeout(socket as never, 30);
      socket.connecting = false;
      socket.emit('connect');

      await sleep(60);

      expect(socket.destroyedWith).toBeUndefined();
      expect(socket.listenerCount('close')).toBe(0);
    });

    it('should not arm a timer for an already connected socket', () => {
      const socket = new FakeSocket();
      socket.connecting = false;
      armConnectTimeout(socket as never, 30);

      expect(socket.listenerCount('connect')).toBe(0);
    });
  });

  // No nock in this file: nock's pass-through would open a new connection per request.
  describe('agents', () => {
    let server: http.Server;
    let connections: number;
    let url: string;

    beforeAll(async () => {
      connections = 0;
      server = http.createServer((_req, res) => res.end('{"ok":true}'));
      server.on('connection', () => connections++);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('should keep connections alive between requests', async () => {
      const options = esrHttpOptions(settings, outbound);
      const client = axios.create(options);

      for (let i = 0; i < 3; i++) await expect(client.get(url)).resolves.toMatchObject({ status: 200 });

      expect(connections).toBe(1);
      (options.httpAgent as http.Agent).destroy();
    });

    it('should not follow redirects', () => {
      expect(esrHttpOptions(settings, outbound).maxRedirects).toBe(0);
    });
  });
});
