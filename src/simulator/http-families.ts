/**
 * The prometheus_fastapi_instrumentator families at the end of a vLLM V1
 * page: request counts, request and response sizes, two latency histograms.
 */
import {
  HTTP_DURATION,
  HTTP_HANDLERS,
  HTTP_HELP,
  HTTP_HIGHR,
  HTTP_REQUEST_SERIES,
} from './http-catalogue.js';
import type { HistogramSlots, PageSlots } from './page-slots.js';
import {
  histogramSamples,
  labels,
  type SkeletonBuilder,
} from './page-skeleton.js';

export type HttpSlots = Pick<
  PageSlots,
  | 'httpRequests'
  | 'httpRequestSize'
  | 'httpResponseSize'
  | 'httpHighr'
  | 'httpDuration'
  | 'httpCreated'
>;

/** Appends the HTTP families to `b` and returns their slots. */
export function httpFamilies(b: SkeletonBuilder): HttpSlots {
  const httpCreated: number[] = [];
  const handlerLabels = HTTP_HANDLERS.map((h) =>
    labels([['handler', h.handler]]),
  );
  const requestLabels = HTTP_REQUEST_SERIES.map((s) => {
    const h = HTTP_HANDLERS[s.h];
    return labels([
      ['handler', h.handler],
      ['method', h.method],
      ['status', s.status],
    ]);
  });
  b.family('http_requests_total', HTTP_HELP.requests, 'counter');
  const httpRequests = b.sample(`http_requests_total${requestLabels[0]} `);
  for (const l of requestLabels.slice(1)) b.sample(`http_requests_total${l} `);
  b.family('http_requests_created', HTTP_HELP.requests, 'gauge');
  for (const l of requestLabels)
    httpCreated.push(b.sample(`http_requests_created${l} `));
  const summary = (name: string, help: string) => {
    b.family(name, help, 'summary');
    const slots = handlerLabels.map((l) => ({
      count: b.sample(`${name}_count${l} `),
      sum: b.sample(`${name}_sum${l} `),
    }));
    b.family(`${name}_created`, help, 'gauge');
    for (const l of handlerLabels)
      httpCreated.push(b.sample(`${name}_created${l} `));
    return slots;
  };
  const httpRequestSize = summary(
    'http_request_size_bytes',
    HTTP_HELP.requestSize,
  );
  const httpResponseSize = summary(
    'http_response_size_bytes',
    HTTP_HELP.responseSize,
  );
  const highrName = 'http_request_duration_highr_seconds';
  b.family(highrName, HTTP_HELP.highr, 'histogram');
  const highr = histogramSamples(b, highrName, HTTP_HIGHR.bounds, []);
  b.family(`${highrName}_created`, HTTP_HELP.highr, 'gauge');
  const highrCreated = b.sample(`${highrName}_created `);
  httpCreated.push(highrCreated);
  const durName = 'http_request_duration_seconds';
  b.family(durName, HTTP_HELP.duration, 'histogram');
  const durBase = HTTP_HANDLERS.map(
    (h) =>
      [['handler', h.handler] as const, ['method', h.method] as const] as const,
  );
  const httpDuration = durBase.map((l) => ({
    ...histogramSamples(b, durName, HTTP_DURATION.bounds, l),
    created: -1,
  }));
  b.family(`${durName}_created`, HTTP_HELP.duration, 'gauge');
  const withCreated = durBase.map((l, i) => {
    const created = b.sample(`${durName}_created${labels(l)} `);
    httpCreated.push(created);
    return { ...(httpDuration[i] as HistogramSlots), created };
  });
  return {
    httpRequests,
    httpRequestSize,
    httpResponseSize,
    httpHighr: { ...highr, created: highrCreated },
    httpDuration: withCreated,
    httpCreated,
  };
}
