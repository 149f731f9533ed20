// Prometheus text exposition format 0.0.4, by hand (it is a few lines): `# HELP`, `# TYPE`, then
// `name{label="value"} number` per sample. go-metrics names (memberlist.msg.alive) become
// Prometheus names as its prometheus sink makes them: dots and dashes to underscores. A
// histogram's samples carry their series suffix (`_bucket` with an `le` label, `_sum`, `_count`).
export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface Sample {
  labels?: Record<string, string>;
  value: number;
  /** Appended to the metric's name: a histogram's `_bucket`, `_sum`, `_count`. */
  suffix?: '_bucket' | '_sum' | '_count';
}

export interface Metric {
  /** go-metrics style ("serf.member.join") or already Prometheus style. */
  name: string;
  type: MetricType;
  help: string;
  samples: Sample[];
}

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export function promName(name: string): string {
  const n = name.replace(/[^a-zA-Z0-9_:]/g, '_');
  return /^[0-9]/.test(n) ? `_${n}` : n;
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function num(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export function renderMetrics(metrics: Metric[]): string {
  let out = '';
  for (const m of metrics) {
    const name = promName(m.name);
    out += `# HELP ${name} ${escapeHelp(m.help)}\n# TYPE ${name} ${m.type}\n`;
    for (const s of m.samples) {
      const labels = Object.entries(s.labels ?? {});
      const l = labels.length ? `{${labels.map(([k, v]) => `${promName(k)}="${escapeLabel(v)}"`).join(',')}}` : '';
      out += `${name}${s.suffix ?? ''}${l} ${num(s.value)}\n`;
    }
  }
  return out;
}
