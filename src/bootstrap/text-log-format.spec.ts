import { formatTextLine } from './text-log-format.js';

describe('formatTextLine', () => {
  it('prints time, level, context, message and the other fields', () => {
    const line = JSON.stringify({
      level: 'info',
      time: '2026-01-29T12:00:00.000Z',
      service: 'motor-coordinator',
      pid: 7,
      context: 'RefreshAudit',
      request_id: 'abc-1',
      status: 200,
      msg: 'refresh',
    });
    expect(formatTextLine(line)).toBe(
      '2026-01-29T12:00:00.000Z INFO  [RefreshAudit] refresh request_id=abc-1 status=200\n',
    );
  });

  it('escapes values so that a newline can never start a forged line', () => {
    const out = formatTextLine(
      JSON.stringify({
        level: 'warn',
        time: 't',
        msg: 'a\nINFO forged',
        event: 'add\n2026-01-29T12:00:00.000Z INFO  forged',
        ids: ['1\r\n2'],
      }),
    );
    expect(out.endsWith('\n')).toBe(true);
    const lines = out.slice(0, -1).split('\n');
    expect(lines[0]!.startsWith('t WARN  a')).toBe(true);
    for (const rest of lines.slice(1)) expect(rest.startsWith('  ')).toBe(true);
    expect(out).toContain(
      'event="add\\n2026-01-29T12:00:00.000Z INFO  forged" ids=["1\\r\\n2"]',
    );
  });

  it('indents an error stack under its line', () => {
    const out = formatTextLine(
      JSON.stringify({
        level: 'error',
        time: 't',
        msg: 'failed',
        err: { message: 'x', stack: 'Error: x\n    at f (a.js:1:1)' },
      }),
    );
    expect(out).toBe(
      't ERROR failed err=\n  Error: x\n      at f (a.js:1:1)\n',
    );
  });
});
