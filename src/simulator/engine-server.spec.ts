import { request, type IncomingMessage } from 'node:http';
import { gunzipSync } from 'node:zlib';
import {
  readFixture,
  readFixtureBytes,
  SYNTHETIC_PAGE,
} from '../../test/support/fixtures.js';
import {
  METRICS_CONTENT_TYPE,
  startEngineServer,
  type EngineServer,
} from './engine-server.js';

interface Reply {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

function get(
  url: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('startEngineServer', () => {
  const servers: EngineServer[] = [];
  const start = async (
    opts: Partial<Parameters<typeof startEngineServer>[0]> = {},
  ) => {
    const s = await startEngineServer({
      host: '127.0.0.1',
      handler: 'up 1\n',
      ...opts,
    });
    servers.push(s);
    return s;
  };
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('serves a fixture page on GET /metrics with the exposition content type', async () => {
    const page = readFixtureBytes(SYNTHETIC_PAGE);
    const s = await start({ handler: page });
    expect(s.url).toBe(`http://127.0.0.1:${s.port}/metrics`);
    const r = await get(s.url);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe(METRICS_CONTENT_TYPE);
    expect(r.headers['content-encoding']).toBeUndefined();
    expect(r.body.equals(page)).toBe(true);
    expect(s.requests).toBe(1);
  });

  it('compresses with gzip when the client accepts it', async () => {
    const page = readFixture(SYNTHETIC_PAGE);
    const s = await start({ handler: page });
    const r = await get(s.url, { 'Accept-Encoding': 'deflate, gzip;q=0.8' });
    expect(r.headers['content-encoding']).toBe('gzip');
    expect(r.body.length).toBeLessThan(page.length / 3);
    expect(gunzipSync(r.body).toString('utf8')).toBe(page);
    const refused = await get(s.url, { 'Accept-Encoding': 'gzip;q=0' });
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect(refused.body.toString('utf8')).toBe(page);
  });

  it('calls a function source on every request', async () => {
    let n = 0;
    const s = await start({ handler: () => `calls ${++n}\n` });
    expect((await get(s.url)).body.toString()).toBe('calls 1\n');
    expect((await get(s.url, { 'Accept-Encoding': 'gzip' })).body).toEqual(
      expect.any(Buffer),
    );
    expect((await get(s.url)).body.toString()).toBe('calls 3\n');
    s.setHandler('replaced 1\n');
    expect((await get(s.url)).body.toString()).toBe('replaced 1\n');
  });

  it('answers 404 elsewhere and 405 to other methods', async () => {
    const s = await start();
    expect((await get(`http://127.0.0.1:${s.port}/`)).status).toBe(404);
    expect((await get(s.url, {}, 'POST')).status).toBe(405);
  });

  it('switches to http500 and back at run time', async () => {
    const s = await start();
    s.setMode('http500');
    expect(s.mode).toBe('http500');
    const r = await get(s.url);
    expect(r.status).toBe(500);
    s.setMode('ok');
    expect((await get(s.url)).status).toBe(200);
    expect(s.requests).toBe(2);
  });

  it('drops the connection without an answer in dead mode', async () => {
    const s = await start({ mode: 'dead' });
    await expect(get(s.url)).rejects.toMatchObject({
      code: expect.stringMatching(/ECONNRESET|EPIPE/),
    });
    expect(s.requests).toBe(1);
  });

  it('never answers in hang mode, and close() ends the hanging request', async () => {
    const s = await start({ mode: 'hang' });
    let answered = false;
    const pending = get(s.url).then(
      () => {
        answered = true;
      },
      (err: NodeJS.ErrnoException) => err,
    );
    await s.waitForRequests(1);
    // A second, answered request proves the server is alive while the first hangs.
    s.setMode('ok');
    expect((await get(s.url)).status).toBe(200);
    expect(answered).toBe(false);
    await s.close();
    const err = await pending;
    expect(answered).toBe(false);
    expect(err).toMatchObject({ code: 'ECONNRESET' });
  });

  it('sends random non-text bytes with status 200 in garbage mode', async () => {
    const s = await start({ mode: 'garbage' });
    const a = await get(s.url);
    const b = await get(s.url);
    expect(a.status).toBe(200);
    expect(a.body.length).toBe(8192);
    expect(a.body[0]).toBe(0);
    expect(a.body.equals(b.body)).toBe(false);
  });

  it('streams a body of the configured size in huge mode', async () => {
    const s = await start({ mode: 'huge', hugeBytes: 3 * 1024 * 1024 });
    const r = await get(s.url);
    expect(r.status).toBe(200);
    expect(r.headers['content-length']).toBeUndefined();
    expect(r.body.length).toBeGreaterThanOrEqual(3 * 1024 * 1024);
    expect(r.body.length).toBeLessThan(3 * 1024 * 1024 + 128 * 1024);
    const lines = r.body.toString('utf8').split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines[0]).toMatch(/^vllm:\S+\{.*\} \d+\.0$/);
  });

  it('close() also ends a huge body the client stopped reading', async () => {
    const s = await start({ mode: 'huge', hugeBytes: 512 * 1024 * 1024 });
    const firstChunk = new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(s.url, { agent: false }, (res) => {
        res.once('data', () => {
          res.pause();
          resolve(res);
        });
      });
      req.on('error', reject);
      req.end();
    });
    const res = await firstChunk;
    const ended = new Promise<void>((resolve) => res.once('close', resolve));
    await s.close();
    res.resume();
    await ended;
    expect(res.complete).toBe(false);
  });

  it('binds other loopback addresses', async () => {
    const s = await start({ host: '127.0.0.3' });
    expect(s.url).toBe(`http://127.0.0.3:${s.port}/metrics`);
    expect((await get(s.url)).body.toString()).toBe('up 1\n');
  });

  it('resolves close() once even when called twice', async () => {
    const s = await start();
    await Promise.all([s.close(), s.close()]);
    await expect(get(s.url)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
