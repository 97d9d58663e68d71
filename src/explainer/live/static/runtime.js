// The book's network runtime: a trained Keras model exported by explainer.live.export runs
// here, in the reader's browser or in Node, with no dependency. Every layer's output, the
// gradient of a class's pre-softmax score with respect to the input, and batched forward
// passes. Activations are float32, channels last, row-major (Keras' own layout), so Flatten
// and Reshape move no data. Held to Keras by tests/test_live.py.

/** Float32Array from the base64 of little-endian float32 bytes. */
function decode(b64) {
  let bytes;
  if (typeof atob === "function") {
    const s = atob(b64);
    bytes = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  } else {
    bytes = new Uint8Array(Buffer.from(b64, "base64"));
  }
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

/** Float32Array from the base64 of little-endian float16 bytes (weights stored at half size). */
function decodeHalf(b64) {
  const bytes = decodeBytes(b64);
  const out = new Float32Array(bytes.length / 2);
  for (let i = 0; i < out.length; i++) {
    const h = bytes[2 * i] | (bytes[2 * i + 1] << 8);
    const sign = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 0x1f;
    const m = h & 0x3ff;
    if (e === 0) out[i] = sign * m * 2 ** -24;
    else if (e === 31) out[i] = m ? NaN : sign * Infinity;
    else out[i] = sign * (1 + m / 1024) * 2 ** (e - 15);
  }
  return out;
}

/** An int8 kernel with one scale per output unit (its last axis) as float32. */
function dequantise(b64, scale) {
  const q = new Int8Array(decodeBytes(b64).buffer);
  const out = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) out[i] = q[i] * scale[i % scale.length];
  return out;
}

/** Uint8Array from base64 (the test images shipped with a widget). */
function decodeBytes(b64) {
  if (typeof atob !== "function") return new Uint8Array(Buffer.from(b64, "base64"));
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/**
 * A layer's weights as float32: kernels and biases may be stored as float16, or kernels as
 * int8 with one scale per output unit; scales and shifts are always float32.
 */
function weights(spec, L, key) {
  if (typeof L[key] !== "string") return Float32Array.from(L[key]);
  if (spec.dtype === "int8" && key === "kernel") return dequantise(L.kernel, decode(L.kernel_scale));
  const half = spec.dtype === "float16" && (key === "kernel" || key === "bias");
  return half ? decodeHalf(L[key]) : decode(L[key]);
}

const size = (shape) => shape.reduce((a, b) => a * b, 1);

const ACTIVATIONS = {
  linear: { f: (x) => x, d: (_x, _y) => 1 },
  relu: { f: (x) => (x > 0 ? x : 0), d: (x) => (x > 0 ? 1 : 0) },
  tanh: { f: Math.tanh, d: (_x, y) => 1 - y * y },
  sigmoid: { f: (x) => 1 / (1 + Math.exp(-x)), d: (_x, y) => y * (1 - y) },
};

function softmax(z) {
  let m = -Infinity;
  for (const v of z) m = Math.max(m, v);
  const out = new Float32Array(z.length);
  let s = 0;
  for (let i = 0; i < z.length; i++) s += out[i] = Math.exp(z[i] - m);
  for (let i = 0; i < z.length; i++) out[i] /= s;
  return out;
}

// --- Steps: one forward and one input-gradient function each -------------------------------

function activationStep(name) {
  if (name === "softmax") {
    return {
      forward: (x) => softmax(x),
      backward: (g, _x, y) => {
        let dot = 0;
        for (let i = 0; i < y.length; i++) dot += g[i] * y[i];
        const out = new Float32Array(y.length);
        for (let i = 0; i < y.length; i++) out[i] = y[i] * (g[i] - dot);
        return out;
      },
    };
  }
  const a = ACTIVATIONS[name];
  if (!a) throw new Error(`unknown activation ${name}`);
  return {
    forward: (x) => {
      const y = new Float32Array(x.length);
      for (let i = 0; i < x.length; i++) y[i] = a.f(x[i]);
      return y;
    },
    backward: (g, x, y) => {
      const out = new Float32Array(g.length);
      for (let i = 0; i < g.length; i++) out[i] = g[i] * a.d(x[i], y[i]);
      return out;
    },
  };
}

function affineStep(scale, shift) {
  const c = Math.max(scale.length, shift.length);
  return {
    forward: (x) => {
      const y = new Float32Array(x.length);
      for (let i = 0; i < x.length; i++) {
        const k = i % c;
        y[i] = x[i] * scale[scale.length === 1 ? 0 : k] + shift[shift.length === 1 ? 0 : k];
      }
      return y;
    },
    backward: (g) => {
      const out = new Float32Array(g.length);
      for (let i = 0; i < g.length; i++) out[i] = g[i] * scale[scale.length === 1 ? 0 : i % c];
      return out;
    },
  };
}

function denseStep(kernel, bias, nIn, nOut) {
  return {
    forward: (x) => {
      const rows = x.length / nIn;
      const y = new Float32Array(rows * nOut);
      for (let r = 0; r < rows; r++) {
        const acc = new Float64Array(nOut);
        for (let j = 0; j < nOut; j++) acc[j] = bias[j];
        for (let i = 0; i < nIn; i++) {
          const v = x[r * nIn + i];
          if (v === 0) continue;
          const k = i * nOut;
          for (let j = 0; j < nOut; j++) acc[j] += v * kernel[k + j];
        }
        y.set(acc, r * nOut);
      }
      return y;
    },
    backward: (g) => {
      const rows = g.length / nOut;
      const out = new Float32Array(rows * nIn);
      for (let r = 0; r < rows; r++) {
        for (let i = 0; i < nIn; i++) {
          let s = 0;
          const k = i * nOut;
          for (let j = 0; j < nOut; j++) s += g[r * nOut + j] * kernel[k + j];
          out[r * nIn + i] = s;
        }
      }
      return out;
    },
  };
}

/** Padding before the first row/column, as TensorFlow computes it for "same". */
function padBefore(n, k, s, padding) {
  if (padding !== "same") return 0;
  const out = Math.ceil(n / s);
  return Math.floor(Math.max((out - 1) * s + k - n, 0) / 2);
}

/**
 * The input pixels each output position of a sliding window sees, in row-major window order,
 * skipping those in the padding. Output position `o` (`oy * OW + ox`) owns entries `start[o]`
 * up to `start[o + 1]`: `pixel` is the pixel's offset in an HWC input (`(iy * W + ix) * C`),
 * `tap` its place in the window (`dy * kw + dx`). Computed once per layer, so the forward and
 * backward passes of a convolution or a pooling walk the same windows.
 */
function windows([H, W, C], [OH, OW], [kh, kw], [sy, sx], padding) {
  const pt = padBefore(H, kh, sy, padding);
  const pl = padBefore(W, kw, sx, padding);
  const start = new Int32Array(OH * OW + 1);
  const pixel = [];
  const tap = [];
  for (let oy = 0; oy < OH; oy++) {
    for (let ox = 0; ox < OW; ox++) {
      for (let dy = 0; dy < kh; dy++) {
        const iy = oy * sy - pt + dy;
        if (iy < 0 || iy >= H) continue;
        for (let dx = 0; dx < kw; dx++) {
          const ix = ox * sx - pl + dx;
          if (ix < 0 || ix >= W) continue;
          pixel.push((iy * W + ix) * C);
          tap.push(dy * kw + dx);
        }
      }
      start[oy * OW + ox + 1] = pixel.length;
    }
  }
  return { start, pixel: Int32Array.from(pixel), tap: Int32Array.from(tap) };
}

function convStep(L, inShape, outShape) {
  const [H, W, C] = inShape;
  const [OH, OW, CO] = outShape;
  const { start, pixel, tap } = windows(inShape, outShape, L.kernel_size, L.strides, L.padding);
  const k = L.kernel;
  const b = L.bias;
  return {
    forward: (x) => {
      const y = new Float32Array(OH * OW * CO);
      const acc = new Float64Array(CO);
      for (let o = 0; o < OH * OW; o++) {
        for (let co = 0; co < CO; co++) acc[co] = b[co];
        for (let t = start[o]; t < start[o + 1]; t++) {
          const xo = pixel[t];
          const ko = tap[t] * C * CO;
          for (let ci = 0; ci < C; ci++) {
            const v = x[xo + ci];
            if (v === 0) continue;
            const kb = ko + ci * CO;
            for (let co = 0; co < CO; co++) acc[co] += v * k[kb + co];
          }
        }
        y.set(acc, o * CO);
      }
      return y;
    },
    backward: (g) => {
      const gx = new Float64Array(H * W * C);
      const live = new Int32Array(CO); // the output channels with a gradient at this position
      for (let o = 0; o < OH * OW; o++) {
        const go = o * CO;
        // After a ReLU and a max-pool most gradients are zero: skip them.
        let n = 0;
        for (let co = 0; co < CO; co++) if (g[go + co] !== 0) live[n++] = co;
        if (n === 0) continue;
        for (let t = start[o]; t < start[o + 1]; t++) {
          const xo = pixel[t];
          const ko = tap[t] * C * CO;
          for (let ci = 0; ci < C; ci++) {
            const kb = ko + ci * CO;
            let s = 0;
            if (n === CO) for (let co = 0; co < CO; co++) s += g[go + co] * k[kb + co];
            else {
              for (let j = 0; j < n; j++) {
                const co = live[j];
                s += g[go + co] * k[kb + co];
              }
            }
            gx[xo + ci] += s;
          }
        }
      }
      return Float32Array.from(gx);
    },
  };
}

function poolStep(L, inShape, outShape) {
  const [H, W, C] = inShape;
  const [OH, OW] = outShape;
  const { start, pixel } = windows(inShape, outShape, L.pool_size, L.strides, L.padding);
  const isMax = L.mode === "max";
  let argmax = null;
  return {
    forward: (x) => {
      const y = new Float32Array(OH * OW * C);
      const am = isMax ? new Int32Array(OH * OW * C) : null;
      for (let o = 0; o < OH * OW; o++) {
        for (let c = 0; c < C; c++) {
          let best = -Infinity;
          let at = -1;
          let sum = 0;
          for (let t = start[o]; t < start[o + 1]; t++) {
            const i = pixel[t] + c;
            if (x[i] > best) {
              best = x[i];
              at = i;
            }
            sum += x[i];
          }
          if (isMax) {
            y[o * C + c] = best;
            am[o * C + c] = at;
          } else y[o * C + c] = sum / (start[o + 1] - start[o]);
        }
      }
      argmax = am;
      return y;
    },
    backward: (g) => {
      const gx = new Float32Array(H * W * C);
      if (isMax) {
        for (let o = 0; o < g.length; o++) gx[argmax[o]] += g[o];
        return gx;
      }
      for (let o = 0; o < OH * OW; o++) {
        const n = start[o + 1] - start[o];
        for (let c = 0; c < C; c++) {
          const v = g[o * C + c] / n;
          for (let t = start[o]; t < start[o + 1]; t++) gx[pixel[t] + c] += v;
        }
      }
      return gx;
    },
  };
}

const identityStep = { forward: (x) => x, backward: (g) => g };

// --- The network ------------------------------------------------------------------------------

/**
 * A runnable network from an exported spec (plain data: see explainer.live.export).
 * `net.run(x)` gives every layer's output; `net.gradient(x, c)` the input gradient of class
 * c's pre-softmax score; `net.predictBatch(xs, n)` the probabilities of n inputs.
 */
class Network {
  constructor(spec) {
    if (spec.format !== "explainer-live/1") {
      throw new Error(`not an explainer live spec: format ${spec.format}`);
    }
    this.spec = spec;
    this.inputShape = spec.input_shape;
    this.inputSize = size(spec.input_shape);
    this.layers = [];
    this.steps = []; // {fn, layer (index whose output this step finishes, or -1)}
    let shape = spec.input_shape;
    spec.layers.forEach((L, index) => {
      const outShape = L.output_shape;
      const parts = [];
      const w = (key) => weights(spec, L, key);
      if (L.type === "conv2d") {
        parts.push(convStep({ ...L, kernel: w("kernel"), bias: w("bias") }, shape, outShape));
      } else if (L.type === "dense") {
        const nIn = shape[shape.length - 1];
        parts.push(denseStep(w("kernel"), w("bias"), nIn, outShape[outShape.length - 1]));
      } else if (L.type === "pool") {
        parts.push(poolStep(L, shape, outShape));
      } else if (L.type === "affine") {
        parts.push(affineStep(w("scale"), w("shift")));
      } else if (L.type === "reshape" || L.type === "activation") {
        parts.push(identityStep);
      } else {
        throw new Error(`layer ${L.name}: unknown type ${L.type}`);
      }
      if (L.activation && L.activation !== "linear") parts.push(activationStep(L.activation));
      parts.forEach((fn, i) => {
        this.steps.push({ fn, layer: i === parts.length - 1 ? index : -1, activation: i > 0 });
      });
      this.layers.push({ name: L.name, type: L.type, shape: outShape, activation: L.activation });
      shape = outShape;
    });
    // The class scores before the output's squashing: the input of the last softmax/sigmoid
    // (reshapes after it, such as a final Reshape, move no data).
    let lastLayer = spec.layers.length - 1;
    while (lastLayer > 0 && spec.layers[lastLayer].type === "reshape") lastLayer--;
    const lastAct = lastLayer >= 0 ? spec.layers[lastLayer].activation : null;
    this.squash = ["softmax", "sigmoid"].includes(lastAct) ? lastAct : null;
    let end = this.steps.length - 1;
    while (end > 0 && this.steps[end].layer !== lastLayer) end--;
    this.logitStep = this.squash ? end - 1 : this.steps.length - 1;
    this.outputSize = size(shape);
    this.classes = spec.classes;
  }

  /** Every step's input and output for one input (the gradient needs them). */
  _trace(x) {
    if (x.length !== this.inputSize) {
      throw new Error(`input has ${x.length} values, the network takes ${this.inputSize}`);
    }
    const values = [x];
    for (const step of this.steps) values.push(step.fn.forward(values[values.length - 1]));
    return values;
  }

  _result(values) {
    const outputs = [];
    this.steps.forEach((s, i) => {
      if (s.layer >= 0) outputs[s.layer] = values[i + 1];
    });
    const logits = values[this.logitStep + 1];
    return { outputs, logits, proba: this.probabilities(logits) };
  }

  /** Class probabilities from pre-softmax scores (a one-unit sigmoid gives two classes). */
  probabilities(logits) {
    if (this.squash === "sigmoid" && logits.length === 1) {
      const p = 1 / (1 + Math.exp(-logits[0]));
      return Float32Array.from([1 - p, p]);
    }
    if (this.squash === "sigmoid") return logits.map((z) => 1 / (1 + Math.exp(-z)));
    return softmax(logits);
  }

  /** Every layer's output, the pre-softmax scores and the probabilities of one input. */
  run(x) {
    return this._result(this._trace(x));
  }

  /** run(x), plus `grad`: d(score of class c before softmax) / d(input). */
  gradient(x, c) {
    const values = this._trace(x);
    const result = this._result(values);
    const logits = values[this.logitStep + 1];
    let g = new Float32Array(logits.length);
    if (this.squash === "sigmoid" && logits.length === 1) g[0] = c === 0 ? -1 : 1;
    else g[c] = 1;
    for (let i = this.logitStep; i >= 0; i--) {
      g = this.steps[i].fn.backward(g, values[i], values[i + 1]);
    }
    result.grad = g;
    return result;
  }

  /** Probabilities of n inputs stored one after the other in `xs`: (n × classes) values. */
  predictBatch(xs, n) {
    const k = this.classes;
    const out = new Float32Array(n * k);
    for (let i = 0; i < n; i++) {
      const x = xs.subarray(i * this.inputSize, (i + 1) * this.inputSize);
      out.set(this.run(x).proba, i * k);
    }
    return out;
  }

  /**
   * Occlusion map of class c: the drop of its probability when a `patch` × `patch` square
   * (filled with `fill`, one value per channel) covers each position, `stride` apart.
   */
  occlusion(x, c, { patch = 8, stride = 4, fill = null } = {}) {
    const [H, W, C] = this.inputShape;
    const base = this.run(x).proba[c];
    const rows = Math.floor((H - patch) / stride) + 1;
    const cols = Math.floor((W - patch) / stride) + 1;
    const batch = new Float32Array(rows * cols * this.inputSize);
    for (let r = 0; r < rows; r++) {
      for (let q = 0; q < cols; q++) {
        const o = (r * cols + q) * this.inputSize;
        batch.set(x, o);
        for (let y = r * stride; y < r * stride + patch; y++) {
          for (let xx = q * stride; xx < q * stride + patch; xx++) {
            for (let ch = 0; ch < C; ch++) {
              batch[o + (y * W + xx) * C + ch] = fill ? fill[ch % fill.length] : 0;
            }
          }
        }
      }
    }
    const p = this.predictBatch(batch, rows * cols);
    const map = new Float32Array(rows * cols);
    for (let i = 0; i < rows * cols; i++) map[i] = base - p[i * this.classes + c];
    return { map, rows, cols, base };
  }
}

function load(spec) {
  return new Network(typeof spec === "string" ? JSON.parse(spec) : spec);
}

/**
 * A drawing as MNIST's digits were made: the ink's bounding box scaled (keeping its aspect)
 * into 20 × 20, then placed in 28 × 28 so that its centre of mass is the centre.
 * `ink`: values in [0, 1], `w` × `h`, row-major. Returns 784 values in [0, 1].
 */
function mnistDigit(ink, w, h) {
  let x0 = w;
  let y0 = h;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (ink[y * w + x] > 0.05) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
  }
  const out = new Float32Array(784);
  if (x1 < 0) return out;
  const bw = x1 - x0 + 1;
  const bh = y1 - y0 + 1;
  const scale = 20 / Math.max(bw, bh);
  const sw = Math.max(1, Math.round(bw * scale));
  const sh = Math.max(1, Math.round(bh * scale));
  // Area-average resampling of the box into sw × sh.
  const small = new Float32Array(sw * sh);
  for (let y = 0; y < sh; y++) {
    for (let x = 0; x < sw; x++) {
      const ya = y0 + (y * bh) / sh;
      const yb = y0 + ((y + 1) * bh) / sh;
      const xa = x0 + (x * bw) / sw;
      const xb = x0 + ((x + 1) * bw) / sw;
      let s = 0;
      let a = 0;
      for (let yy = Math.floor(ya); yy < Math.ceil(yb); yy++) {
        const fy = Math.min(yb, yy + 1) - Math.max(ya, yy);
        for (let xx = Math.floor(xa); xx < Math.ceil(xb); xx++) {
          const f = fy * (Math.min(xb, xx + 1) - Math.max(xa, xx));
          s += f * ink[yy * w + xx];
          a += f;
        }
      }
      small[y * sw + x] = a ? s / a : 0;
    }
  }
  let m = 0;
  let cx = 0;
  let cy = 0;
  for (let y = 0; y < sh; y++) {
    for (let x = 0; x < sw; x++) {
      const v = small[y * sw + x];
      m += v;
      cx += v * (x + 0.5);
      cy += v * (y + 0.5);
    }
  }
  const dx = Math.round(14 - cx / m);
  const dy = Math.round(14 - cy / m);
  for (let y = 0; y < sh; y++) {
    for (let x = 0; x < sw; x++) {
      const ty = y + dy;
      const tx = x + dx;
      if (ty >= 0 && ty < 28 && tx >= 0 && tx < 28) out[ty * 28 + tx] = small[y * sw + x];
    }
  }
  return out;
}

/**
 * A probability as a percentage that never claims certainty it does not have (the rule of
 * explainer.plot.text.percent): decimals are added until a probability below 1 no longer
 * prints as 100 and one above 0 no longer as 0 (0.996 is "99.6", not "100").
 */
function percent(p, decimals = 1) {
  for (let digits = decimals; digits < 7; digits++) {
    const text = (100 * p).toFixed(digits);
    const shown = Number(text);
    if ((p < 1 && shown >= 100) || (p > 0 && shown <= 0)) continue;
    return text;
  }
  const scaled = p * 1e8;
  return ((p >= 0.5 ? Math.floor(scaled) : Math.ceil(scaled)) / 1e6).toFixed(6);
}

export { Network, decode, decodeBytes, decodeHalf, load, mnistDigit, percent, softmax, weights };
