import { scanJson, tooDeepOffset } from './json-body.middleware.js';

describe('tooDeepOffset (raw UTF-8 text, before parsing)', () => {
  const at = (text: string, max: number) =>
    tooDeepOffset(Buffer.from(text), max);

  it('finds the first container opened past the limit', () => {
    expect(at('{"a":[1,{"b":2}]}', 3)).toBe(-1);
    expect(at('{"a":[1,{"b":2}]}', 2)).toBe(8);
    expect(at('[[],[],[[]]]', 2)).toBe(8);
    expect(at('1', 1)).toBe(-1);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(at('{"a":"[[[{{{"}', 1)).toBe(-1);
    expect(at('{"a":"\\\\"}[[', 1)).toBe(11);
    expect(at('{"a":"x\\\\"}[[', 1)).toBe(12);
    expect(at('{"a\\"[[":"[[[","b":[1]}', 1)).toBe(19);
    expect(at('["é[", "ü{"]', 1)).toBe(-1);
  });
});

describe('scanJson', () => {
  const nest = (levels: number, open: string, close: string) =>
    JSON.parse(open.repeat(levels) + '1' + close.repeat(levels)) as unknown;

  it('measures depth without recursion, however deep', () => {
    expect(scanJson(nest(32, '{"a":', '}'), 32).tooDeep).toBeNull();
    expect(scanJson(nest(33, '{"a":', '}'), 32).tooDeep).toBe(
      Array(32).fill('a').join('.'),
    );
    // 100k levels: a recursive walk would overflow the stack.
    expect(scanJson(nest(100_000, '[', ']'), 32).tooDeep).toBe(
      Array(32).fill('0').join('.'),
    );
    expect(scanJson(1, 1).tooDeep).toBeNull();
    expect(scanJson({ a: 1, b: 'x' }, 1).tooDeep).toBeNull();
    expect(scanJson({ a: {} }, 1).tooDeep).toBe('a');
  });

  it('names keys that could alter prototypes, at most 10', () => {
    const body = JSON.parse(
      '{"instances":[{"__proto__":{"x":1},"e":{"constructor":{"prototype":1}}}]}',
    ) as unknown;
    expect(scanJson(body, 32).forbidden.sort()).toEqual([
      'instances.0.__proto__',
      'instances.0.e.constructor',
      'instances.0.e.constructor.prototype',
    ]);
    const many = JSON.parse(
      `[${Array.from({ length: 50 }, () => '{"__proto__":1}').join(',')}]`,
    ) as unknown;
    expect(scanJson(many, 32).forbidden).toHaveLength(10);
  });
});
