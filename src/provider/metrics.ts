/** Counters and gauges of a provider node, rendered in Prometheus text format 0.0.4. */
export class ProviderMetrics {
  private readonly counters = new Map<string, number>();
  private readonly help = new Map<string, [string, 'counter' | 'gauge']>();
  private readonly gauges = new Map<string, () => number>();

  constructor() {
    this.describe('cocoon_http_requests_total', 'HTTP requests by endpoint and status.', 'counter');
    this.describe('cocoon_rejections_total', 'Queries refused, by wire error code.', 'counter');
    this.describe('cocoon_decrypt_attempts_total', 'Request decryptions attempted (after admission).', 'counter');
    this.describe('cocoon_decrypt_failures_total', 'Request decryptions that failed authentication.', 'counter');
    this.describe('cocoon_queries_completed_total', 'Queries answered with a final frame.', 'counter');
    this.describe('cocoon_queries_aborted_total', 'Generations aborted because the client went away before any text (not charged).', 'counter');
    this.describe('cocoon_queries_disconnected_total', 'Answers whose client went away after text: charged as an outstanding receipt it may pay or decline.', 'counter');
    this.describe('cocoon_queries_cancelled_total', 'Answers their consumer stopped early (POST /v1/cancel): charged for what was sent.', 'counter');
    this.describe('cocoon_tokens_total', 'Tokens served, by kind.', 'counter');
    this.describe('cocoon_charged_nanoton_total', 'nanoGRAM charged in receipts (the metric name keeps its old spelling).', 'counter');
    this.describe('cocoon_vouchers_total', 'Vouchers received, by result.', 'counter');
  }

  private describe(name: string, text: string, type: 'counter' | 'gauge'): void {
    this.help.set(name, [text, type]);
  }

  /** Add to a counter. */
  inc(name: string, labels?: Record<string, string>, by = 1): void {
    const key = labels === undefined ? name : name + labelText(labels);
    this.counters.set(key, (this.counters.get(key) ?? 0) + by);
  }

  /** Current value of a counter (0 if never incremented). */
  get(name: string, labels: Record<string, string> = {}): number {
    return this.counters.get(name + labelText(labels)) ?? 0;
  }

  /** Register a gauge read at render time. */
  gauge(name: string, text: string, read: () => number): void {
    this.describe(name, text, 'gauge');
    this.gauges.set(name, read);
  }

  /** The exposition text. */
  render(): string {
    const lines: string[] = [];
    for (const [name, [text, type]] of this.help) {
      lines.push(`# HELP ${name} ${text}`, `# TYPE ${name} ${type}`);
      const gauge = this.gauges.get(name);
      if (gauge) lines.push(`${name} ${gauge()}`);
      let any = false;
      for (const [key, value] of this.counters) {
        if (key === name || key.startsWith(name + '{')) {
          lines.push(`${key} ${value}`);
          any = true;
        }
      }
      if (!any && !gauge && type === 'counter') lines.push(`${name} 0`);
    }
    return lines.join('\n') + '\n';
  }
}

// Counters are bumped several times per query with a handful of distinct label sets: keep their text,
// found by the labels object itself where a caller passes the same one each time (a constant).
const labelCache = new Map<string, string>();
const labelsSeen = new WeakMap<Record<string, string>, string>();

function labelText(labels: Record<string, string>): string {
  if (Object.isFrozen(labels)) {
    const known = labelsSeen.get(labels);
    if (known !== undefined) return known;
    const text = labelTextOf(labels);
    labelsSeen.set(labels, text);
    return text;
  }
  return labelTextOf(labels);
}

function labelTextOf(labels: Record<string, string>): string {
  let id = '';
  for (const k in labels) id += k + '\u0000' + labels[k] + '\u0000';
  if (id === '') return '';
  let text = labelCache.get(id);
  if (text === undefined) {
    text = renderLabels(labels);
    if (labelCache.size < 4096) labelCache.set(id, text);
  }
  return text;
}

function renderLabels(labels: Record<string, string>): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '';
  return '{' + keys.map((k) => `${k}="${labels[k]!.replace(/["\\\n]/g, '_')}"`).join(',') + '}';
}
