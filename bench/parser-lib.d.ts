declare module 'parse-prometheus-text-format' {
  interface LibMetric {
    value?: string;
    labels?: Record<string, string>;
    buckets?: Record<string, string>;
    quantiles?: Record<string, string>;
    count?: string;
    sum?: string;
  }
  interface LibFamily {
    name: string;
    help: string;
    type: string;
    metrics: LibMetric[];
  }
  export default function parsePrometheusTextFormat(text: string): LibFamily[];
}
