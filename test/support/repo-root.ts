import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Obj } from './k8s-manifests.js';

/** The checkout's root, for specs that check files of the repository itself. */
export const ROOT = join(import.meta.dirname, '..', '..');

/** The repository's package.json. */
export const PKG = JSON.parse(
  readFileSync(join(ROOT, 'package.json'), 'utf8'),
) as Obj;
