// Charts drawn as SVG by this code (no library): a line chart of a trend, a bar chart of a ranking.

const NS = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

function niceMax(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/**
 * lineChart({labels, series: [{name, values, className}], unit, title}) → <figure>.
 * A null value is a gap ("no data"), never drawn as zero.
 */
export function lineChart({ labels, series, unit = '', title = '' }) {
  const width = 900; const height = 280;
  const left = 48; const right = 16; const top = 16; const bottom = 36;
  const all = series.flatMap((s) => s.values).filter((v) => v !== null && v !== undefined);
  const max = niceMax(Math.max(0, ...all));
  const x = (i) => left + (labels.length <= 1 ? 0 : (i * (width - left - right)) / (labels.length - 1));
  const y = (v) => top + (height - top - bottom) * (1 - v / max);
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title });
  root.append(svg('title', {}, title));
  for (let k = 0; k <= 4; k++) {
    const value = (max * k) / 4;
    root.append(svg('line', { class: 'grid-line', x1: left, x2: width - right, y1: y(value), y2: y(value) }));
    root.append(svg('text', { x: left - 6, y: y(value) + 4, 'text-anchor': 'end' }, `${+value.toFixed(2)}${unit}`));
  }
  root.append(svg('line', { class: 'axis', x1: left, x2: width - right, y1: y(0), y2: y(0) }));
  const every = Math.max(1, Math.ceil(labels.length / 12));
  labels.forEach((label, i) => {
    if (i % every === 0 || i === labels.length - 1) {
      root.append(svg('text', { x: x(i), y: height - bottom + 18, 'text-anchor': 'middle' }, label));
    }
  });
  for (const s of series) {
    let d = '';
    let penDown = false; // a gap ("no data") lifts the pen
    s.values.forEach((v, i) => {
      if (v === null || v === undefined) { penDown = false; return; }
      d += `${penDown ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)} `;
      penDown = true;
    });
    root.append(svg('path', { class: `series ${s.className || ''}`, d: d.trim() }));
    s.values.forEach((v, i) => {
      if (v === null || v === undefined || s.className === 'previous') return;
      const dot = svg('circle', { class: 'dot', cx: x(i), cy: y(v), r: 3.5 });
      dot.append(svg('title', {}, `${labels[i]}：${v}${unit}`));
      root.append(dot);
    });
  }
  const figure = document.createElement('figure');
  figure.className = 'chart';
  figure.style.margin = '0';
  figure.append(root);
  const legend = document.createElement('div');
  legend.className = 'legend';
  for (const s of series) {
    const item = document.createElement('span');
    const swatch = document.createElement('span');
    swatch.className = `swatch ${s.className || ''}`;
    item.append(swatch, s.name);
    legend.append(item);
  }
  figure.append(legend);
  return figure;
}

/** barChart({items: [{label, value}], unit, title}) → horizontal bars, largest first as given. */
export function barChart({ items, unit = '', title = '' }) {
  const width = 900; const row = 26; const left = 190; const right = 70;
  const height = Math.max(row * items.length + 10, 40);
  const max = niceMax(Math.max(0, ...items.map((i) => i.value || 0)));
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title });
  root.append(svg('title', {}, title));
  items.forEach((item, i) => {
    const y = 5 + i * row;
    const w = ((item.value || 0) / max) * (width - left - right);
    root.append(svg('text', { x: left - 8, y: y + 16, 'text-anchor': 'end' }, item.label.length > 12 ? `${item.label.slice(0, 12)}…` : item.label));
    root.append(svg('rect', { class: 'bar', x: left, y: y + 3, width: Math.max(w, 1), height: row - 8, rx: 2 }));
    root.append(svg('text', { x: left + w + 6, y: y + 16 }, item.value === null ? '无数据' : `${item.value}${unit}`));
  });
  const figure = document.createElement('figure');
  figure.className = 'chart';
  figure.style.margin = '0';
  figure.append(root);
  return figure;
}
