import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { loadConfig } from '../../src/config/load-config.js';
import { spawnService } from '../support/spawn-service.js';

const URLS = /management on (http:\/\/\S+), observability on (http:\/\/\S+)/;

describe('the service process', () => {
  it('with no config at all, is configured for 127.0.0.1:1026 and :1027', () => {
    // What main.ts loads for the environment spawnService gives the process.
    const { config, source } = loadConfig({
      argv: [],
      env: { PATH: process.env.PATH },
    });
    expect(source).toBeNull();
    expect(config.api_config.coordinator_api_host).toBe('127.0.0.1');
    expect(config.api_config.coordinator_api_mgmt_port).toBe(1026);
    expect(config.api_config.coordinator_obs_port).toBe(1027);
  });

  it('starts with no config file, only the ports left to the OS, on 127.0.0.1', async () => {
    const svc = spawnService([], {
      COORDINATOR_API_MGMT_PORT: '0',
      COORDINATOR_OBS_PORT: '0',
    });
    try {
      const [, mgmt, obs] = await svc.waitForLine(URLS);
      const mgmtUrl = new URL(mgmt!);
      const obsUrl = new URL(obs!);
      expect(mgmtUrl.hostname).toBe('127.0.0.1');
      expect(obsUrl.hostname).toBe('127.0.0.1');
      // The URLs name the ports actually bound, not the 0 asked for.
      expect(Number(mgmtUrl.port)).toBeGreaterThan(0);
      expect(Number(obsUrl.port)).toBeGreaterThan(0);
      expect(mgmtUrl.port).not.toBe(obsUrl.port);
      await request(mgmt!).get('/liveness').expect(200);
      await request(obs!).get('/health').expect(200);
    } finally {
      svc.child.kill('SIGKILL');
      await svc.exited;
    }
  });

  it('exits non-zero before binding, with one line naming key, value and what is allowed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'motor-bad-'));
    const path = join(dir, 'user_config.json');
    writeFileSync(
      path,
      JSON.stringify({
        motor_coordinator_config: {
          api_config: { coordinator_api_mgmt_port: 70000 },
        },
      }),
    );
    const svc = spawnService(['--config', path], {});
    const code = await svc.exited;
    expect(code).not.toBe(0);
    const lines = svc.output().trim().split('\n');
    expect(lines).toEqual([
      'motor-coordinator: invalid configuration: api_config.coordinator_api_mgmt_port = 70000: must be an integer in 0..65535 (0 = any free port)',
    ]);
    const env = spawnService([], { COORDINATOR_REUSE_TIME: 'fast' });
    expect(await env.exited).not.toBe(0);
    expect(env.output()).toContain(
      'prometheus_metrics_config.reuse_time = "fast" (from COORDINATOR_REUSE_TIME)',
    );
  });

  it('on SIGTERM: readiness 503 during the drain, then exit code 0', async () => {
    const svc = spawnService([], {
      COORDINATOR_API_MGMT_PORT: '0',
      COORDINATOR_OBS_PORT: '0',
      COORDINATOR_DRAIN_DELAY_SECONDS: '2',
    });
    const [, mgmt] = await svc.waitForLine(URLS);
    await request(mgmt!).get('/readiness').expect(200);
    svc.child.kill('SIGTERM');
    await svc.waitForLine(/SIGTERM: draining/);
    const res = await request(mgmt!).get('/readiness').expect(503);
    expect(res.text).toBe(
      '{"status":"error","message":"Coordinator is shutting down","ready":false}',
    );
    await request(mgmt!).get('/liveness').expect(200);
    expect(await svc.exited).toBe(0);
    expect(svc.output()).toContain('shutdown complete');
  });

  it('on SIGINT as well', async () => {
    const svc = spawnService([], {
      COORDINATOR_API_MGMT_PORT: '0',
      COORDINATOR_OBS_PORT: '0',
      COORDINATOR_DRAIN_DELAY_SECONDS: '0',
    });
    await svc.waitForLine(URLS);
    svc.child.kill('SIGINT');
    expect(await svc.exited).toBe(0);
  });
});
