/**
 * PromQL, read just enough to check the deployment assets. Prometheus 2.42 has
 * no parse endpoint, so the expressions are scanned here: string literals,
 * `{…}` matchers, `[…]` ranges and label lists after by/without/on/ignoring/
 * group_left/group_right are skipped as units.
 */

const AGGREGATIONS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
]);
const LABEL_LIST_KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
]);
const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'atan2',
  'inf',
  'nan',
]);

/** Index just past the bracket that closes the one at `open` (strings respected). */
function closing(expr: string, open: number): number {
  const pairs: Record<string, string> = { '(': ')', '{': '}', '[': ']' };
  const stack: string[] = [];
  for (let i = open; i < expr.length; i++) {
    const c = expr[i]!;
    if (c === '"' || c === "'" || c === '`') {
      i = stringEnd(expr, i) - 1;
    } else if (pairs[c]) {
      stack.push(pairs[c]);
    } else if (c === ')' || c === '}' || c === ']') {
      if (stack.pop() !== c) throw new Error(`unbalanced ${c} in ${expr}`);
      if (stack.length === 0) return i + 1;
    }
  }
  throw new Error(`unclosed bracket in ${expr}`);
}

function stringEnd(expr: string, start: number): number {
  const quote = expr[start]!;
  for (let i = start + 1; i < expr.length; i++) {
    if (quote !== '`' && expr[i] === '\\') i++;
    else if (expr[i] === quote) return i + 1;
  }
  throw new Error(`unterminated string in ${expr}`);
}

export interface VectorSelector {
  readonly name: string;
  /** The text between the braces, '' without braces. */
  readonly matchers: string;
}

/** Every instant/range vector selector of `expr` with a metric name. */
export function vectorSelectors(expr: string): VectorSelector[] {
  const out: VectorSelector[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i]!;
    if (c === '"' || c === "'" || c === '`') {
      i = stringEnd(expr, i);
    } else if (c === '[') {
      i = closing(expr, i);
    } else if (c === '{') {
      throw new Error(`selector without a metric name in ${expr}`);
    } else if (/[0-9.]/.test(c)) {
      const m = /^[0-9.]+(?:[eE][+-]?[0-9]+)?[a-z]*/.exec(expr.slice(i));
      i += m ? m[0].length : 1;
    } else if (/[a-zA-Z_:]/.test(c)) {
      const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(expr.slice(i))![0];
      i += name.length;
      let j = i;
      while (j < expr.length && /\s/.test(expr[j]!)) j++;
      const next = expr[j];
      if (LABEL_LIST_KEYWORDS.has(name)) {
        if (next === '(') i = closing(expr, j);
      } else if (next === '(' || AGGREGATIONS.has(name) || KEYWORDS.has(name)) {
        // function call, aggregation or operator keyword
      } else if (next === '{') {
        const end = closing(expr, j);
        out.push({ name, matchers: expr.slice(j + 1, end - 1) });
        i = end;
      } else {
        out.push({ name, matchers: '' });
      }
    } else {
      i++;
    }
  }
  return out;
}

/**
 * What "this expression has data to work on" means, for expressions whose
 * full value is normally empty (alert conditions): a comparison or `and`
 * needs every operand to return data, an `or` needs one, `unless` needs its
 * left side, `absent(x)` needs `x`; numeric literals count as data.
 */
export type Probe =
  | { readonly kind: 'leaf'; readonly expr: string }
  | { readonly kind: 'literal'; readonly expr: string }
  | {
      readonly kind: 'all' | 'any';
      readonly expr: string;
      readonly parts: readonly Probe[];
    };

/** Top-level positions of the given binary operators (depth 0, outside strings). */
function topLevelSplit(expr: string, ops: RegExp): string[] | undefined {
  const parts: string[] = [];
  let start = 0;
  let i = 0;
  while (i < expr.length) {
    const c = expr[i]!;
    if (c === '"' || c === "'" || c === '`') {
      i = stringEnd(expr, i);
      continue;
    }
    if (c === '(' || c === '{' || c === '[') {
      i = closing(expr, i);
      continue;
    }
    const prev = i === 0 ? ' ' : expr[i - 1]!;
    const m = ops.exec(expr.slice(i));
    if (m && (!/^[a-z]/.test(m[0]) || !/[a-zA-Z0-9_:]/.test(prev))) {
      parts.push(expr.slice(start, i));
      i += m[0].length;
      start = i;
      continue;
    }
    i++;
  }
  if (parts.length === 0) return undefined;
  parts.push(expr.slice(start));
  return parts;
}

function stripModifiers(part: string): string {
  let s = part.trim();
  for (;;) {
    const m = /^(bool\b|(?:on|ignoring|group_left|group_right)\b\s*)/.exec(s);
    if (!m) return s;
    s = s.slice(m[0].length).trimStart();
    if (m[0] !== 'bool' && s.startsWith('(')) {
      s = s.slice(closing(s, 0)).trimStart();
    }
  }
}

function unwrap(expr: string): string {
  let s = expr.trim();
  while (s.startsWith('(') && closing(s, 0) === s.length) {
    s = s.slice(1, -1).trim();
  }
  return s;
}

export function probeTree(expr: string): Probe {
  const s = unwrap(expr);
  const or = topLevelSplit(s, /^or\b/);
  if (or) return { kind: 'any', expr: s, parts: or.map(operand) };
  const unless = topLevelSplit(s, /^unless\b/);
  if (unless) return operand(unless[0]!);
  const and = topLevelSplit(s, /^and\b/);
  if (and) return { kind: 'all', expr: s, parts: and.map(operand) };
  const cmp = topLevelSplit(s, /^(==|!=|>=|<=|>|<)/);
  if (cmp) return { kind: 'all', expr: s, parts: cmp.map(operand) };
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) {
    return { kind: 'literal', expr: s };
  }
  const absent = /^absent\s*\(/.exec(s);
  if (absent && closing(s, absent[0].length - 1) === s.length) {
    return probeTree(s.slice(absent[0].length, -1));
  }
  return { kind: 'leaf', expr: s };
}

function operand(part: string): Probe {
  return probeTree(stripModifiers(part));
}

/** Every leaf expression of a probe tree. */
export function probeLeaves(p: Probe): string[] {
  if (p.kind === 'leaf') return [p.expr];
  if (p.kind === 'literal') return [];
  return p.parts.flatMap(probeLeaves);
}
