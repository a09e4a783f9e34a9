export type OutputFormat = 'prometheus' | 'opentelemetry';
export const OUTPUT_FORMATS: readonly OutputFormat[] = [
  'prometheus',
  'opentelemetry',
];

export interface RenderedView {
  readonly contentType: string;
  readonly body: Buffer;
  /** Families the view's series budget left out of this body, with their series. */
  readonly dropped?: readonly { family: string; series: number }[];
}
