// What the service counts, served at /metrics in the Prometheus text exposition format 0.0.4.
// Written by hand rather than with prom-client: the format is a few lines of text, and five
// series do not justify a dependency with its own registry and global state.

import { byCodeUnits } from "../json/values.js";

/** Upper bounds in seconds: a run takes from well under a second (an event) to minutes (a full read). */
export const RUN_DURATION_BUCKETS: readonly number[] = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

type Labels = Record<string, string>;

interface Histogram {
  readonly labels: Labels;
  readonly counts: number[]; // per bucket, not cumulative; summed when rendered
  sum: number;
  count: number;
}

export class Metrics {
  private readonly runs = new Series();
  private readonly records = new Series();
  private readonly webhooks = new Series();
  private readonly inProgress = new Series();
  private readonly durations = new Map<string, Histogram>();

  constructor(private readonly buckets: readonly number[] = RUN_DURATION_BUCKETS) {
    if (buckets.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= buckets[i - 1]!))) throw new Error("histogram buckets must be finite and increasing");
  }

  runStarted(integration: string): void {
    this.inProgress.add({ integration }, 1);
  }

  /** A run counted as started that never began (refused by the store): no longer in progress, and no run ended. */
  runNotStarted(integration: string): void {
    this.inProgress.add({ integration }, -1);
  }

  /** A run's end: its status (ok, partial, incomplete, failed, ...) and how long it took. */
  runFinished(integration: string, status: string, durationSeconds: number): void {
    // A clock stepped back mid-run would give a negative duration; it counts as an instant.
    const seconds = Number.isFinite(durationSeconds) && durationSeconds > 0 ? durationSeconds : 0;
    this.inProgress.add({ integration }, -1);
    this.runs.add({ integration, status }, 1);
    const key = seriesKey({ integration });
    let histogram = this.durations.get(key);
    if (!histogram) {
      histogram = { labels: { integration }, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.durations.set(key, histogram);
    }
    const bucket = this.buckets.findIndex((upper) => seconds <= upper);
    if (bucket !== -1) histogram.counts[bucket]!++;
    histogram.sum += seconds;
    histogram.count++;
  }

  /** Records a run wrote (or failed to) in one system, by action: create, update, delete, failed. */
  recordsWritten(integration: string, system: string, action: string, count = 1): void {
    if (count > 0) this.records.add({ integration, system, action }, count);
  }

  /** A webhook's outcome: accepted, duplicate, ignored, or why it was refused. */
  webhookReceived(connection: string, result: string): void {
    this.webhooks.add({ connection, result }, 1);
  }

  /** The exposition text, series in a stable order so scrapes diff cleanly. */
  render(): string {
    const lines: string[] = [];
    family(lines, "syncspec_runs_total", "counter", "Runs finished, by integration and status.", this.runs);
    family(lines, "syncspec_records_total", "counter", "Records written to a system by runs, by action.", this.records);
    family(lines, "syncspec_webhooks_total", "counter", "Webhooks received, by connection and result.", this.webhooks);
    lines.push("# HELP syncspec_run_duration_seconds How long runs took.", "# TYPE syncspec_run_duration_seconds histogram");
    for (const key of [...this.durations.keys()].sort()) {
      const h = this.durations.get(key)!;
      let cumulative = 0;
      this.buckets.forEach((upper, i) => {
        cumulative += h.counts[i]!;
        lines.push(`syncspec_run_duration_seconds_bucket${labelText({ ...h.labels, le: formatNumber(upper) })} ${cumulative}`);
      });
      lines.push(`syncspec_run_duration_seconds_bucket${labelText({ ...h.labels, le: "+Inf" })} ${h.count}`);
      lines.push(`syncspec_run_duration_seconds_sum${labelText(h.labels)} ${formatNumber(h.sum)}`);
      lines.push(`syncspec_run_duration_seconds_count${labelText(h.labels)} ${h.count}`);
    }
    family(lines, "syncspec_run_in_progress", "gauge", "Runs under way, by integration.", this.inProgress);
    return `${lines.join("\n")}\n`;
  }
}

/** Values by label set; the key is the rendered labels, which are unique per set. */
class Series {
  private readonly values = new Map<string, { labels: Labels; value: number }>();

  add(labels: Labels, delta: number): void {
    const key = seriesKey(labels);
    const entry = this.values.get(key);
    if (entry) entry.value += delta;
    else this.values.set(key, { labels, value: delta });
  }

  sorted(): { labels: Labels; value: number }[] {
    return [...this.values.entries()].sort(([a], [b]) => byCodeUnits(a, b)).map(([, v]) => v);
  }
}

function family(lines: string[], name: string, type: string, help: string, series: Series): void {
  lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
  for (const { labels, value } of series.sorted()) lines.push(`${name}${labelText(labels)} ${formatNumber(value)}`);
}

function seriesKey(labels: Labels): string {
  return labelText(labels);
}

function labelText(labels: Labels): string {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}="${escapeLabelValue(value)}"`);
  return pairs.length === 0 ? "" : `{${pairs.join(",")}}`;
}

/** The format's escapes for a label value: backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** HELP text escapes only backslash and line feed. */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}
