import {
  EndpointTransitionLog,
  type EndpointTransition,
} from './endpoint-transition-log.js';
import type { EndpointScrapeStatus } from '../aggregate/aggregate.types.js';

const ep = (
  key: string,
  up: boolean,
  lastError: string | null = up ? null : 'ECONNREFUSED',
): EndpointScrapeStatus => ({
  key,
  up,
  lastError,
  lastSuccessAt: null,
  stale: false,
  badLines: 0,
});

function collect() {
  const seen: EndpointTransition[] = [];
  return { seen, log: new EndpointTransitionLog((t) => seen.push(t)) };
}

describe('EndpointTransitionLog', () => {
  it('reports one down and one up across many cycles, with the reason', () => {
    const { seen, log } = collect();
    const states = [true, true, false, false, false, false, true, true, true];
    for (const up of states) log.observe([ep('1|127.0.0.1|0', up)]);
    expect(seen).toEqual([
      {
        to: 'down',
        endpoint: '1|127.0.0.1|0',
        instance_id: 1,
        pod_ip: '127.0.0.1',
        dp_rank: 0,
        last_error: 'ECONNREFUSED',
      },
      {
        to: 'up',
        endpoint: '1|127.0.0.1|0',
        instance_id: 1,
        pod_ip: '127.0.0.1',
        dp_rank: 0,
        last_error: 'ECONNREFUSED',
      },
    ]);
  });

  it('keeps the first reason while the error text changes', () => {
    const { seen, log } = collect();
    log.observe([ep('2|::1|3', false, 'timeout')]);
    log.observe([ep('2|::1|3', false, 'HTTP 500')]);
    expect(seen.map((t) => [t.to, t.last_error, t.pod_ip, t.dp_rank])).toEqual([
      ['down', 'timeout', '::1', 3],
    ]);
  });

  it('a new endpoint that answers is no transition; one that fails is', () => {
    const { seen, log } = collect();
    log.observe([ep('1|127.0.0.1|0', true), ep('1|127.0.0.1|1', false)]);
    expect(seen.map((t) => `${t.endpoint} ${t.to}`)).toEqual([
      '1|127.0.0.1|1 down',
    ]);
  });

  it('forgets endpoints that leave, so a return starts afresh', () => {
    const { seen, log } = collect();
    log.observe([ep('1|127.0.0.1|0', false)]);
    log.observe([]);
    log.observe([ep('1|127.0.0.1|0', true)]);
    log.observe([ep('1|127.0.0.1|0', false)]);
    expect(seen.map((t) => t.to)).toEqual(['down', 'down']);
  });

  it('tracks endpoints independently', () => {
    const { seen, log } = collect();
    log.observe([ep('a|1.1.1.1|0', true), ep('b|1.1.1.1|0', true)]);
    log.observe([ep('a|1.1.1.1|0', false), ep('b|1.1.1.1|0', true)]);
    log.observe([ep('a|1.1.1.1|0', false), ep('b|1.1.1.1|0', false)]);
    log.observe([ep('a|1.1.1.1|0', true), ep('b|1.1.1.1|0', false)]);
    expect(seen.map((t) => `${t.endpoint} ${t.to}`)).toEqual([
      'a|1.1.1.1|0 down',
      'b|1.1.1.1|0 down',
      'a|1.1.1.1|0 up',
    ]);
  });
});
