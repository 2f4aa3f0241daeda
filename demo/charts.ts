/**
 * Small server-rendered bar charts for the admin page: inline SVG, no script (the demo's CSP
 * allows none), one bar per sampling interval.
 */
import { html, type SafeHtml } from './html.ts';

/** One bar: its value and what its tooltip says. */
export interface Bar {
  readonly value: number;
  readonly label: string;
}

const WIDTH = 240;
const HEIGHT = 64;

/** A bar chart titled `title`, with the latest value and the unit beside the title. */
export function barChart(title: string, bars: readonly Bar[], unit: string, digits = 0): SafeHtml {
  const max = Math.max(0, ...bars.map((bar) => bar.value));
  const step = bars.length === 0 ? WIDTH : WIDTH / bars.length;
  const rects = bars.map((bar, i) => {
    const h = max === 0 ? 0 : Math.max(1, (bar.value / max) * (HEIGHT - 4));
    return html`<rect x="${(i * step).toFixed(1)}" y="${(HEIGHT - h).toFixed(1)}" width="${Math.max(1, step - 1).toFixed(1)}" height="${h.toFixed(1)}"><title>${bar.label}: ${bar.value.toFixed(digits)} ${unit}</title></rect>`;
  });
  const latest = bars.at(-1)?.value;
  return html`<figure class="chart">
    <figcaption><span>${title}</span> <strong>${latest === undefined ? '—' : latest.toFixed(digits)}</strong> <span class="muted">${unit}</span></figcaption>
    <svg viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" height="${HEIGHT}" role="img" aria-label="${title}" preserveAspectRatio="none">
      <line x1="0" y1="${HEIGHT - 0.5}" x2="${WIDTH}" y2="${HEIGHT - 0.5}" class="axis"></line>${rects}
    </svg>
    <p class="muted">max ${max.toFixed(digits)} · ${bars.length} intervals</p>
  </figure>`;
}
