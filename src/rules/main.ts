/**
 * `npm run rules`: writes the recording rules compiled from the metric table
 * (deploy/prometheus/recording-rules.yaml and recording-rules.rules.yml).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatedFiles } from './rule-files.js';

const dir = join(process.argv[2] ?? process.cwd(), 'deploy', 'prometheus');
const files = generatedFiles();
writeFileSync(join(dir, 'recording-rules.yaml'), files.operator);
writeFileSync(join(dir, 'recording-rules.rules.yml'), files.plain);
console.log(`wrote ${dir}/recording-rules.yaml and recording-rules.rules.yml`);
