import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { startHarness, type Harness } from '../support/app-harness.js';

/**
 * Both servers cut clients that hold a connection without finishing their
 * request, and close idle keep-alive connections (api_config.http_*_timeout_seconds).
 * Nothing here measures time: each test only awaits the socket's close.
 */
describe('server timeouts on both ports', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      COORDINATOR_HTTP_HEADERS_TIMEOUT_SECONDS: '1',
      COORDINATOR_HTTP_REQUEST_TIMEOUT_SECONDS: '1',
      COORDINATOR_HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: '1',
    });
  });
  afterAll(async () => {
    await h.close();
  });

  async function open(
    base: string,
  ): Promise<{ socket: Socket; received: () => string }> {
    const url = new URL(base);
    const socket = connect(Number(url.port), url.hostname);
    await once(socket, 'connect');
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('error', () => undefined);
    return { socket, received: () => data };
  }

  it('a client that sends a 1-byte body and stops is cut', async () => {
    // The management port is waiting for the body: 408. The observability
    // port has no body route and answers 404 at once, then still cuts the
    // unfinished request.
    for (const [base, status] of [
      [h.mgmt, 408],
      [h.obs, 404],
    ] as const) {
      const { socket, received } = await open(base);
      socket.write(
        'POST /instances/refresh HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
      );
      await once(socket, 'close');
      expect(received().startsWith(`HTTP/1.1 ${status} `)).toBe(true);
    }
  });

  it('a client that never finishes its headers is cut', async () => {
    for (const base of [h.mgmt, h.obs]) {
      const { socket, received } = await open(base);
      socket.write('GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
      await once(socket, 'close');
      expect(received()).toMatch(/^HTTP\/1\.1 408 /);
    }
  });

  it('an idle keep-alive connection is closed after its answer', async () => {
    for (const [base, path] of [
      [h.mgmt, '/liveness'],
      [h.obs, '/health'],
    ] as const) {
      const { socket, received } = await open(base);
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n`,
      );
      await once(socket, 'close');
      expect(received()).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(received()).toMatch(/\r\nKeep-Alive: timeout=1\r\n/i);
    }
  });
});
