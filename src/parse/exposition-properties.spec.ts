import fc from 'fast-check';
import {
  expositionModel,
  writeStyle,
  type ModelFamily,
} from '../../test/support/exposition-model.js';
import { writeExposition } from '../../test/support/exposition-oracle.js';
import { escapeHelp, labelText } from '../render/escape.js';
import {
  parseExposition,
  type ExpositionHandler,
} from './exposition-parser.js';
import { parseSeriesText } from './label-block.js';
import { pageLimits } from './page-budget.js';
import { formatNumber } from './parse-number.js';
import { parsePage, type ParsedPage } from './parse-page.js';

/**
 * Property tests of the parser: it never throws, and valid expositions (written by
 * an independent writer, test/support/exposition-oracle.ts) parse to what was written
 * and survive parse → render → parse, the render using the coordinator's own
 * serialisation primitives (label and HELP escaping, number formatting).
 */

/** What a page says, in a comparable form: labels sorted by name. */
function contentOf(page: ParsedPage) {
  return page.families.map((f) => ({
    name: f.name,
    type: f.type,
    help: f.help,
    samples: f.samples.map((s) => ({
      name: s.name,
      labels: Object.entries(s.labels).sort((a, b) => (a[0] < b[0] ? -1 : 1)),
      value: s.value,
    })),
  }));
}

function expectedOf(model: readonly ModelFamily[]) {
  return model
    .filter((f) => f.help !== undefined || f.typeLine || f.samples.length > 0)
    .map((f) => ({
      name: f.name,
      type: f.type,
      help: f.help,
      samples: f.samples.map((s) => ({
        name: s.name,
        labels: [...s.labels].sort((a, b) => (a[0] < b[0] ? -1 : 1)),
        value: s.value,
      })),
    }));
}

/** The page again as text, with the renderer's primitives. */
function render(page: ParsedPage): string {
  let out = '';
  for (const f of page.families) {
    if (f.help !== undefined) out += `# HELP ${f.name} ${escapeHelp(f.help)}\n`;
    out += `# TYPE ${f.name} ${f.type}\n`;
    for (const s of f.samples) {
      const labels = labelText(Object.entries(s.labels));
      out += `${s.name}${labels === '' ? '' : `{${labels}}`} ${formatNumber(s.value)}\n`;
    }
  }
  return out;
}

/** A handler doing what the aggregator does with a line: validate the series text. */
class Validating implements ExpositionHandler {
  lines = 0;
  help(): boolean {
    return true;
  }
  type(): boolean {
    return true;
  }
  sample(body: string, start: number, end: number, value: number): boolean {
    this.lines++;
    expect(typeof value).toBe('number');
    const parsed = parseSeriesText(body.slice(start, end));
    if (typeof parsed === 'string') return false;
    for (let i = 1; i < parsed.labels.length; i++)
      expect(parsed.labels[i - 1]![0] < parsed.labels[i]![0]).toBe(true);
    for (const [name] of parsed.labels)
      expect(name.startsWith('__')).toBe(false);
    return true;
  }
}

const small = pageLimits({
  maxSeriesPerPage: 20,
  maxLabelsPerSeries: 2,
  maxLabelNameLength: 4,
  maxLabelValueLength: 6,
  maxBucketsPerHistogram: 2,
});

/** Text made of the characters that steer the parser, so odd paths are reached. */
const expositionish = fc.string({
  unit: fc.constantFrom(
    ...'{}",=\\ \t\n\r#_:.+-eE0123456789aZ'.split(''),
    'le',
    '_bucket',
    'NaN',
    '+Inf',
    '# HELP ',
    '# TYPE ',
    ' histogram',
    'motor:',
    '__name__',
    'é',
    '\u0000',
  ),
  maxLength: 400,
});

const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  expositionish,
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('utf8')),
  fc
    .uint8Array({ maxLength: 300 })
    .map((b) => Buffer.from(b).toString('latin1')),
  fc
    .tuple(expositionModel, writeStyle, fc.nat(), fc.string({ maxLength: 5 }))
    .map(([model, style, at, junk]) => {
      // A valid page cut or spliced at some point.
      const text = writeExposition(model, style);
      const i = text.length === 0 ? 0 : at % text.length;
      return text.slice(0, i) + junk + text.slice(i + junk.length);
    }),
);

describe('parser properties', () => {
  it('never throws, on any text, with any limits', () => {
    fc.assert(
      fc.property(anyText, fc.boolean(), (text, tight) => {
        const limits = tight ? small : undefined;
        const handler = new Validating();
        const stats = parseExposition(text, handler, limits);
        const lines = text.split('\n').length;
        expect(stats.samples + stats.badLines).toBeLessThanOrEqual(lines);
        expect(stats.samples).toBeLessThanOrEqual(handler.lines);
        if (stats.rejected !== undefined) {
          expect(stats.samples).toBe(0);
          expect(stats.rejected).toMatch(/^page budget: \d+ .* > max_\w+ \d+$/);
        }
        const page = parsePage(text, { limits });
        expect(page.samples).toBe(
          page.families.reduce((n, f) => n + f.samples.length, 0),
        );
      }),
      { numRuns: 1500 },
    );
  });

  it('reads a valid exposition as written', () => {
    fc.assert(
      fc.property(expositionModel, writeStyle, (model, style) => {
        const text = writeExposition(model, style);
        const page = parsePage(text);
        expect(page.rejected).toBeUndefined();
        expect(page.badLines).toBe(0);
        expect(contentOf(page)).toEqual(expectedOf(model));
      }),
      { numRuns: 400 },
    );
  });

  it('round-trips: parse → render → parse gives the same samples', () => {
    fc.assert(
      fc.property(expositionModel, writeStyle, (model, style) => {
        const first = parsePage(writeExposition(model, style));
        const text = render(first);
        const second = parsePage(text);
        expect(second.badLines).toBe(0);
        expect(second.samples).toBe(first.samples);
        expect(contentOf(second)).toEqual(contentOf(first));
        // And the rendered text is a fixed point.
        expect(render(second)).toBe(text);
      }),
      { numRuns: 400 },
    );
  });
});
