import request from 'supertest';
import {
  startEngineServer,
  type EngineServer,
} from '../../src/simulator/engine-server.js';
import { body, instance } from '../support/refresh-bodies.js';
import { spawnService, type Service } from '../support/spawn-service.js';

const URLS = /management on (http:\/\/\S+), observability on (http:\/\/\S+)/;
const PAGE =
  '# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running{model_name="m"} 3\n';
const API_KEY = 'logs-e2e-key';
const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

type Line = Record<string, unknown>;

/** Every stdout/stderr line must be one JSON object: a forged line would fail here. */
function jsonLines(svc: Service): Line[] {
  return svc
    .output()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Line);
}

/** Resolves once `count` log lines match `pred` (re-checked on every output chunk). */
function awaitLines(svc: Service, pred: (l: Line) => boolean, count = 1) {
  return new Promise<Line[]>((resolve, reject) => {
    const check = () => {
      const hits = svc
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{') && l.endsWith('}'))
        .map((l) => JSON.parse(l) as Line)
        .filter(pred);
      if (hits.length >= count) {
        svc.child.stdout!.off('data', check);
        resolve(hits);
      }
    };
    svc.child.stdout!.on('data', check);
    void svc.exited.then((code) =>
      reject(new Error(`exited (${code}): ${svc.output()}`)),
    );
    check();
  });
}

describe('JSON logs of the service process', () => {
  let engine: EngineServer;
  let svc: Service;
  let mgmt = '';

  beforeAll(async () => {
    engine = await startEngineServer({ host: '127.0.0.1', handler: PAGE });
    svc = spawnService([], {
      COORDINATOR_API_HOST: '127.0.0.1',
      COORDINATOR_API_MGMT_PORT: '0',
      COORDINATOR_OBS_PORT: '0',
      COORDINATOR_DRAIN_DELAY_SECONDS: '0',
      COORDINATOR_LOG_FORMAT: 'json',
      COORDINATOR_REUSE_TIME: '0.2',
      COORDINATOR_STALE_AFTER: '600',
      COORDINATOR_MGMT_API_KEY: API_KEY,
    });
    [, mgmt = ''] = await svc.waitForLine(URLS);
  });

  afterAll(async () => {
    if (svc && svc.child.exitCode === null) {
      svc.child.kill('SIGKILL');
      await svc.exited;
    }
    await engine?.close();
  });

  it('audit lines, standard levels, and one line per endpoint transition', async () => {
    // A refresh with a request id: its audit line carries it.
    const added = await request(mgmt)
      .post('/instances/refresh')
      .set('X-API-Key', API_KEY)
      .set('X-Request-Id', 'logs-e2e-42')
      .send(body('add', [instance({ id: 7, port: engine.port })]))
      .expect(200);
    expect(added.body.request_id).toBe('logs-e2e-42');
    expect(added.headers['x-request-id']).toBe('logs-e2e-42');

    // Without one, a generated id, the same in the answer header and the line.
    const anon = await request(mgmt)
      .post('/instances/refresh')
      .set('X-API-Key', API_KEY)
      .send(body('pause', [{ id: 99 }]))
      .expect(200);
    const generated = anon.headers['x-request-id'] as string;
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);

    // Newlines in event and id: one rejected request, one escaped line.
    await request(mgmt)
      .post('/instances/refresh')
      .set('X-API-Key', API_KEY)
      .send({
        event: 'add\n{"level":"fatal","msg":"forged"}',
        instances: [{ id: 'x\n{"level":"fatal"}' }],
      })
      .expect(400);

    // Unauthorized: who and what route, nothing of the body.
    await request(mgmt)
      .post('/instances/refresh')
      .set('X-Request-Id', 'logs-e2e-401')
      .send(body('del', [{ id: 123456 }]))
      .expect(401);

    // The endpoint answers, goes down for many cycles, then comes back for many.
    await engine.waitForRequests(3);
    engine.setMode('http500');
    await awaitLines(svc, (l) => l.msg === 'endpoint down');
    await engine.waitForRequests(engine.requests + 10);
    engine.setMode('ok');
    await awaitLines(svc, (l) => l.msg === 'endpoint up');
    await engine.waitForRequests(engine.requests + 10);

    svc.child.kill('SIGTERM');
    expect(await svc.exited).toBe(0);
    const lines = jsonLines(svc);

    for (const l of lines) {
      expect(LEVELS).toContain(l.level);
      expect(l.service).toBe('motor-coordinator');
      expect(typeof l.msg).toBe('string');
      expect(new Date(l.time as string).toISOString()).toBe(l.time);
    }
    expect(lines.some((l) => l.level === 'fatal')).toBe(false);

    const audit = lines.filter((l) => l.context === 'RefreshAudit');
    expect(audit).toHaveLength(4);
    expect(audit[0]).toMatchObject({
      level: 'info',
      msg: 'refresh',
      request_id: 'logs-e2e-42',
      from: '127.0.0.1',
      route: 'POST /instances/refresh',
      event: 'add',
      ids: [7],
      ids_count: 1,
      status: 200,
      result: 'applied',
    });
    expect(audit[1]).toMatchObject({
      request_id: generated,
      event: 'pause',
      ids: [99],
      status: 200,
    });
    expect(audit[2]).toMatchObject({
      event: 'add\n{"level":"fatal","msg":"forged"}',
      ids: ['x\n{"level":"fatal"}'],
      status: 400,
      result: 'rejected',
    });
    expect(audit[3]).toMatchObject({
      request_id: 'logs-e2e-401',
      from: '127.0.0.1',
      route: 'POST /instances/refresh',
      status: 401,
    });
    expect(audit[3]).not.toHaveProperty('ids');
    expect(audit[3]).not.toHaveProperty('event');
    expect(svc.output()).not.toContain('123456');

    const endpoint = '7|127.0.0.1|0';
    const down = lines.filter((l) => l.msg === 'endpoint down');
    const up = lines.filter((l) => l.msg === 'endpoint up');
    expect(down).toHaveLength(1);
    expect(up).toHaveLength(1);
    expect(down[0]).toMatchObject({
      level: 'warn',
      endpoint,
      instance_id: 7,
      pod_ip: '127.0.0.1',
      dp_rank: 0,
    });
    expect(String(down[0]!.last_error)).toContain('500');
    expect(up[0]).toMatchObject({ level: 'info', endpoint });
    expect(lines.indexOf(down[0]!)).toBeLessThan(lines.indexOf(up[0]!));
  });
});

describe('text logs of the service process', () => {
  it('one escaped line per entry: a newline in event or id forges nothing', async () => {
    const svc = spawnService([], {
      COORDINATOR_API_HOST: '127.0.0.1',
      COORDINATOR_API_MGMT_PORT: '0',
      COORDINATOR_OBS_PORT: '0',
      COORDINATOR_DRAIN_DELAY_SECONDS: '0',
      COORDINATOR_LOG_FORMAT: 'text',
    });
    try {
      const [, mgmt = ''] = await svc.waitForLine(URLS);
      await request(mgmt)
        .post('/instances/refresh')
        .set('X-Request-Id', 'text-1')
        .send({
          event: 'add\n2026-01-01T00:00:00.000Z INFO  [RefreshAudit] forged',
          instances: [{ id: 'x\r\nWARN forged' }],
        })
        .expect(400);
      svc.child.kill('SIGTERM');
      expect(await svc.exited).toBe(0);
    } finally {
      if (svc.child.exitCode === null) svc.child.kill('SIGKILL');
    }
    const lines = svc.output().split('\n').slice(0, -1);
    const entry =
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (TRACE|DEBUG|INFO |WARN |ERROR|FATAL) /;
    for (const l of lines)
      expect(l.startsWith('  ') || entry.test(l)).toBe(true);
    expect(lines.filter((l) => l.includes('forged'))).toEqual([
      expect.stringMatching(
        /^\S+ INFO {2}\[RefreshAudit\] refresh request_id=text-1 from=127\.0\.0\.1 route="POST \/instances\/refresh" status=400 result=rejected event="add\\n2026-01-01T00:00:00\.000Z INFO {2}\[RefreshAudit\] forged" ids=\["x\\r\\nWARN forged"\] ids_count=1 ms=\d+$/,
      ),
    ]);
  });
});
