import request from 'supertest';
import { startHarness, type Harness } from '../support/app-harness.js';
import { spawnService } from '../support/spawn-service.js';

/** Without master/standby the registry lives in memory only, and says so. */

describe('single mode', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('GET / of the management port says the registry lives in memory only', async () => {
    const res = await request(h.mgmt).get('/').expect(200);
    expect(res.body.registry).toBe('memory (lost on restart)');
    expect(res.body.service).toBe('Motor Coordinator Management Server');
  });
});

describe('single mode, the real process', () => {
  it('says at start-up that the registry lives in memory only', async () => {
    const svc = spawnService([], {
      COORDINATOR_API_MGMT_PORT: '0',
      COORDINATOR_OBS_PORT: '0',
    });
    try {
      const [line] = await svc.waitForLine(/management on .*\n/);
      expect(line).toContain('registry: memory (lost on restart)');
    } finally {
      svc.child.kill('SIGKILL');
      await svc.exited;
    }
  });
});
