/** The coordinator's own `motor:*` gauges (freshness, workers, token rates): names and help texts. */

export const MOTOR = {
  configured: 'motor:endpoints_configured',
  scraped: 'motor:endpoints_scraped',
  duration: 'motor:scrape_duration_seconds',
  up: 'motor:endpoint_up',
  lastSuccess: 'motor:endpoint_last_success_timestamp_seconds',
  prefillWorkers: 'motor:active_prefill_workers',
  decodeWorkers: 'motor:active_decode_workers',
  unionWorkers: 'motor:active_union_workers',
  promptRate: 'motor:prompt_tokens_per_second',
  generationRate: 'motor:generation_tokens_per_second',
  layoutMismatch: 'motor:histogram_layout_mismatch',
  pdTtft: 'motor:pd_time_to_first_token_mean_seconds',
} as const;
export type MotorMetric = keyof typeof MOTOR;

export const MOTOR_HELP: Readonly<Record<MotorMetric, string>> = {
  configured: 'Endpoints configured (registered instances) in this view group.',
  scraped:
    'Endpoints that answered this cycle with at least one parsable sample.',
  duration:
    'Time from the start of the scrape cycle to the last answer of this view group.',
  up: '1 when the endpoint answered this cycle with at least one parsable sample, else 0.',
  lastSuccess:
    'Unix time of the last successful scrape of the endpoint (0 when never).',
  prefillWorkers: 'Registered, not paused prefill instances.',
  decodeWorkers: 'Registered, not paused decode instances.',
  unionWorkers: 'Registered, not paused union instances.',
  promptRate:
    'Prompt tokens per second (motor:prompt_tokens_total, prefill side in full) over the quantile window, by registry model.',
  generationRate:
    'Generation tokens per second (motor:generation_tokens_total, decode side in full) over the quantile window, by registry model.',
  layoutMismatch:
    '1 for a histogram family whose sources had different bucket boundaries this cycle: only the shared boundaries were merged.',
  pdTtft:
    'Estimated time to first token a user sees in a PD cluster: windowed mean prefill e2e latency + windowed mean decode TTFT, by registry model.',
};
