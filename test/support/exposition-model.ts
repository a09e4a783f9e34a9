import fc from 'fast-check';

/**
 * Valid Prometheus text expositions for property tests, as a model of
 * families and samples (fast-check arbitraries), with the freedoms real pages
 * take: any label values, HELP text and sample values (NaN and ±Inf too),
 * untyped families without a TYPE line. exposition-oracle.ts writes them.
 */

export type ModelType =
  'counter' | 'gauge' | 'untyped' | 'histogram' | 'summary';

export interface ModelSample {
  readonly name: string;
  /** In the order written. */
  readonly labels: readonly (readonly [string, string])[];
  readonly value: number;
}

export interface ModelFamily {
  readonly name: string;
  readonly type: ModelType;
  /** Undefined: no HELP line. Never starts or ends with blanks (the line is trimmed). */
  readonly help: string | undefined;
  /** Whether the TYPE line is written (always but for some untyped families). */
  readonly typeLine: boolean;
  readonly samples: readonly ModelSample[];
}

export interface WriteStyle {
  /** A seed for the writer's choices (spelling of numbers, blanks, timestamps). */
  readonly seed: number;
  readonly crlf: boolean;
}

const NAME_START = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_:';
const NAME_CHAR = NAME_START + '0123456789';
const LABEL_START = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_';
const LABEL_CHAR = LABEL_START + '0123456789';

const fromChars = (chars: string, min: number, max: number) =>
  fc.string({
    unit: fc.constantFrom(...chars.split('')),
    minLength: min,
    maxLength: max,
  });

/** A metric name; families get a `_<index>` suffix so no family name is another's suffix form. */
const metricStem = fc
  .tuple(fromChars(NAME_START, 1, 1), fromChars(NAME_CHAR, 0, 12))
  .map(([a, b]) => a + b)
  .filter(
    (n) => !n.startsWith('motor:') && !n.startsWith('motor_coordinator_'),
  );

/** Label names, never reserved (`__*`) nor `le` / `quantile`. */
const labelName = fc
  .tuple(fromChars(LABEL_START, 1, 1), fromChars(LABEL_CHAR, 0, 10))
  .map(([a, b]) => a + b)
  .filter((n) => !n.startsWith('__') && n !== 'le' && n !== 'quantile');

/** Label values: any code points, with the characters that need escaping or confuse a lexer. */
const labelValue = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({
    unit: fc.constantFrom(
      '\\',
      '"',
      '\n',
      '}',
      '{',
      ',',
      '=',
      ' ',
      '#',
      'é',
      '😀',
      'a',
      '0',
    ),
    maxLength: 12,
  }),
);

/** Values, NaN and ±Inf included; no -0 (the sign of zero is not kept by the text format's `0`). */
const sampleValue = fc
  .oneof(
    fc.double(),
    fc.integer({ min: -1e6, max: 1e9 }),
    fc.constantFrom(NaN, Infinity, -Infinity, 0, 1, 0.1, 1e-300, 5e-324),
  )
  .map((v) => (v === 0 ? 0 : v));

const labelSet = fc.uniqueArray(fc.tuple(labelName, labelValue), {
  maxLength: 4,
  selector: (p) => p[0],
});

/** Distinct label sets (by their sorted content). */
const labelSets = (max: number) =>
  fc.uniqueArray(labelSet, {
    maxLength: max,
    selector: (ls) =>
      JSON.stringify([...ls].sort((a, b) => (a[0] < b[0] ? -1 : 1))),
  });

/** HELP text: anything, blanks at either end removed (the parser trims lines). */
const helpText = fc
  .string({
    unit: fc.oneof(
      fc.constantFrom('\\', '\n', ' ', '\\n', '"'),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    ),
    maxLength: 20,
  })
  .map((s) => s.replace(/^[ \t]+/, '').replace(/[ \t\r]+$/, ''));

function plainFamily(type: 'counter' | 'gauge' | 'untyped') {
  return fc
    .record({
      help: fc.option(helpText, { nil: undefined }),
      typeLine: type === 'untyped' ? fc.boolean() : fc.constant(true),
      series: fc.array(fc.tuple(labelSet, sampleValue), { maxLength: 4 }),
    })
    .map(({ help, typeLine, series }) => (name: string): ModelFamily => {
      const seen = new Set<string>();
      const samples: ModelSample[] = [];
      for (const [labels, value] of series) {
        const key = JSON.stringify(
          [...labels].sort((a, b) => (a[0] < b[0] ? -1 : 1)),
        );
        if (seen.has(key)) continue;
        seen.add(key);
        samples.push({ name, labels, value });
      }
      return { name, type, help, typeLine, samples };
    });
}

const bound = fc
  .oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer({ min: 0, max: 1000 }),
  )
  .map((v) => (v === 0 ? 0 : v));

const histogramFamily = fc
  .record({
    help: fc.option(helpText, { nil: undefined }),
    groups: labelSets(3),
    bounds: fc.uniqueArray(bound, { maxLength: 6 }),
    counts: fc.array(fc.nat(1000), { minLength: 7, maxLength: 7 }),
    sum: sampleValue,
  })
  .map(
    ({ help, groups, bounds, counts, sum }) =>
      (name: string): ModelFamily => {
        const les = [...bounds].sort((a, b) => a - b);
        const samples: ModelSample[] = [];
        for (const labels of groups) {
          let cumulative = 0;
          les.forEach((le, i) => {
            cumulative += counts[i]!;
            samples.push({
              name: `${name}_bucket`,
              labels: [...labels, ['le', writeBound(le)]],
              value: cumulative,
            });
          });
          cumulative += counts[6]!;
          samples.push({
            name: `${name}_bucket`,
            labels: [...labels, ['le', '+Inf']],
            value: cumulative,
          });
          samples.push({ name: `${name}_sum`, labels, value: sum });
          samples.push({ name: `${name}_count`, labels, value: cumulative });
        }
        return { name, type: 'histogram', help, typeLine: true, samples };
      },
  );

const summaryFamily = fc
  .record({
    help: fc.option(helpText, { nil: undefined }),
    groups: labelSets(3),
    quantiles: fc.uniqueArray(fc.constantFrom('0', '0.5', '0.9', '0.99', '1'), {
      maxLength: 4,
    }),
    values: fc.array(sampleValue, { minLength: 6, maxLength: 6 }),
  })
  .map(({ help, groups, quantiles, values }) => (name: string): ModelFamily => {
    const samples: ModelSample[] = [];
    for (const labels of groups) {
      quantiles.forEach((q, i) => {
        samples.push({
          name,
          labels: [['quantile', q], ...labels],
          value: values[i]!,
        });
      });
      samples.push({ name: `${name}_sum`, labels, value: values[4]! });
      samples.push({
        name: `${name}_count`,
        labels,
        value: Math.abs(Math.round(values[5]!)) || 0,
      });
    }
    return { name, type: 'summary', help, typeLine: true, samples };
  });

/** A valid exposition model: 0–6 families of every type, distinct names. */
export const expositionModel: fc.Arbitrary<ModelFamily[]> = fc
  .array(
    fc.tuple(
      metricStem,
      fc.oneof(
        plainFamily('counter'),
        plainFamily('gauge'),
        plainFamily('untyped'),
        histogramFamily,
        summaryFamily,
      ),
    ),
    { maxLength: 6 },
  )
  .map((families) => families.map(([stem, make], i) => make(`${stem}_${i}`)));

export const writeStyle: fc.Arbitrary<WriteStyle> = fc.record({
  seed: fc.nat(),
  crlf: fc.boolean(),
});

/** A `le` bound as a client library writes it. */
function writeBound(v: number): string {
  return Number.isInteger(v) && Math.abs(v) < 1e21 ? v.toFixed(1) : String(v);
}
