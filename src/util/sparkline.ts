// Sparkline: Redis's ASCII sparkline (sparkline.c), which LATENCY GRAPH draws: samples with labels,
// rendered in rows of `charset` characters, filled under the curve, labels printed vertically below.
// Invariants: the output is byte for byte what sparklineRender(..., SPARKLINE_FILL) produces.

const CHARSET_FILL = '_o#';
const CHARSET_LEN = 3;
const LABEL_MARGIN_TOP = 1;

export interface SparkSample {
  value: number;
  label: string;
}

/** sparklineRender(output, seq, columns, rows, SPARKLINE_FILL). */
export function renderSparkline(samples: SparkSample[], columns: number, rows: number): string {
  let out = '';
  if (samples.length === 0) return out;
  let min = samples[0].value;
  let max = samples[0].value;
  for (const s of samples) {
    if (s.value < min) min = s.value;
    else if (s.value > max) max = s.value;
  }
  const labels = samples.some((s) => s.label !== '');
  for (let j = 0; j < samples.length; j += columns) {
    if (j !== 0) out += '\n';
    out += renderRange(samples.slice(j, j + columns), min, max, rows, labels);
  }
  return out;
}

function renderRange(samples: SparkSample[], min: number, max: number, rows: number, labels: boolean): string {
  let relmax = max - min;
  if (relmax === 0) relmax = 1;
  const steps = CHARSET_LEN * rows;
  let out = '';
  for (let row = 0; ; row++) {
    let loop = false;
    const chars: string[] = new Array(samples.length).fill(' ');
    for (let j = 0; j < samples.length; j++) {
      const s = samples[j];
      let step = Math.trunc(Math.trunc((s.value - min) * steps) / relmax);
      if (step < 0) step = 0;
      if (step >= steps) step = steps - 1;
      if (row < rows) {
        const charidx = step - (rows - row - 1) * CHARSET_LEN;
        loop = true;
        if (charidx >= 0 && charidx < CHARSET_LEN) chars[j] = CHARSET_FILL[charidx];
        else if (charidx >= CHARSET_LEN) chars[j] = '|';
      } else {
        if (labels && row - rows < LABEL_MARGIN_TOP) {
          loop = true;
          break;
        }
        const at = row - rows - LABEL_MARGIN_TOP;
        if (s.label.length > at) {
          loop = true;
          chars[j] = s.label[at];
        }
      }
    }
    if (!loop) return out;
    out += chars.join('') + '\n';
  }
}
