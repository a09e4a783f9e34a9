import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { PageFetcher, type PageFetcherOptions } from './page-fetcher.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const servers: Server[] = [];
const fetchers: PageFetcher[] = [];

async function serve(handler: Handler): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
}

function fetcher(options: Partial<PageFetcherOptions> = {}): PageFetcher {
  const f = new PageFetcher({
    timeoutMs: 2000,
    maxBytes: 1 << 20,
    maxSockets: 4,
    gzip: false,
    ...options,
  });
  fetchers.push(f);
  return f;
}

const text = (b: Uint8Array | undefined): string =>
  Buffer.from(b!.buffer, b!.byteOffset, b!.byteLength).toString('utf8');

afterEach(async () => {
  for (const f of fetchers.splice(0)) f.close();
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((r) => {
          s.closeAllConnections();
          s.close(() => r());
        }),
    ),
  );
});

describe('PageFetcher', () => {
  it('returns the body of a 200 and reuses its buffer once released', async () => {
    let n = 0;
    const url = await serve((_req, res) => {
      n++;
      res.setHeader('Content-Length', 5);
      res.end(n === 1 ? 'first' : 'again');
    });
    const f = fetcher();
    const a = await f.fetch(url);
    expect(a).toMatchObject({ ok: true, gzip: false });
    expect(text(a.bytes)).toBe('first');
    const firstBuffer = a.bytes!.buffer;
    a.release!();
    const b = await f.fetch(url);
    expect(text(b.bytes)).toBe('again');
    expect(b.bytes!.buffer).toBe(firstBuffer);
    // Not released: the next body gets a buffer of its own.
    const c = await f.fetch(url);
    expect(c.bytes!.buffer).not.toBe(b.bytes!.buffer);
    expect(text(b.bytes)).toBe('again');
  });

  it('assembles a chunked body of unknown length, larger than the first buffer', async () => {
    const part = 'x'.repeat(50_000) + '\n';
    const url = await serve((_req, res) => {
      for (let i = 0; i < 5; i++) res.write(part);
      res.end('end');
    });
    const r = await fetcher().fetch(url);
    expect(r.ok).toBe(true);
    expect(text(r.bytes)).toBe(part.repeat(5) + 'end');
  });

  it('asks for plain text by default and for gzip when told to, and says which came', async () => {
    const seen: (string | undefined)[] = [];
    const url = await serve((req, res) => {
      const enc = req.headers['accept-encoding'];
      seen.push(enc);
      if (enc === 'gzip') {
        const body = gzipSync('zipped 1\n');
        res.writeHead(200, {
          'Content-Encoding': 'gzip',
          'Content-Length': body.length,
        });
        res.end(body);
      } else res.end('plain 1\n');
    });
    const plain = await fetcher().fetch(url);
    const zipped = await fetcher({ gzip: true }).fetch(url);
    expect(seen).toEqual(['identity', 'gzip']);
    expect(plain).toMatchObject({ ok: true, gzip: false });
    expect(text(plain.bytes)).toBe('plain 1\n');
    expect(zipped).toMatchObject({ ok: true, gzip: true });
  });

  it('turns every failure into a short reason and never throws', async () => {
    const f = fetcher({ maxBytes: 1000, timeoutMs: 300 });
    const status = await serve((_req, res) => {
      res.statusCode = 503;
      res.end('busy');
    });
    const declaredTooBig = await serve((_req, res) => {
      res.setHeader('Content-Length', 5000);
      res.end('y'.repeat(5000));
    });
    const streamedTooBig = await serve((_req, res) => {
      for (let i = 0; i < 10; i++) res.write('z'.repeat(500));
      res.end();
    });
    const brotli = await serve((_req, res) => {
      res.setHeader('Content-Encoding', 'br');
      res.end('?');
    });
    const hanging = await serve(() => {
      // never answers
    });
    const cut = await serve((req, res) => {
      res.setHeader('Content-Length', 100);
      res.write('only part of it');
      setImmediate(() => req.socket.destroy());
    });
    const refused = await serve(() => undefined);
    servers.pop()!.close();
    const results = await Promise.all(
      [status, declaredTooBig, streamedTooBig, brotli, hanging, cut].map((u) =>
        f.fetch(u),
      ),
    );
    expect(results.map((r) => [r.ok, r.error])).toEqual([
      [false, 'HTTP 503'],
      [false, 'response too large'],
      [false, 'response too large'],
      [false, 'unsupported content-encoding br'],
      [false, 'timeout'],
      [false, 'connection closed mid-body'],
    ]);
    expect(await f.fetch(refused)).toEqual({
      ok: false,
      error: 'ECONNREFUSED',
    });
    expect(await f.fetch('http://127.0.0.1:notaport/metrics')).toMatchObject({
      ok: false,
    });
  });

  it('keeps the connection after a non-200 answer', async () => {
    const ports = new Set<number>();
    let n = 0;
    const url = await serve((req, res) => {
      ports.add(req.socket.remotePort!);
      res.statusCode = ++n === 1 ? 500 : 200;
      res.end(n === 1 ? 'error page' : 'ok 1\n');
    });
    const f = fetcher({ maxSockets: 1 });
    expect((await f.fetch(url)).error).toBe('HTTP 500');
    expect(text((await f.fetch(url)).bytes)).toBe('ok 1\n');
    expect(ports.size).toBe(1);
  });
});
