import { podAddress } from './fleet-placement.js';
import { startFleet } from './fleet.js';

describe('startFleet', () => {
  it('rejects duplicate ids and empty instances before binding anything', async () => {
    await expect(
      startFleet({
        instances: [
          { id: 1, role: 'prefill', dpRanks: 1 },
          { id: 1, role: 'decode', dpRanks: 1 },
        ],
      }),
    ).rejects.toThrow(/unique/);
    await expect(
      startFleet({ instances: [{ id: 1, role: 'prefill', dpRanks: 0 }] }),
    ).rejects.toThrow(/dpRanks/);
  });

  it('spreads pods over at most 250 loopback addresses', () => {
    expect(podAddress(0)).toBe('127.0.0.2');
    expect(podAddress(249)).toBe('127.0.0.251');
    expect(podAddress(250)).toBe('127.0.0.2');
  });
});
