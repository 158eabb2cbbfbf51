/**
 * A small SVG writer for the charts of docs/performance.md: line charts with
 * min–max whiskers (a value per round, drawn as median and range) on linear
 * or logarithmic axes, and horizontal bar charts. Plain strings, no
 * dependency; the output is deterministic for the same numbers, so a chart
 * only changes in git when a measurement does.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chartDirectory } from './settings.js';

/** One measured point: the median, and the range over rounds. */
export interface ChartPoint {
  readonly x: number;
  readonly y: number;
  readonly lo: number;
  readonly hi: number;
}

/** One line of a line chart. */
export interface ChartSeries {
  readonly name: string;
  readonly points: ReadonlyArray<ChartPoint>;
  /** Drawn dashed: a reference (a floor, a peer) rather than the subject. */
  readonly dashed?: boolean;
}

/** A line chart: x and y axes, each linear or logarithmic. */
export interface LineChart {
  readonly title: string;
  readonly subtitle: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly xLog: boolean;
  readonly yLog: boolean;
  readonly series: ReadonlyArray<ChartSeries>;
  /** Tick labels for x values; default the number. */
  readonly xTick?: (x: number) => string;
}

/** One bar: a median and its range. */
export interface ChartBar {
  readonly label: string;
  readonly value: number;
  readonly lo: number;
  readonly hi: number;
  readonly reference?: boolean;
}

/** A horizontal bar chart. */
export interface BarChart {
  readonly title: string;
  readonly subtitle: string;
  readonly unit: string;
  readonly bars: ReadonlyArray<ChartBar>;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#17becf'];
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';
const W = 720;

const esc = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const r1 = (n: number): string => (Math.round(n * 10) / 10).toString();

/** A compact number for a tick: 1, 250, 1k, 100k, 1M, 0.5, 2.5. */
export function tickLabel(n: number): string {
  if (n >= 1e6) return `${+(n / 1e6).toPrecision(3)}M`;
  if (n >= 1e3) return `${+(n / 1e3).toPrecision(3)}k`;
  return `${+n.toPrecision(3)}`;
}

/** A measured value: three significant digits, thousands separated (1,445; 30.2; 0.512). */
function valueLabel(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toPrecision(3);
}

function ticks(lo: number, hi: number, log: boolean): number[] {
  if (log) {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) out.push(10 ** e);
    return out;
  }
  const span = hi - lo;
  const raw = span / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((s) => s * mag >= raw) ?? 10) * mag;
  // From the tick at or below `lo` to the first at or above `hi`, so no point or whisker falls outside.
  const out: number[] = [];
  for (let v = Math.floor(lo / step) * step; out.length === 0 || (out[out.length - 1] as number) < hi; v += step)
    out.push(+v.toPrecision(12));
  return out;
}

/** Renders a line chart to SVG text. */
export function lineChart(chart: LineChart): string {
  const H = 420;
  const left = 72;
  const right = 190;
  const top = 64;
  const bottom = 56;
  const xs = chart.series.flatMap((s) => s.points.map((p) => p.x));
  const ys = chart.series.flatMap((s) => s.points.flatMap((p) => [p.lo, p.hi, p.y]));
  const xt = ticks(Math.min(...xs), Math.max(...xs), chart.xLog);
  const yt = ticks(chart.yLog ? Math.min(...ys) : 0, Math.max(...ys), chart.yLog);
  const [x0, x1] = chart.xLog ? [Math.min(...xs), Math.max(...xs)] : [Math.min(...xt), Math.max(...xt)];
  const [y0, y1] = [Math.min(...yt), Math.max(...yt)];
  const f = (v: number, log: boolean): number => (log ? Math.log10(v) : v);
  const px = (x: number): number =>
    left + ((f(x, chart.xLog) - f(x0, chart.xLog)) / (f(x1, chart.xLog) - f(x0, chart.xLog) || 1)) * (W - left - right);
  const py = (y: number): number =>
    H -
    bottom -
    ((f(y, chart.yLog) - f(y0, chart.yLog)) / (f(y1, chart.yLog) - f(y0, chart.yLog) || 1)) * (H - top - bottom);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ${FONT} ` +
      `font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${left}" y="24" font-size="16" font-weight="600">${esc(chart.title)}</text>`,
    `<text x="${left}" y="44" fill="#555">${esc(chart.subtitle)}</text>`,
  ];
  for (const y of yt) {
    out.push(`<line x1="${left}" x2="${W - right}" y1="${r1(py(y))}" y2="${r1(py(y))}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${left - 6}" y="${r1(py(y) + 4)}" text-anchor="end" fill="#333">${tickLabel(y)}</text>`);
  }
  for (const x of chart.xLog ? [...new Set(xs)] : xt) {
    out.push(`<line x1="${r1(px(x))}" x2="${r1(px(x))}" y1="${top}" y2="${H - bottom}" stroke="#f0f0f0"/>`);
    out.push(
      `<text x="${r1(px(x))}" y="${H - bottom + 18}" text-anchor="middle" ` +
        `fill="#333">${esc(chart.xTick?.(x) ?? tickLabel(x))}</text>`,
    );
  }
  out.push(
    `<rect x="${left}" y="${top}" width="${W - left - right}" height="${H - top - bottom}" fill="none" stroke="#999"/>`,
  );
  out.push(`<text x="${(left + W - right) / 2}" y="${H - 14}" text-anchor="middle">${esc(chart.xLabel)}</text>`);
  out.push(
    `<text transform="translate(18 ${(top + H - bottom) / 2}) rotate(-90)" ` +
      `text-anchor="middle">${esc(chart.yLabel)}</text>`,
  );
  chart.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length] as string;
    const points = [...s.points].sort((a, b) => a.x - b.x);
    const dash = s.dashed === true ? ' stroke-dasharray="6 4"' : '';
    out.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2"${dash} ` +
        `points="${points.map((p) => `${r1(px(p.x))},${r1(py(p.y))}`).join(' ')}"/>`,
    );
    for (const p of points) {
      out.push(
        `<line x1="${r1(px(p.x))}" x2="${r1(px(p.x))}" y1="${r1(py(p.lo))}" y2="${r1(py(p.hi))}" ` +
          `stroke="${color}" stroke-width="1.5"/>`,
      );
      out.push(`<circle cx="${r1(px(p.x))}" cy="${r1(py(p.y))}" r="3.5" fill="${color}"/>`);
    }
    const ly = top + 8 + i * 20;
    out.push(
      `<line x1="${W - right + 12}" x2="${W - right + 36}" y1="${ly}" y2="${ly}" stroke="${color}" ` +
        `stroke-width="2"${dash}/>`,
    );
    out.push(`<text x="${W - right + 42}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  out.push(
    `<text x="${W - right + 12}" y="${top + 8 + chart.series.length * 20 + 8}" fill="#555" ` +
      `font-size="11">dot: median of rounds</text>`,
  );
  out.push(
    `<text x="${W - right + 12}" y="${top + 8 + chart.series.length * 20 + 24}" fill="#555" ` +
      `font-size="11">whisker: min–max</text>`,
  );
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** Renders a horizontal bar chart to SVG text. */
export function barChart(chart: BarChart): string {
  const left = 300;
  const right = 110;
  const top = 64;
  const row = 34;
  const H = top + chart.bars.length * row + 40;
  const max = Math.max(...ticks(0, Math.max(...chart.bars.map((b) => b.hi)), false));
  const px = (v: number): number => left + (v / max) * (W - left - right);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ${FONT} ` +
      `font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="16" y="24" font-size="16" font-weight="600">${esc(chart.title)}</text>`,
    `<text x="16" y="44" fill="#555">${esc(chart.subtitle)}</text>`,
  ];
  for (const t of ticks(0, max, false)) {
    out.push(`<line x1="${r1(px(t))}" x2="${r1(px(t))}" y1="${top - 4}" y2="${H - 32}" stroke="#eee"/>`);
    out.push(`<text x="${r1(px(t))}" y="${H - 16}" text-anchor="middle" fill="#333">${tickLabel(t)}</text>`);
  }
  chart.bars.forEach((b, i) => {
    const y = top + i * row;
    const color = b.reference === true ? '#9e9e9e' : (COLORS[0] as string);
    out.push(`<text x="${left - 8}" y="${y + 17}" text-anchor="end">${esc(b.label)}</text>`);
    out.push(`<rect x="${left}" y="${y + 4}" width="${r1(px(b.value) - left)}" height="${row - 12}" fill="${color}"/>`);
    out.push(
      `<line x1="${r1(px(b.lo))}" x2="${r1(px(b.hi))}" y1="${y + row / 2 - 2}" y2="${y + row / 2 - 2}" ` +
        `stroke="#222" stroke-width="1.5"/>`,
    );
    out.push(
      `<text x="${r1(px(b.hi) + 6)}" y="${y + 17}" fill="#333">${valueLabel(b.value)} ${esc(chart.unit)}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** Writes a chart into the chart directory (docs/performance/ in a full run) and returns its path. */
export function writeChart(file: string, svg: string): string {
  const dir = chartDirectory();
  mkdirSync(dir, { recursive: true });
  const path = join(dir, file);
  writeFileSync(path, svg);
  return path;
}
