import { parseNumber, formatNumber } from './parse-number.js';

describe('parseNumber', () => {
  const num = (s: string) => parseNumber(s, 0, s.length);
  it.each([
    ['0', 0],
    ['4', 4],
    ['195', 195],
    ['0.0', 0],
    ['1.0', 1],
    ['-1.0', -1],
    ['+3.5', 3.5],
    ['.5', 0.5],
    ['5.', 5],
    ['8.128902e+06', 8128902],
    ['1.048576e+06', 1048576],
    ['9.75010481363281e-06', 9.75010481363281e-6],
    ['0.007507552643049313', 0.007507552643049313],
    ['2.3518979474117756e+06', 2351897.9474117756],
    ['439.71999999999997', 439.71999999999997],
    ['1.7382173358407154e+09', 1738217335.8407154],
    ['4.28290317e+010', 42829031700],
    ['1E3', 1000],
    ['123456789012345678901234567890', 1.2345678901234568e29],
    ['1e-400', 0],
    ['1e400', Infinity],
  ])('parses %s', (s, v) => {
    expect(num(s)).toBe(v);
  });

  it.each(['NaN', 'nan', 'Nan', 'NAN', '+NaN'])('parses %s as NaN', (s) => {
    expect(num(s)).toBeNaN();
  });

  it.each([
    ['+Inf', Infinity],
    ['Inf', Infinity],
    ['inf', Infinity],
    ['+inf', Infinity],
    ['-Inf', -Infinity],
    ['-INF', -Infinity],
    ['+Infinity', Infinity],
    ['-infinity', -Infinity],
  ])('parses %s', (s, v) => {
    expect(num(s)).toBe(v);
  });

  it.each([
    '',
    '-',
    '+',
    '.',
    'e5',
    '1e',
    '1e+',
    '1.2.3',
    '0x10',
    '1_000',
    'abc',
    '1,5',
    'Infx',
    '--1',
  ])('rejects %j', (s) => {
    expect(num(s)).toBeUndefined();
  });

  it('matches Number() on many random doubles', () => {
    let seed = 42;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let k = 0; k < 5000; k++) {
      const v = (rnd() - 0.5) * 10 ** Math.floor(rnd() * 40 - 20);
      for (const s of [
        String(v),
        v.toExponential(),
        v.toFixed(6),
        v.toPrecision(15),
      ]) {
        expect(num(s)).toBe(Number(s));
      }
    }
  });

  it('formats NaN and infinities the Prometheus way', () => {
    expect(formatNumber(NaN)).toBe('NaN');
    expect(formatNumber(Infinity)).toBe('+Inf');
    expect(formatNumber(-Infinity)).toBe('-Inf');
    expect(formatNumber(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(formatNumber(186)).toBe('186');
    expect(formatNumber(1e-7)).toBe('1e-7');
  });
});
