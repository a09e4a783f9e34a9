/**
 * Page lines with families a cardinality bound can tell apart: runtime families
 * the default exclude list names (`python_*`, `process_*`), an engine family,
 * and an application family of four series.
 */
export const FAMILY_MIX_LINES: readonly string[] = [
  '# TYPE python_gc_objects_collected_total counter',
  'python_gc_objects_collected_total{generation="0"} 1',
  'python_gc_objects_collected_total{generation="1"} 2',
  '# TYPE process_open_fds gauge',
  'process_open_fds 3',
  '# TYPE vllm:num_requests_running gauge',
  'vllm:num_requests_running{model_name="m"} 1',
  '# TYPE app_big gauge',
  'app_big{k="a"} 1',
  'app_big{k="b"} 1',
  'app_big{k="c"} 1',
  'app_big{k="d"} 1',
];
