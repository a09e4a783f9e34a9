import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { pollUntil } from './poll-until.js';

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
