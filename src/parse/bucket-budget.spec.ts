import { parse, small } from '../../test/support/budget-parse.js';

describe('buckets per histogram', () => {
  const hist = (les: readonly string[], labels = '', name = 'h'): string =>
    les.map((le) => `${name}_bucket{${labels}le="${le}"} 1`).join('\n') + '\n';
  const five = ['0.1', '1', '10', '100', '+Inf'];
  const reason = (n: number, name = 'h', limit = 4) =>
    `page budget: ${n} buckets (distinct le) in histogram ${name} > max_buckets_per_histogram ${limit}`;

  it('rejects a histogram with more distinct bounds than allowed', () => {
    expect(
      parse(hist(five.slice(0, 4), 'a="1",'), small).rejected,
    ).toBeUndefined();
    const p = parse(hist(five, 'a="1",'), small);
    expect(p.rejected).toBe(reason(5));
    expect(p.samples).toBe(0);
    expect(p.seen).toHaveLength(4);
  });

  it('counts the bounds of a family, not its lines', () => {
    // Many series over the same 4 bounds, written as clients do (and interleaved):
    // 4 buckets, whatever the number of lines.
    const many = Array.from({ length: 6 }, (_, i) =>
      hist(five.slice(0, 4), `a="${i}",`),
    ).join('');
    expect(
      parse(many, { ...small, maxSeriesPerPage: 100 }).rejected,
    ).toBeUndefined();
    const interleaved = Array.from(
      { length: 24 },
      (_, i) => `h_bucket{a="${i % 6}",le="${five[i >> 3]}"} 1`,
    ).join('\n');
    expect(
      parse(interleaved, { ...small, maxSeriesPerPage: 100 }).rejected,
    ).toBeUndefined();
    // Series with different bounds add up: 3 + 2 new ones.
    const spread =
      hist(['1', '2', '3'], 'a="x",') + hist(['1', '4', '5'], 'a="y",');
    expect(parse(spread, small).rejected).toBe(reason(5));
    // A family written in two places, another between: its bounds add up.
    const split =
      hist(['1', '2', '3'], 'a="x",') +
      hist(five, '', 'g')
        .replace(/\n$/, '\n')
        .split('\n')
        .slice(0, 4)
        .join('\n') +
      '\n' +
      hist(['4', '5'], 'a="x",');
    expect(parse(split, { ...small, maxSeriesPerPage: 100 }).rejected).toBe(
      reason(5),
    );
  });

  it('finds `le` anywhere in the label block, in any order of labels', () => {
    for (const form of [
      (le: string) => `h_bucket{le="${le}",a="x"}`,
      (le: string) => `h_bucket{engine="0",le="${le}",model="m"}`,
      (le: string) => `h_bucket{a="x",le="${le}"}`,
      (le: string) => `h_bucket{ a = "x" , le = "${le}" , }`,
      (le: string) => `h_bucket {le="${le}"}`,
    ]) {
      const body = five.map((le) => `${form(le)} 1`).join('\n');
      expect(parse(body, small).rejected, form('')).toBe(reason(5));
      expect(
        parse(body.slice(0, body.lastIndexOf('\n')), small).rejected,
      ).toBeUndefined();
    }
    // Label permutations of one series are one histogram's buckets.
    const permuted = five
      .map((le, i) =>
        i % 2 === 0
          ? `h_bucket{a="x",b="y",le="${le}"} 1`
          : `h_bucket{le="${le}",b="y",a="x"} 1`,
      )
      .join('\n');
    expect(parse(permuted, small).rejected).toBe(reason(5));
  });

  it('keeps families apart, and ignores lines without `le`', () => {
    const body =
      hist(five.slice(0, 4), '', 'h') +
      hist(['5', '6', '7', '8'], '', 'g') +
      hist(['9', '10', '11', '12'], '', 'hh') +
      'h_bucket{a="1"} 1\nh_bucket 2\n' +
      hist(five.slice(0, 4), 'a="2",', 'h');
    expect(
      parse(body, { ...small, maxSeriesPerPage: 100 }).rejected,
    ).toBeUndefined();
  });

  it('rejects the 50,000-bucket histogram with the default limit', () => {
    const les = Array.from({ length: 50_000 }, (_, i) => String(i));
    const p = parse('# TYPE h histogram\n' + hist(les));
    expect(p.rejected).toBe(reason(1025, 'h', 1024));
    expect(p.seen).toHaveLength(1024);
  });

  it('accepts a page of many real-sized histograms', () => {
    // 2,000 families of 30 bounds × 2 series: 120,000 bucket lines.
    const les = Array.from({ length: 30 }, (_, i) => (i / 10).toFixed(1));
    let body = '';
    for (let f = 0; f < 2000; f++)
      for (const m of ['a', 'b'])
        body += hist(les, `engine="0",model="${m}",`, `f${f}`);
    const p = parse(body);
    expect(p.rejected).toBeUndefined();
    expect(p.samples).toBe(120_000);
  });
});
