import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';

/** The Debian `prometheus` package (CI installs it too). */
export const PROMETHEUS_BIN = '/usr/bin/prometheus';
export const PROMTOOL_BIN = '/usr/bin/promtool';

export interface PromSample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

export interface PrometheusServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Instant query; throws on a PromQL or HTTP error. */
  query(expr: string): Promise<PromSample[]>;
  /** GET on the HTTP API, `data` of the answer; throws unless status is success. */
  api<T>(path: string): Promise<T>;
  /** Everything the server wrote to stderr so far (for failure messages). */
  log(): string;
  close(): Promise<void>;
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function pollUntil<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const why = last instanceof Error ? `: ${last.message}` : '';
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${why}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * A real Prometheus on 127.0.0.1 (free port, storage in a temporary directory
 * removed on close). `config` is the prometheus.yml content as an object;
 * `rules` maps file names to rule-file objects, written next to it and listed
 * in `rule_files`.
 */
export async function startPrometheus(
  config: Record<string, unknown>,
  rules: Record<string, unknown> = {},
): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'motor-prometheus-'));
  const ruleFiles = Object.entries(rules).map(([name, content]) => {
    const path = join(dir, name);
    writeFileSync(path, YAML.stringify(content));
    return path;
  });
  const configPath = join(dir, 'prometheus.yml');
  writeFileSync(
    configPath,
    YAML.stringify({ ...config, rule_files: ruleFiles }),
  );

  let lastError: unknown;
  // A free port can be taken between the probe and Prometheus' bind: retry.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = spawn(
      PROMETHEUS_BIN,
      [
        `--config.file=${configPath}`,
        `--storage.tsdb.path=${join(dir, `data-${attempt}`)}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr += chunk;
    });
    const stop = async (): Promise<void> => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited(child);
        clearTimeout(timer);
      }
    };
    try {
      await pollUntil(
        'Prometheus to be ready',
        async () => {
          if (child.exitCode !== null) {
            throw new Error(`prometheus exited ${child.exitCode}: ${stderr}`);
          }
          const res = await fetch(`${url}/-/ready`);
          return res.ok ? true : undefined;
        },
        20_000,
      );
    } catch (err) {
      lastError = err;
      await stop();
      continue;
    }

    const api = async <T>(path: string): Promise<T> => {
      const res = await fetch(`${url}${path}`);
      const body = (await res.json()) as {
        status: string;
        data: T;
        error?: string;
      };
      if (body.status !== 'success') {
        throw new Error(`${path}: ${body.error ?? res.status}`);
      }
      return body.data;
    };
    return {
      url,
      api,
      query: async (expr) => {
        const data = await api<{ resultType: string; result: unknown }>(
          `/api/v1/query?query=${encodeURIComponent(expr)}`,
        );
        if (data.resultType === 'vector') return data.result as PromSample[];
        if (data.resultType === 'scalar') {
          return [{ metric: {}, value: data.result as [number, string] }];
        }
        throw new Error(`${expr}: unexpected result type ${data.resultType}`);
      },
      log: () => stderr,
      close: async () => {
        await stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError instanceof Error
    ? lastError
    : new Error('prometheus did not start');
}

// ---------------------------------------------------------------------------
// PromQL, read just enough to check the deployment assets. Prometheus 2.42 has
// no parse endpoint, so the expressions are scanned here: string literals,
// `{…}` matchers, `[…]` ranges and label lists after by/without/on/ignoring/
// group_left/group_right are skipped as units.

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
