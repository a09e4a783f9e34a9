import { readFixture, SYNTHETIC_PAGE } from '../../test/support/fixtures.js';
import {
  escapeLabelValue,
  formatPythonFloat,
  formatSampleValue,
} from './prom-format.js';

describe('formatSampleValue (prometheus_client floatToGoString)', () => {
  it.each([
    [0, '0.0'],
    [1, '1.0'],
    [999999, '999999.0'],
    [1e6, '1e+06'],
    [2743161, '2.743161e+06'],
    [42829031700, '4.28290317e+010'],
    [1766897419.3029642, '1.7668974193029642e+09'],
    [1766652615.63, '1.76665261563e+09'],
    [0.4996595626666983, '0.4996595626666983'],
    [128924.26514070058, '128924.26514070058'],
    [9.75010481363281e-6, '9.75010481363281e-06'],
    [0.0001, '0.0001'],
    [1e16, '1e+16'],
    [1.5e17, '1.5e+17'],
    [-5.5, '-5.5'],
    [-1234567.25, '-1234567.25'],
    [0.1 + 0.2, '0.30000000000000004'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [NaN, 'NaN'],
  ])('%s → %s', (x, text) => {
    expect(formatSampleValue(x)).toBe(text);
  });

  it('reproduces every value of the synthetic fixture from its own number', () => {
    const values = readFixture(SYNTHETIC_PAGE)
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.slice(l.lastIndexOf(' ') + 1));
    expect(values.length).toBeGreaterThan(400);
    for (const text of values) {
      expect(formatSampleValue(Number(text))).toBe(text);
    }
  });

  it('prints bucket bounds as Python floats', () => {
    expect([0.001, 1, 7680, 100000].map(formatPythonFloat)).toEqual([
      '0.001',
      '1.0',
      '7680.0',
      '100000.0',
    ]);
  });
});

describe('escapeLabelValue', () => {
  it('escapes backslash, double quote and newline', () => {
    expect(escapeLabelValue('a\\b"c\nd/')).toBe('a\\\\b\\"c\\nd/');
  });
});
