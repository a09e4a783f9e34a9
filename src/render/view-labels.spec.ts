import { escapeHelp, escapeLabelValue, labelText } from './escape.js';
import { renameCollisions } from './view-labels.js';

describe('renameCollisions', () => {
  it('renames engine labels the view injects, keeping their place', () => {
    expect(
      renameCollisions(
        [
          ['dp_rank', '3'],
          ['model_name', 'm'],
          ['role', 'x'],
        ],
        ['dp_rank', 'role', 'instance_id', 'pod_ip'],
        undefined,
      ),
    ).toEqual([
      ['exported_dp_rank', '3'],
      ['model_name', 'm'],
      ['exported_role', 'x'],
    ]);
  });

  it('prefixes again when exported_<name> is taken too', () => {
    expect(
      renameCollisions(
        [
          ['exported_role', 'a'],
          ['role', 'b'],
        ],
        ['role'],
        undefined,
      ),
    ).toEqual([
      ['exported_role', 'a'],
      ['exported_exported_role', 'b'],
    ]);
  });

  it('treats the lead label (quantile) as injected, and returns the same array when nothing collides', () => {
    expect(renameCollisions([['quantile', '1']], [], 'quantile')).toEqual([
      ['exported_quantile', '1'],
    ]);
    const labels = [['model_name', 'm']] as const;
    expect(renameCollisions(labels, ['role'], undefined)).toBe(labels);
  });
});

describe('escaping', () => {
  it('escapes label values: backslash, double quote, newline', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(escapeLabelValue('plain/path:{x},y')).toBe('plain/path:{x},y');
  });

  it('escapes help text: backslash and newline only', () => {
    expect(escapeHelp('a\\b"c\nd')).toBe('a\\\\b"c\\nd');
  });

  it('renders label pairs', () => {
    expect(labelText([])).toBe('');
    expect(
      labelText([
        ['a', '1'],
        ['b', 'x"y'],
      ]),
    ).toBe('a="1",b="x\\"y"');
  });
});
