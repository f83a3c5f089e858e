import { MultiBar, Options, Params, SingleBar } from 'cli-progress';
import { count, elapsed } from './format';
import type { Terminal } from './terminal';

/** One line of progress: a label, a fraction when known, and what to say about it. */
export interface ProgressItem {
  key: string;
  label: string;
  /** 0-100, or null when unknown. */
  percent: number | null;
  /** "1,200 of ~3,000 read", "3,400 rows" */
  detail: string;
  ratePerSecond: number | null;
  /** What the rate counts ("items", "rows"). */
  unit: string;
  etaMs: number | null;
  /** The stage it is in ("listing", "done: succeeded"). */
  stage: string;
  done: boolean;
}

/** Progress shown while the CLI waits: live bars on a terminal, plain lines otherwise. */
export interface ProgressDisplay {
  update(items: ProgressItem[]): void;
  stop(): void;
}

export function createProgressDisplay(term: Terminal, options: { plainEveryMs?: number } = {}): ProgressDisplay {
  return term.live ? new LiveBars(term) : new PlainLines(term, options.plainEveryMs ?? 2000);
}

const BAR_WIDTH = 28;
const rate = (r: number | null, unit: string) => (r === null ? '' : `${count(Math.round(r))} ${unit}/s`);
const eta = (ms: number | null) => (ms === null ? '' : `ETA ${elapsed(Math.max(0, ms))}`);
const pct = (p: number | null) => (p === null ? '  ?%' : `${String(Math.floor(p)).padStart(3)}%`);

/** cli-progress bars (one per item) redrawn in place on stderr. */
class LiveBars implements ProgressDisplay {
  private readonly multi: MultiBar;
  private readonly bars = new Map<string, SingleBar>();
  private readonly labelWidth = 6;

  constructor(private readonly term: Terminal) {
    const c = term.color;
    const format = (_: Options, params: Params, payload: { item?: ProgressItem }): string => {
      const item = payload.item;
      if (!item) return '';
      const filled = item.percent === null ? 0 : Math.round((item.percent / 100) * BAR_WIDTH);
      const bar = c.cyan('█'.repeat(filled)) + c.dim('░'.repeat(BAR_WIDTH - filled));
      const parts = [item.detail, rate(item.ratePerSecond, item.unit), eta(item.done ? null : item.etaMs), item.stage].filter(Boolean);
      void params;
      return `${item.label.padEnd(this.labelWidth)} ${bar} ${pct(item.percent)} | ${parts.join(' | ')}`;
    };
    this.multi = new MultiBar({
      stream: term.stderr,
      format,
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      fps: 8,
      linewrap: false,
      forceRedraw: true,
      gracefulExit: true,
    });
  }

  update(items: ProgressItem[]): void {
    for (const item of items) {
      let bar = this.bars.get(item.key);
      if (!bar) {
        bar = this.multi.create(100, 0, { item });
        this.bars.set(item.key, bar);
      }
      bar.update(item.percent ?? 0, { item });
    }
    this.multi.update();
  }

  stop(): void {
    this.multi.update();
    this.multi.stop();
    void this.term;
  }
}

/** Plain lines on stderr: when an item changes stage, and at most every `everyMs` while it works. */
class PlainLines implements ProgressDisplay {
  private readonly last = new Map<string, { stage: string; at: number }>();

  constructor(
    private readonly term: Terminal,
    private readonly everyMs: number,
  ) {}

  update(items: ProgressItem[]): void {
    const now = Date.now();
    for (const item of items) {
      const prev = this.last.get(item.key);
      const changed = !prev || prev.stage !== item.stage;
      if (!changed && (item.done || now - prev.at < this.everyMs)) continue;
      if (!prev && item.stage === 'waiting') continue;
      this.last.set(item.key, { stage: item.stage, at: now });
      const parts = [item.detail, rate(item.ratePerSecond, item.unit), eta(item.done ? null : item.etaMs)].filter(Boolean);
      this.term.note(`${item.label} ${item.stage}: ${pct(item.percent).trim()}${parts.length ? `, ${parts.join(', ')}` : ''}`);
    }
  }

  stop(): void {
    /* nothing to restore */
  }
}
