import {
  AUDIT_MAX_IDS,
  AUDIT_MAX_STRING,
  auditFields,
} from './refresh-audit.middleware.js';

const req = (body: unknown) => ({
  body,
  method: 'POST',
  path: '/instances/refresh',
  socket: { remoteAddress: '127.0.0.1' },
});

describe('auditFields', () => {
  it('names who, route, event, ids and status', () => {
    expect(
      auditFields(
        req({ event: 'add', instances: [{ id: 1 }, { id: 2 }] }),
        200,
      ),
    ).toEqual({
      from: '127.0.0.1',
      route: 'POST /instances/refresh',
      status: 200,
      result: 'applied',
      event: 'add',
      ids: [1, 2],
      ids_count: 2,
    });
  });

  it('lists the first ids only and counts them all', () => {
    const instances = Array.from({ length: 1000 }, (_, i) => ({ id: i }));
    const f = auditFields(req({ event: 'del', instances }), 200);
    expect(f.ids).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(f.ids).toHaveLength(AUDIT_MAX_IDS);
    expect(f.ids_count).toBe(1000);
  });

  it('caps long strings, keeping newlines as data of one field', () => {
    const event = `add\n${'x'.repeat(5000)}`;
    const f = auditFields(req({ event, instances: [{ id: 'a\nb' }] }), 400);
    expect(f.event).toBe(
      `${event.slice(0, AUDIT_MAX_STRING)}…(${event.length} chars)`,
    );
    expect(f.ids).toEqual(['a\nb']);
    expect(f.result).toBe('rejected');
  });

  it('on 401 reads nothing of the body', () => {
    const body = {
      get event(): string {
        throw new Error('body read');
      },
    };
    expect(auditFields(req(body), 401)).toEqual({
      from: '127.0.0.1',
      route: 'POST /instances/refresh',
      status: 401,
      result: 'rejected',
    });
  });

  it('copes with bodies that are not objects', () => {
    const f = auditFields(req('nope'), 400);
    expect(f).toMatchObject({ event: '-', ids: [], ids_count: 0 });
  });
});
