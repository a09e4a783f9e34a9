/**
 * Self time per function of V8 CPU profiles (`node --cpu-prof`, e.g. written
 * by `run.js --cpu-prof`): `node dist-bench/bench/prof-top.js <file.cpuprofile>… [--top=20]`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const top = Number(
  process.argv.find((a) => a.startsWith('--top='))?.slice(6) ?? '20',
);
const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (files.length === 0) {
  process.stderr.write('usage: prof-top.js <file.cpuprofile>... [--top=20]\n');
  process.exit(2);
}

for (const file of files) {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  prof.samples.forEach((id, i) => {
    const dt = prof.timeDeltas[i] ?? 0;
    const f = byId.get(id)?.callFrame;
    const where = f?.url ? shortUrl(f.url) + ':' + (f.lineNumber + 1) : '';
    const key = `${f?.functionName || '(anonymous)'} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  });
  const idle = self.get('(idle)') ?? 0;
  process.stdout.write(
    `${path.basename(file)}: ${(total / 1e6).toFixed(2)} s sampled, ${((total - idle) / 1e6).toFixed(2)} s busy\n`,
  );
  const rows = [...self.entries()]
    .filter(([k]) => k !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, top);
  for (const [key, us] of rows) {
    const share = total - idle > 0 ? (100 * us) / (total - idle) : 0;
    process.stdout.write(
      `  ${(us / 1e6).toFixed(3).padStart(8)} s  ${share.toFixed(1).padStart(5)} %  ${key}\n`,
    );
  }
}

function shortUrl(url: string): string {
  const m = /\/(?:dist|dist-bench|node_modules)\/(.*)$/.exec(url);
  return m ? m[1]! : url.replace(/^file:\/\//, '');
}
