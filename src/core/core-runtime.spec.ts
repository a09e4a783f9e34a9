import { InMemoryInstanceRegistry } from '../instances/instance-registry.js';
import type { Leadership } from '../leadership/leadership.js';
import { LifecycleState } from '../lifecycle/lifecycle-state.js';
import type { CycleRunner } from '../pipeline/pipeline.types.js';
import type { CycleScheduler } from '../pipeline/cycle-scheduler.js';
import { SelfMetrics } from '../pipeline/self-metrics.js';
import { CoreRuntime } from './core-runtime.js';

describe('CoreRuntime shutdown', () => {
  it('closes leadership once, whether it resigned early or not', async () => {
    const order: string[] = [];
    const leadership = {
      mode: 'standalone',
      isMaster: () => true,
      close: () => {
        order.push('leadership');
        return Promise.resolve();
      },
    } as unknown as Leadership;
    const registry = new InMemoryInstanceRegistry();
    const closeRegistry = registry.close.bind(registry);
    registry.close = () => {
      order.push('registry');
      return closeRegistry();
    };
    const runtime = new CoreRuntime(
      new LifecycleState(),
      leadership,
      registry,
      {
        close: () => {
          order.push('runner');
          return Promise.resolve();
        },
      } as unknown as CycleRunner,
      {
        stop: () => {
          order.push('scheduler');
          return Promise.resolve();
        },
      } as unknown as CycleScheduler,
      new SelfMetrics(),
    );
    await runtime.resign();
    await runtime.resign();
    await runtime.stop();
    expect(order).toEqual(['leadership', 'scheduler', 'runner', 'registry']);
  });
});
