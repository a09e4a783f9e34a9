import type { LabelPair } from '../parse/label-block.js';

/** Escaping of the Prometheus text format 0.0.4. */

const LABEL_SPECIAL = /[\\"\n]/;
const HELP_SPECIAL = /[\\\n]/;

export function escapeLabelValue(value: string): string {
  if (!LABEL_SPECIAL.test(value)) return value;
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

export function escapeHelp(text: string): string {
  if (!HELP_SPECIAL.test(text)) return text;
  return text.replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\'));
}

/** `a="x",b="y"` (no braces), empty for no labels. */
export function labelText(pairs: readonly LabelPair[]): string {
  let out = '';
  for (const [name, value] of pairs) {
    if (out !== '') out += ',';
    out += `${name}="${escapeLabelValue(value)}"`;
  }
  return out;
}
