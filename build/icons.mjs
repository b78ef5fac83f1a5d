#!/usr/bin/env node
// Draws the app icon and the tray icons into resources/icons/ (committed; run again after a
// change here): `node build/icons.mjs`. Shapes are sampled 8×8 per pixel, so even the 16 px
// tray icons have smooth edges without any image library beyond pngjs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

const OUT = fileURLToPath(new URL('../resources/icons/', import.meta.url));
const SAMPLES = 8;

// --- shapes: each is a test "is (x, y) inside?" in unit coordinates (0..1, y down) -------------

const circle = (cx, cy, r) => (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
const ellipse = (cx, cy, rx, ry) => (x, y) => ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1;

/** A line from (ax, ay) to (bx, by) drawn with round ends, `w` wide. */
const stroke = (ax, ay, bx, by, w) => (x, y) => {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
  return (x - ax - t * dx) ** 2 + (y - ay - t * dy) ** 2 <= (w / 2) ** 2;
};

const triangle = (ax, ay, bx, by, cx, cy) => (x, y) => {
  const side = (px, py, qx, qy) => (qx - px) * (y - py) - (qy - py) * (x - px);
  const s1 = side(ax, ay, bx, by);
  const s2 = side(bx, by, cx, cy);
  const s3 = side(cx, cy, ax, ay);
  return (s1 >= 0 && s2 >= 0 && s3 >= 0) || (s1 <= 0 && s2 <= 0 && s3 <= 0);
};

const roundedSquare = (inset, radius) => (x, y) => {
  const lo = inset + radius;
  const hi = 1 - inset - radius;
  const nx = Math.max(lo, Math.min(hi, x));
  const ny = Math.max(lo, Math.min(hi, y));
  return (x - nx) ** 2 + (y - ny) ** 2 <= radius * radius;
};

const union =
  (...shapes) =>
  (x, y) =>
    shapes.some((s) => s(x, y));

// --- rendering --------------------------------------------------------------------------------

/**
 * Renders layers (later ones on top) at `size` px. A layer's colour is [r, g, b] or a function
 * of (x, y) for gradients.
 */
function render(size, layers) {
  const png = new PNG({ width: size, height: size });
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          const x = (px + (sx + 0.5) / SAMPLES) / size;
          const y = (py + (sy + 0.5) / SAMPLES) / size;
          for (let i = layers.length - 1; i >= 0; i--) {
            const layer = layers[i];
            if (!layer.shape(x, y)) continue;
            const c = typeof layer.color === 'function' ? layer.color(x, y) : layer.color;
            r += c[0];
            g += c[1];
            b += c[2];
            a += 1;
            break;
          }
        }
      }
      const idx = (py * size + px) * 4;
      // Colours are averaged over the covered samples only; coverage becomes alpha.
      png.data[idx] = a ? Math.round(r / a) : 0;
      png.data[idx + 1] = a ? Math.round(g / a) : 0;
      png.data[idx + 2] = a ? Math.round(b / a) : 0;
      png.data[idx + 3] = Math.round((255 * a) / (SAMPLES * SAMPLES));
    }
  }
  return PNG.sync.write(png);
}

const WHITE = [255, 255, 255];

/** One tray icon per hub state: a coloured disc with a white glyph that reads without colour too. */
const TRAY = {
  ready: {
    fill: [46, 157, 79],
    ring: [30, 110, 54],
    glyph: union(stroke(0.29, 0.52, 0.44, 0.67, 0.13), stroke(0.44, 0.67, 0.72, 0.36, 0.13)),
  },
  degraded: {
    fill: [224, 160, 0],
    ring: [160, 112, 0],
    glyph: union(stroke(0.5, 0.26, 0.5, 0.56, 0.14), circle(0.5, 0.74, 0.08)),
  },
  error: {
    fill: [211, 59, 48],
    ring: [150, 36, 28],
    glyph: union(stroke(0.33, 0.33, 0.67, 0.67, 0.14), stroke(0.67, 0.33, 0.33, 0.67, 0.14)),
  },
  stopped: { fill: [122, 127, 135], ring: [84, 88, 94], glyph: roundedSquareAt(0.34, 0.66, 0.04) },
};

function roundedSquareAt(lo, hi, radius) {
  const box = roundedSquare(0, radius);
  const scale = hi - lo;
  return (x, y) => x >= lo && x <= hi && y >= lo && y <= hi && box((x - lo) / scale, (y - lo) / scale);
}

function trayIcon(size, { fill, ring, glyph }) {
  return render(size, [
    { shape: circle(0.5, 0.5, 0.48), color: ring },
    { shape: circle(0.5, 0.5, 0.42), color: fill },
    { shape: glyph, color: WHITE },
  ]);
}

/** The app icon: a white rocket with an orange flame on a blue rounded square. */
function appIcon(size) {
  const background = (x, y) => {
    const t = (x + y) / 2;
    return [Math.round(29 + t * 18), Math.round(59 + t * 52), Math.round(114 + t * 100)];
  };
  const body = union(ellipse(0.5, 0.46, 0.13, 0.27), triangle(0.41, 0.58, 0.59, 0.58, 0.5, 0.7));
  const fins = union(triangle(0.4, 0.5, 0.27, 0.7, 0.42, 0.66), triangle(0.6, 0.5, 0.73, 0.7, 0.58, 0.66));
  return render(size, [
    { shape: roundedSquare(0.04, 0.2), color: background },
    { shape: ellipse(0.5, 0.79, 0.07, 0.11), color: [255, 153, 51] },
    { shape: ellipse(0.5, 0.76, 0.035, 0.06), color: [255, 221, 120] },
    { shape: fins, color: [220, 228, 240] },
    { shape: body, color: WHITE },
    { shape: circle(0.5, 0.4, 0.06), color: [47, 111, 214] },
    { shape: circle(0.5, 0.4, 0.035), color: [170, 205, 255] },
  ]);
}

mkdirSync(OUT, { recursive: true });
for (const [state, design] of Object.entries(TRAY)) {
  writeFileSync(`${OUT}tray-${state}.png`, trayIcon(16, design));
  // Electron picks the @2x file on HiDPI displays by itself.
  writeFileSync(`${OUT}tray-${state}@2x.png`, trayIcon(32, design));
}
writeFileSync(`${OUT}icon.png`, appIcon(512));
process.stdout.write(`icons written to ${OUT}\n`);
