/**
 * A plain SVG line chart for BENCHMARKS.md: categories along x (evenly
 * spaced), a linear y axis from 0, one polyline with dots per series, a
 * legend. No dependencies; the text is escaped.
 */

export interface Series {
  name: string;
  color: string;
  /** One value per category; undefined leaves a gap. */
  values: Array<number | undefined>;
}

export interface LineChart {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  categories: string[];
  series: Series[];
  width?: number;
  height?: number;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (n: number): string => (n >= 1000 ? `${Math.round(n / 100) / 10}k` : String(Math.round(n)));

/** 1, 2 or 5 × a power of ten, so that about `ticks` steps cover `max`. */
function niceStep(max: number, ticks: number): number {
  const raw = max / ticks;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const m = raw / pow;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * pow;
}

export function lineChartSvg(c: LineChart): string {
  const width = c.width ?? 860;
  const height = c.height ?? 420;
  const pad = { left: 72, right: 300, top: c.subtitle ? 64 : 48, bottom: 56 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const all = c.series.flatMap((s) => s.values.filter((v): v is number => v !== undefined && Number.isFinite(v)));
  const step = niceStep(Math.max(1, ...all), 5);
  const yMax = Math.max(step, Math.ceil(Math.max(1, ...all) / step) * step);
  const x = (i: number): number => pad.left + (c.categories.length === 1 ? plotW / 2 : (i * plotW) / (c.categories.length - 1));
  const y = (v: number): number => pad.top + plotH - (v / yMax) * plotH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${pad.left}" y="24" font-size="16" font-weight="600" fill="#111">${esc(c.title)}</text>`,
  ];
  if (c.subtitle) out.push(`<text x="${pad.left}" y="44" fill="#555">${esc(c.subtitle)}</text>`);
  for (let v = 0; v <= yMax + step / 2; v += step) {
    const yy = y(v).toFixed(1);
    out.push(`<line x1="${pad.left}" y1="${yy}" x2="${pad.left + plotW}" y2="${yy}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${pad.left - 8}" y="${yy}" dy="4" text-anchor="end" fill="#555">${fmt(v)}</text>`);
  }
  c.categories.forEach((cat, i) => {
    const xx = x(i).toFixed(1);
    out.push(`<line x1="${xx}" y1="${pad.top + plotH}" x2="${xx}" y2="${pad.top + plotH + 5}" stroke="#555"/>`);
    out.push(`<text x="${xx}" y="${pad.top + plotH + 20}" text-anchor="middle" fill="#333">${esc(cat)}</text>`);
  });
  out.push(`<line x1="${pad.left}" y1="${pad.top + plotH}" x2="${pad.left + plotW}" y2="${pad.top + plotH}" stroke="#555"/>`);
  out.push(`<line x1="${pad.left}" y1="${pad.top}" x2="${pad.left}" y2="${pad.top + plotH}" stroke="#555"/>`);
  out.push(`<text x="${pad.left + plotW / 2}" y="${height - 14}" text-anchor="middle" fill="#333">${esc(c.xLabel)}</text>`);
  out.push(`<text transform="translate(18 ${pad.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#333">${esc(c.yLabel)}</text>`);
  c.series.forEach((s, si) => {
    const pts = s.values.map((v, i) => (v === undefined || !Number.isFinite(v) ? undefined : ([x(i), y(v)] as const)));
    // A gap splits the line.
    let run: string[] = [];
    const flush = (): void => {
      if (run.length > 1) out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2.5" points="${run.join(' ')}"/>`);
      run = [];
    };
    for (const p of pts) {
      if (p) run.push(`${p[0].toFixed(1)},${p[1].toFixed(1)}`);
      else flush();
    }
    flush();
    pts.forEach((p, i) => {
      if (!p) return;
      out.push(
        `<circle cx="${p[0].toFixed(1)}" cy="${p[1].toFixed(1)}" r="4" fill="${s.color}"><title>${esc(`${s.name}, ${c.categories[i]}: ${Math.round(s.values[i] as number)}`)}</title></circle>`,
      );
    });
    const ly = pad.top + 8 + si * 22;
    const lx = pad.left + plotW + 20;
    out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 22}" y2="${ly}" stroke="${s.color}" stroke-width="2.5"/>`);
    out.push(`<circle cx="${lx + 11}" cy="${ly}" r="4" fill="${s.color}"/>`);
    out.push(`<text x="${lx + 30}" y="${ly}" dy="4" fill="#222">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
