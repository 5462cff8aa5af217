import { barsLayout } from './state/chartLayout.ts';
import type { BarInput } from './state/chartLayout.ts';
import { formatBytes } from './state/format.ts';

const WIDTH = 640;
const LABEL = 260;
const ROW = 22;

/** Bundle size by module as sorted bars (the largest first); an SVG drawn here, with a text summary for screen readers. */
export function SizeChart({ items }: { items: readonly BarInput[] }) {
  const layout = barsLayout(items, { width: WIDTH - LABEL - 90, rowHeight: ROW, limit: 15 });
  if (layout.bars.length === 0) return null;
  const top = layout.bars[0]!;
  const summary = `Bundle size by module: ${formatBytes(layout.total)} in all; the largest is ${top.label} with ${formatBytes(top.value)} (${Math.round(top.share * 100)}%).`;
  return (
    <figure class="chart">
      <figcaption>Size by module ({formatBytes(layout.total)} of zips)</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${layout.height}`} width="100%" role="img" aria-label={summary} preserveAspectRatio="xMinYMin meet">
        {layout.bars.map((b) => (
          <g key={b.label} transform={`translate(0 ${b.y})`}>
            <text x={LABEL - 8} y={ROW / 2} class="chart-label" text-anchor="end" dominant-baseline="central">
              {b.label.length > 38 ? `…${b.label.slice(-37)}` : b.label}
            </text>
            <rect x={LABEL} y={3} width={b.width} height={ROW - 6} rx={3} class="chart-bar" />
            <text x={LABEL + b.width + 6} y={ROW / 2} class="chart-value" dominant-baseline="central">
              {formatBytes(b.value)}
            </text>
          </g>
        ))}
      </svg>
    </figure>
  );
}
