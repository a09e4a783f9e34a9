/**
 * The prometheus_fastapi_instrumentator series of a vLLM API server: its
 * handlers, the `http_requests_total` series, HELP texts and the bucket
 * boundaries of its two latency histograms.
 */
import type { BucketLayout } from './bucket-dist.js';

export const HTTP_HIGHR: BucketLayout = {
  id: 'http-highr',
  bounds: [
    0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 3, 3.5, 4,
    4.5, 5, 7.5, 10, 30, 60,
  ],
};
export const HTTP_DURATION: BucketLayout = {
  id: 'http-duration',
  bounds: [0.1, 0.5, 1],
};

/** Handlers prometheus_fastapi_instrumentator reports for a serving API server. */
export const HTTP_HANDLERS = [
  { handler: '/v1/chat/completions', method: 'POST' },
  { handler: '/v1/completions', method: 'POST' },
  { handler: '/health', method: 'GET' },
  { handler: '/v1/models', method: 'GET' },
] as const;

/** `http_requests_total` series: handler index into HTTP_HANDLERS and status class. */
export const HTTP_REQUEST_SERIES = [
  { h: 0, status: '2xx' },
  { h: 0, status: '4xx' },
  { h: 1, status: '2xx' },
  { h: 1, status: '4xx' },
  { h: 2, status: '2xx' },
  { h: 3, status: '2xx' },
] as const;

export const HTTP_HELP = {
  requests: 'Total number of requests by method, status and handler.',
  requestSize:
    'Content length of incoming requests by handler. Only value of header is respected. Otherwise ignored. No percentile calculated. ',
  responseSize:
    'Content length of outgoing responses by handler. Only value of header is respected. Otherwise ignored. No percentile calculated. ',
  highr:
    'Latency with many buckets but no API specific labels. Made for more accurate percentile calculations. ',
  duration:
    'Latency with only few buckets by handler. Made to be only used if aggregation by handler is important. ',
} as const;
