import type { LogEntry } from '../engine/ports.ts';
import { timelineLayout } from './state/chartLayout.ts';
import { formatDuration } from './state/format.ts';
import { useNow } from './state/useNow.ts';

const WIDTH = 640;
const LABEL = 220;
const LANE = 18;
const AXIS = 22;

/**
 * The time line of the download: one lane per module from its first fetch to
 * verified (green) or failed (red), drawn from the change log; while the job
 * runs, open lanes grow to the present.
 */
export function TimelineChart({ log, running }: { log: readonly LogEntry[]; running: boolean }) {
  const now = useNow(running);
  const t = timelineLayout(log, { width: WIDTH - LABEL - 10, laneHeight: LANE, now, limit: 30 });
  if (t.lanes.length === 0) return null;
  const failed = t.lanes.filter((l) => l.outcome === 'failed').length;
  const summary = `Download time line: ${t.lanes.length} modules over ${formatDuration(t.end - t.start)}${failed > 0 ? `, ${failed} failed` : ''}.`;
  return (
    <figure class="chart">
      <figcaption>
        Time line ({formatDuration(t.end - t.start)}){t.hidden > 0 ? `, ${t.hidden} more modules not drawn` : ''}
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${t.height + AXIS}`} width="100%" role="img" aria-label={summary} preserveAspectRatio="xMinYMin meet">
        {t.ticks.map((k) => (
          <g key={k.ms}>
            <line x1={LABEL + k.x} x2={LABEL + k.x} y1={0} y2={t.height} class="chart-grid" />
            <text x={LABEL + k.x} y={t.height + 15} class="chart-value" text-anchor="middle">
              {formatDuration(k.ms)}
            </text>
          </g>
        ))}
        {t.lanes.map((l) => (
          <g key={l.module} transform={`translate(0 ${l.y})`}>
            <text x={LABEL - 8} y={LANE / 2} class="chart-label" text-anchor="end" dominant-baseline="central">
              {l.module.length > 32 ? `…${l.module.slice(-31)}` : l.module}
            </text>
            <rect x={LABEL + l.x} y={3} width={l.width} height={LANE - 6} rx={2} class={`lane lane-${l.outcome}`}>
              <title>
                {l.module}: {l.outcome}
                {l.retries > 0 ? `, ${l.retries} retries` : ''}, {formatDuration(l.end - l.start)}
              </title>
            </rect>
          </g>
        ))}
      </svg>
    </figure>
  );
}
