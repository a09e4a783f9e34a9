import { parseSeriesText, seriesKey, unescapeHelp } from './label-block.js';

describe('parseSeriesText', () => {
  it('parses names and labels with escapes, braces, commas, colons and quotes', () => {
    const text =
      'vllm:x_total{a="}{,=:",b="q\\"uote",c="back\\\\slash",d="new\\nline",e=""}';
    expect(parseSeriesText(text)).toEqual({
      name: 'vllm:x_total',
      labels: [
        ['a', '}{,=:'],
        ['b', 'q"uote'],
        ['c', 'back\\slash'],
        ['d', 'new\nline'],
        ['e', ''],
      ],
    });
  });

  it('accepts a trailing comma, blanks and a bare name', () => {
    expect(parseSeriesText('m{ a = "1" , }')).toEqual({
      name: 'm',
      labels: [['a', '1']],
    });
    expect(parseSeriesText('m')).toEqual({ name: 'm', labels: [] });
  });

  it.each([
    ['1m', 'invalid metric name'],
    ['m{a="1"', 'expected "," or "}" in label set'],
    ['m{a="1",', 'unterminated label set'],
    ['m{a="1}', 'unterminated label value'],
    ['m{a=1}', 'expected quoted label value'],
    ['m{a="\\t"}', 'invalid escape in label value'],
    ['m{a="1",a="2"}', 'duplicate label name "a"'],
    ['m{1a="1"}', 'invalid label name'],
    ['m{a="1"} x', 'unexpected text after label set'],
    ['m x', 'unexpected character after metric name'],
  ])('rejects %s', (text, message) => {
    expect(parseSeriesText(text)).toBe(message);
  });

  it('puts labels in canonical order: the written order makes no other series', () => {
    const a = parseSeriesText('m{b="2",a="1",c="3"}');
    const b = parseSeriesText('m{c="3", a="1",b="2",}');
    expect(a).toEqual({
      name: 'm',
      labels: [
        ['a', '1'],
        ['b', '2'],
        ['c', '3'],
      ],
    });
    expect(b).toEqual(a);
    if (typeof a === 'string' || typeof b === 'string') throw new Error('bad');
    expect(seriesKey(b)).toBe(seriesKey(a));
    const other = parseSeriesText('m{a="1",b="2",c="4"}');
    if (typeof other === 'string') throw new Error(other);
    expect(seriesKey(other)).not.toBe(seriesKey(a));
    // Upper case sorts before lower case (code unit order), as the aggregator sorts.
    expect(parseSeriesText('m{b="1",B="2",_="3"}')).toEqual({
      name: 'm',
      labels: [
        ['B', '2'],
        ['_', '3'],
        ['b', '1'],
      ],
    });
  });

  it.each([
    ['m{__name__="other"}', 'reserved label name "__name__"'],
    ['m{a="1",__meta_x="y"}', 'reserved label name "__meta_x"'],
    ['m{__="y"}', 'reserved label name "__"'],
    ['m{b="1",a="2",b="3"}', 'duplicate label name "b"'],
  ])('rejects %s', (text, message) => {
    expect(parseSeriesText(text)).toBe(message);
  });

  it('accepts single-underscore label names', () => {
    expect(parseSeriesText('m{_a="1",a__b="2"}')).toEqual({
      name: 'm',
      labels: [
        ['_a', '1'],
        ['a__b', '2'],
      ],
    });
  });

  it('finds a duplicate among 100,000 labels, wherever it is', () => {
    const names = Array.from({ length: 100_000 }, (_, i) => `l${i}`);
    const text = (extra: string) =>
      `x{${names.map((n) => `${n}="v"`).join(',')}${extra}}`;
    const ok = parseSeriesText(text(''));
    if (typeof ok === 'string') throw new Error(ok);
    expect(ok.labels).toHaveLength(100_000);
    expect(ok.labels[0]).toEqual(['l0', 'v']);
    expect(ok.labels[1]).toEqual(['l1', 'v']);
    expect(ok.labels[2]).toEqual(['l10', 'v']);
    expect(parseSeriesText(text(',l77777="w"'))).toBe(
      'duplicate label name "l77777"',
    );
  });

  it('unescapes HELP text', () => {
    const s = 'a\\\\b\\nc\\d';
    expect(unescapeHelp(s, 0, s.length)).toBe('a\\b\nc\\d');
  });
});
