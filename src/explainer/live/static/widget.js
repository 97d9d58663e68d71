// The book's live widgets: every element `.xl-widget` holds its data (the network's spec and
// what the widget shows) in a JSON script element inside it and is built here, with
// the runtime (runtime.js) that the page carries as `globalThis.ExplainerLive`. A classic
// script, so it also works from disk (file URLs). Labels: LABELS, one set per language, chosen by the
// page's <html lang>.
(function () {
  "use strict";
  const live = globalThis.ExplainerLive;

  /**
   * Dragging a pointer on `el`, the one way every widget does it: `start(p)` on press and
   * `move(p)` while pressed, where `p = to(x, y, width, height)` maps the pointer's offset from
   * el's top-left corner and el's drawn size to the widget's coordinates. The element keeps
   * the pointer until it is released, so a drag may leave it.
   */
  function onDrag(el, to, start, move = start) {
    let down = false;
    const at = (e) => {
      const b = el.getBoundingClientRect();
      return to(e.clientX - b.left, e.clientY - b.top, b.width, b.height);
    };
    el.addEventListener("pointerdown", (e) => {
      e.preventDefault();
      el.setPointerCapture(e.pointerId);
      down = true;
      start(at(e));
    });
    el.addEventListener("pointermove", (e) => {
      if (down) move(at(e));
    });
    const end = () => (down = false);
    el.addEventListener("pointerup", end);
    el.addEventListener("pointercancel", end);
  }

  const LABELS = {
    en: {
      draw: "Draw a digit here with the mouse or a finger",
      drawOrDrop: "Drop an image file here, or choose one below",
      clear: "Clear",
      example: "Test image",
      choose: "choose…",
      file: "Image file",
      seen: "What the network reads",
      prediction: "Prediction",
      proba: "Probability of each class",
      saliency: "Gradient × input for",
      saliencyNote: "red raises the score, blue lowers it",
      channels: (shown, total) => (shown < total ? `first ${shown} of ${total} channels` : `${total} channels`),
      units: "units",
      templates: "Each hidden unit: its weights (red +, blue −) and its activation",
      nothing: "Draw something, or pick a test image.",
      occluder: "Photo with a grey square: drag it, or focus the photo and use the arrow keys",
      patch: "Square size",
      occlusionMap: "Occlusion map: drop in the probability of",
      withSquare: "Probability with the square",
      computing: "computing…",
      point: "Input plane: drag the point, or focus it and use the arrow keys",
      layer: "Layer",
      input: "input",
      space: "The point in this layer's space",
      outputProba: "Probability of class 1",
      pixel: "pixels",
    },
    ja: {
      draw: "マウスや指でここに数字を描いてください",
      drawOrDrop: "ここに画像ファイルをドロップするか、下で選んでください",
      clear: "消去",
      example: "テスト画像",
      choose: "選択…",
      file: "画像ファイル",
      seen: "ネットワークが読む画像",
      prediction: "予測",
      proba: "各クラスの確率",
      saliency: "勾配 × 入力: クラス",
      saliencyNote: "赤はスコアを上げ、青は下げます",
      channels: (shown, total) => (shown < total ? `${total} チャンネルのうち最初の ${shown} 個` : `${total} チャンネル`),
      units: "ユニット",
      templates: "各隠れユニット: 重み（赤 +、青 −）と活性化",
      nothing: "何か描くか、テスト画像を選んでください。",
      occluder: "灰色の正方形を重ねた写真: 正方形はドラッグするか、写真にフォーカスして矢印キーで動かせます",
      patch: "正方形の大きさ",
      occlusionMap: "オクルージョンマップ（確率の低下）: クラス",
      withSquare: "正方形があるときの確率",
      computing: "計算中…",
      point: "入力平面: 点をドラッグするか、点にフォーカスして矢印キーで動かせます",
      layer: "層",
      input: "入力",
      space: "この層の空間での点の位置",
      outputProba: "クラス 1 の確率",
      pixel: "ピクセル",
    },
  };

  function labels() {
    const lang = (document.documentElement.lang || "en").slice(0, 2).toLowerCase();
    return LABELS[lang] || LABELS.en;
  }

  // --- small DOM and drawing helpers --------------------------------------------------------

  let counter = 0;
  const uid = (p) => `xl-${p}-${++counter}`;

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children) if (c) node.append(c);
    return node;
  }

  const argmax = (a) => a.reduce((best, v, i) => (v > a[best] ? i : best), 0);
  const pct = (p) => `${live.percent(p)} %`;

  /** Blue–white–red for signed values, centred on zero; `m` is the value drawn at full colour. */
  function diverging(v, m) {
    const t = Math.max(-1, Math.min(1, m ? v / m : 0));
    if (t >= 0) return [255, Math.round(255 * (1 - 0.85 * t)), Math.round(255 * (1 - 0.9 * t))];
    return [Math.round(255 * (1 + 0.9 * t)), Math.round(255 * (1 + 0.6 * t)), 255];
  }

  /** White to dark blue for non-negative values (activations after a ReLU or a pool). */
  function sequential(v, m) {
    const t = Math.max(0, Math.min(1, m ? v / m : 0));
    return [Math.round(255 - 247 * t), Math.round(255 - 207 * t), Math.round(255 - 148 * t)];
  }

  /** Paint an h × w map (channel `c` of `C`, channels last) into a canvas of that size. */
  function paintMap(canvas, values, h, w, C, c, colour, m) {
    const ctx = canvas.getContext("2d");
    const img = ctx.createImageData(w, h);
    for (let i = 0; i < h * w; i++) {
      const [r, g, b] = colour(values[i * C + c], m);
      img.data.set([r, g, b, 255], 4 * i);
    }
    ctx.putImageData(img, 0, 0);
  }

  /** Paint an input image (grey or RGB, values 0…vmax) into a canvas of its size. */
  function paintImage(canvas, x, h, w, C, vmax) {
    const ctx = canvas.getContext("2d");
    const img = ctx.createImageData(w, h);
    for (let i = 0; i < h * w; i++) {
      for (let k = 0; k < 3; k++) {
        const v = x[i * C + (C === 3 ? k : 0)] / vmax;
        img.data[4 * i + k] = Math.round(255 * Math.max(0, Math.min(1, v)));
      }
      img.data[4 * i + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  }

  function mapCanvas(h, w, cls, label) {
    const c = el("canvas", { width: w, height: h, class: cls, role: "img", "aria-label": label });
    return c;
  }

  /** Output bars: one row per class, the best one marked. Returns an update function. */
  function bars(container, names, title) {
    const L = labels();
    const list = el("ol", { class: "xl-bars", "aria-label": title });
    const rows = names.map((n) => {
      const fill = el("span", { class: "xl-bar-fill" });
      const value = el("span", { class: "xl-bar-value" });
      const li = el("li", {}, el("span", { class: "xl-bar-name", text: n }), el("span", { class: "xl-bar" }, fill), value);
      list.append(li);
      return { li, fill, value };
    });
    const summary = el("p", { class: "xl-prediction", "aria-live": "polite" });
    container.append(el("p", { class: "xl-title", text: title }), list, summary);
    const update = (proba) => {
      const best = argmax(proba);
      rows.forEach((r, i) => {
        r.fill.style.width = `${(100 * proba[i]).toFixed(1)}%`;
        r.value.textContent = pct(proba[i]);
        r.li.classList.toggle("xl-best", i === best);
      });
      summary.textContent = `${L.prediction}: ${names[best]} (${pct(proba[best])})`;
      return best;
    };
    update.reset = () => {
      rows.forEach((r) => {
        r.fill.style.width = "0";
        r.value.textContent = "";
        r.li.classList.remove("xl-best");
      });
      summary.textContent = "";
    };
    return update;
  }

  function imageSelect(images, onPick) {
    const L = labels();
    const id = uid("pick");
    const select = el("select", { id });
    select.append(el("option", { value: "", text: L.choose }));
    images.forEach((im, i) => select.append(el("option", { value: String(i), text: im.title })));
    select.addEventListener("change", () => {
      if (select.value !== "") onPick(Number(select.value));
    });
    onPick.select = select;
    return el("label", { for: id, class: "xl-control" }, document.createTextNode(`${L.example} `), select);
  }

  const decodeImage = (im) => Float32Array.from(live.decodeBytes(im.data));

  // --- "draw": draw or pick an input, see every layer, the output and an attribution ----------

  function mountDraw(root, data) {
    const L = labels();
    const net = live.load(data.spec);
    const [H, W, C] = net.inputShape.length === 3 ? net.inputShape : [...net.inputShape, 1];
    const vmax = data.spec.input_max;
    const names = data.spec.class_names;
    const canDraw = C === 1 && H === 28 && W === 28;
    const SIZE = 224;

    const pad = el("canvas", {
      width: SIZE,
      height: SIZE,
      class: "xl-pad",
      tabindex: "0",
      role: "img",
      "aria-label": canDraw ? L.draw : L.drawOrDrop,
      "data-input": canDraw ? "draw" : "drop",
    });
    const ctx = pad.getContext("2d", { willReadFrequently: true });
    const seen = mapCanvas(H, W, "xl-seen", L.seen);
    const saliency = mapCanvas(H, W, "xl-saliency", L.saliency);
    const salTitle = el("p", { class: "xl-title" });
    const message = el("p", { class: "xl-note", text: L.nothing });

    const left = el("div", { class: "xl-col" });
    const clear = el("button", { type: "button", class: "xl-button", text: L.clear });
    const controls = el("div", { class: "xl-controls" }, clear);
    if (data.images && data.images.length) controls.append(imageSelect(data.images, pick));
    if (!canDraw) {
      const id = uid("file");
      const file = el("input", { type: "file", accept: "image/*", id });
      file.addEventListener("change", () => file.files[0] && readFile(file.files[0]));
      controls.append(el("label", { for: id, class: "xl-control" }, document.createTextNode(`${L.file} `), file));
    }
    left.append(el("p", { class: "xl-title", text: canDraw ? L.draw : L.drawOrDrop }), pad, controls, message);
    const middle = el("div", { class: "xl-col" });
    middle.append(
      el("p", { class: "xl-title", text: L.seen }),
      seen,
      salTitle,
      saliency,
      el("p", { class: "xl-note", text: L.saliencyNote }),
    );
    const right = el("div", { class: "xl-col xl-output" });
    const update = bars(right, names, L.proba);
    const top = el("div", { class: "xl-row" }, left, middle, right);
    const layersBox = el("div", { class: "xl-layers" });
    root.append(top, layersBox);

    // One panel per layer worth seeing: maps of spatial layers, bars (and templates) of dense.
    const panels = [];
    data.spec.layers.forEach((layer, index) => {
      const shape = layer.output_shape;
      const isLast = index === data.spec.layers.length - 1;
      if (isLast || layer.type === "reshape") return;
      if (layer.type === "affine" && index === 0) return; // the input's rescaling
      if (shape.length === 3) {
        const [h, w, c] = shape;
        const shown = Math.min(c, data.max_channels || 16);
        const box = el("div", { class: "xl-maps" });
        const maps = [];
        for (let k = 0; k < shown; k++) {
          const cv = mapCanvas(h, w, "xl-map", `${layer.name} ${k}`);
          maps.push(cv);
          box.append(cv);
        }
        const head = el("p", { class: "xl-title", text: `${layer.name} (${layer.class}, ${h} × ${w}): ${L.channels(shown, c)}` });
        layersBox.append(el("section", { class: "xl-layer" }, head, box));
        panels.push({ index, kind: "maps", maps, shape, shown, signed: !["relu"].includes(layer.activation) && layer.type !== "pool" });
      } else if (shape.length === 1 && shape[0] <= 64) {
        const n = shape[0];
        const box = el("div", { class: "xl-units" });
        const cells = [];
        const templates = (data.templates || []).includes(layer.name) && layer.kernel;
        const kernel = templates && live.weights(data.spec, layer, "kernel");
        const fits = kernel && kernel.length === H * W * n;
        for (let k = 0; k < n; k++) {
          const cell = el("div", { class: "xl-unit" });
          if (fits) {
            // The kernel is (H·W, n): unit k's weights are column k, drawn as an image.
            const t = mapCanvas(H, W, "xl-template", `${layer.name} ${k}`);
            const col = new Float32Array(H * W);
            let m = 0;
            for (let i = 0; i < H * W; i++) {
              col[i] = kernel[i * n + k];
              m = Math.max(m, Math.abs(col[i]));
            }
            paintMap(t, col, H, W, 1, 0, diverging, m);
            cell.append(t);
          }
          const fill = el("span", { class: "xl-unit-fill" });
          const value = el("span", { class: "xl-unit-value" });
          cell.append(el("span", { class: "xl-unit-bar" }, fill), value);
          box.append(cell);
          cells.push({ fill, value });
        }
        const title = fits ? L.templates : `${layer.name} (${layer.class}): ${n} ${L.units}`;
        layersBox.append(el("section", { class: "xl-layer" }, el("p", { class: "xl-title", text: title }), box));
        panels.push({ index, kind: "units", cells });
      }
    });

    let x = null; // the network's input, or null
    let strokes = false;
    let pending = false;

    function render() {
      pending = false;
      if (!x) return;
      const first = net.run(x);
      const best = argmax(first.proba);
      const r = net.gradient(x, best);
      update(r.proba);
      message.textContent = "";
      paintImage(seen, x, H, W, C, vmax);
      // Gradient × input, summed over colour channels, on a zero-centred scale.
      const gx = new Float32Array(H * W);
      let m = 0;
      for (let i = 0; i < H * W; i++) {
        let s = 0;
        for (let c = 0; c < C; c++) s += r.grad[i * C + c] * x[i * C + c];
        gx[i] = s;
        m = Math.max(m, Math.abs(s));
      }
      paintMap(saliency, gx, H, W, 1, 0, diverging, m);
      salTitle.textContent = `${L.saliency} ${names[best]}`;
      for (const p of panels) {
        const out = r.outputs[p.index];
        if (p.kind === "maps") {
          const [h, w, c] = p.shape;
          let mx = 0;
          for (let i = 0; i < out.length; i++) if (i % c < p.shown) mx = Math.max(mx, Math.abs(out[i]));
          p.maps.forEach((cv, k) => paintMap(cv, out, h, w, c, k, p.signed ? diverging : sequential, mx));
        } else {
          let mx = 0;
          for (const v of out) mx = Math.max(mx, Math.abs(v));
          p.cells.forEach((cell, k) => {
            cell.fill.style.height = `${(100 * Math.abs(out[k])) / (mx || 1)}%`;
            cell.fill.classList.toggle("xl-negative", out[k] < 0);
            cell.value.textContent = out[k].toFixed(1);
          });
        }
      }
      root.dataset.prediction = names[best];
    }

    function schedule() {
      if (!pending) {
        pending = true;
        requestAnimationFrame(render);
      }
    }

    function blank() {
      ctx.fillStyle = "#000";
      ctx.fillRect(0, 0, SIZE, SIZE);
    }

    function fromPad() {
      const px = ctx.getImageData(0, 0, SIZE, SIZE).data;
      if (canDraw) {
        const ink = new Float32Array(SIZE * SIZE);
        for (let i = 0; i < ink.length; i++) ink[i] = px[4 * i] / 255;
        const digit = live.mnistDigit(ink, SIZE, SIZE);
        x = digit.map((v) => v * vmax);
      }
    }

    function pick(i) {
      const im = data.images[i];
      x = decodeImage(im).map((v) => (v / 255) * vmax);
      strokes = false;
      const tmp = el("canvas", { width: W, height: H });
      paintImage(tmp, x, H, W, C, vmax);
      ctx.imageSmoothingEnabled = false;
      blank();
      ctx.drawImage(tmp, 0, 0, SIZE, SIZE);
      root.dataset.picked = im.title;
      if (pick.select) pick.select.value = String(i);
      schedule();
    }

    function readFile(file) {
      const url = URL.createObjectURL(file);
      const img = new Image();
      img.onload = () => {
        const tmp = el("canvas", { width: W, height: H });
        const t = tmp.getContext("2d");
        t.drawImage(img, 0, 0, W, H);
        const px = t.getImageData(0, 0, W, H).data;
        x = new Float32Array(H * W * C);
        for (let i = 0; i < H * W; i++) {
          for (let c = 0; c < C; c++) {
            const v = C === 3 ? px[4 * i + c] : (px[4 * i] + px[4 * i + 1] + px[4 * i + 2]) / 3;
            x[i * C + c] = (v / 255) * vmax;
          }
        }
        blank();
        ctx.imageSmoothingEnabled = true;
        ctx.drawImage(img, 0, 0, SIZE, SIZE);
        URL.revokeObjectURL(url);
        schedule();
      };
      img.src = url;
    }

    blank();
    clear.addEventListener("click", () => {
      blank();
      x = null;
      if (pick.select) pick.select.value = "";
      update.reset();
      delete root.dataset.prediction;
      delete root.dataset.picked;
      for (const cv of [seen, saliency]) cv.getContext("2d").clearRect(0, 0, W, H);
      strokes = false;
      message.textContent = L.nothing;
    });
    if (canDraw) {
      let last = null;
      onDrag(
        pad,
        (px, py, w, h) => [(px * SIZE) / w, (py * SIZE) / h],
        (p) => {
          if (!strokes && x) blank(); // a drawing replaces a picked test image
          strokes = true;
          last = p;
          stroke(p, p);
        },
        (p) => {
          stroke(last, p);
          last = p;
        },
      );
      function stroke(a, b) {
        ctx.strokeStyle = "#fff";
        ctx.lineWidth = SIZE / 12;
        ctx.lineCap = "round";
        ctx.lineJoin = "round";
        ctx.beginPath();
        ctx.moveTo(a[0], a[1]);
        ctx.lineTo(b[0], b[1]);
        ctx.stroke();
        fromPad();
        schedule();
      }
    } else {
      pad.addEventListener("dragover", (e) => e.preventDefault());
      pad.addEventListener("drop", (e) => {
        e.preventDefault();
        const f = e.dataTransfer.files[0];
        if (f) readFile(f);
      });
    }
    if (data.images && data.images.length && data.start !== false) pick(data.start || 0);
  }

  // --- "occlude": drag a grey square over a photo --------------------------------------------

  function mountOcclude(root, data) {
    const L = labels();
    const net = live.load(data.spec);
    const [H, W, C] = net.inputShape;
    const vmax = data.spec.input_max;
    const names = data.spec.class_names;
    const SCALE = 8;
    const fill = data.fill || [0.5 * vmax];
    let patch = data.patch || 8;
    let pos = [Math.floor((W - patch) / 2), Math.floor((H - patch) / 2)];
    let image = null;
    let target = 0;

    const photo = el("canvas", {
      width: W * SCALE,
      height: H * SCALE,
      class: "xl-photo",
      tabindex: "0",
      role: "img",
      "aria-label": L.occluder,
    });
    const ctx = photo.getContext("2d");
    const mapCv = el("canvas", { width: W * SCALE, height: H * SCALE, class: "xl-photo", role: "img" });
    const mapTitle = el("p", { class: "xl-title" });
    const sizeId = uid("patch");
    const size = el("select", { id: sizeId });
    for (const s of data.patches || [4, 8, 12]) {
      size.append(el("option", { value: String(s), text: `${s} × ${s} ${L.pixel}`, selected: s === patch }));
    }
    const controls = el("div", { class: "xl-controls" });
    controls.append(imageSelect(data.images, pick), el("label", { for: sizeId, class: "xl-control" }, document.createTextNode(`${L.patch} `), size));
    const left = el("div", { class: "xl-col" }, el("p", { class: "xl-title", text: L.occluder }), photo, controls);
    const middle = el("div", { class: "xl-col" }, mapTitle, mapCv);
    const right = el("div", { class: "xl-col xl-output" });
    const update = bars(right, names, L.withSquare);
    root.append(el("div", { class: "xl-row" }, left, middle, right));

    function occluded() {
      const x = Float32Array.from(image);
      for (let y = pos[1]; y < pos[1] + patch; y++) {
        for (let xx = pos[0]; xx < pos[0] + patch; xx++) {
          for (let c = 0; c < C; c++) x[(y * W + xx) * C + c] = fill[c % fill.length];
        }
      }
      return x;
    }

    function render() {
      if (!image) return;
      const x = occluded();
      const r = net.run(x);
      const best = update(r.proba);
      const tmp = el("canvas", { width: W, height: H });
      paintImage(tmp, x, H, W, C, vmax);
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(tmp, 0, 0, W * SCALE, H * SCALE);
      ctx.strokeStyle = "#fff";
      ctx.lineWidth = 2;
      ctx.strokeRect(pos[0] * SCALE, pos[1] * SCALE, patch * SCALE, patch * SCALE);
      root.dataset.prediction = names[best];
      root.dataset.square = `${pos[0]},${pos[1]}`;
    }

    function computeMap() {
      mapTitle.textContent = `${L.occlusionMap} ${names[target]} (${L.computing})`;
      const stride = Math.max(1, Math.floor(patch / 2));
      setTimeout(() => {
        const t0 = performance.now();
        const { map, rows, cols } = net.occlusion(image, target, { patch, stride, fill });
        const m = map.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
        // Each cell's value spread over the pixels its square covered (mean of overlaps).
        const sum = new Float32Array(H * W);
        const n = new Float32Array(H * W);
        for (let r = 0; r < rows; r++) {
          for (let q = 0; q < cols; q++) {
            for (let y = r * stride; y < r * stride + patch; y++) {
              for (let xx = q * stride; xx < q * stride + patch; xx++) {
                sum[y * W + xx] += map[r * cols + q];
                n[y * W + xx] += 1;
              }
            }
          }
        }
        const px = sum.map((s, i) => (n[i] ? s / n[i] : 0));
        const tmp = el("canvas", { width: W, height: H });
        paintMap(tmp, px, H, W, 1, 0, diverging, m);
        const mctx = mapCv.getContext("2d");
        mctx.imageSmoothingEnabled = false;
        mctx.drawImage(tmp, 0, 0, W * SCALE, H * SCALE);
        mapTitle.textContent = `${L.occlusionMap} ${names[target]}`;
        mapCv.setAttribute("aria-label", mapTitle.textContent);
        root.dataset.mapMs = (performance.now() - t0).toFixed(0);
      }, 0);
    }

    function pick(i) {
      const im = data.images[i];
      image = decodeImage(im).map((v) => (v / 255) * vmax);
      target = argmax(net.run(image).proba);
      root.dataset.picked = im.title;
      if (pick.select) pick.select.value = String(i);
      render();
      computeMap();
    }

    const clamp = (v, hi) => Math.max(0, Math.min(hi, v));
    function moveTo(px, py) {
      pos = [clamp(Math.round(px - patch / 2), W - patch), clamp(Math.round(py - patch / 2), H - patch)];
      render();
    }
    onDrag(
      photo,
      (px, py, w, h) => [(px * W) / w, (py * H) / h],
      (p) => moveTo(...p),
    );
    photo.addEventListener("keydown", (e) => {
      const step = e.shiftKey ? 4 : 1;
      const d = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] }[e.key];
      if (!d) return;
      e.preventDefault();
      pos = [clamp(pos[0] + d[0], W - patch), clamp(pos[1] + d[1], H - patch)];
      render();
    });
    size.addEventListener("change", () => {
      patch = Number(size.value);
      pos = [clamp(pos[0], W - patch), clamp(pos[1], H - patch)];
      render();
      computeMap();
    });
    pick(data.start || 0);
  }

  // --- "space": a 2-D point carried through a small dense network ----------------------------

  function mountSpace(root, data) {
    const L = labels();
    const net = live.load(data.spec);
    const colours = ["#1f77b4", "#ff7f0e"];
    const light = [
      [198, 219, 239],
      [253, 208, 162],
    ];
    const pts = live.decode(data.points);
    const ys = data.labels;
    const n = ys.length;
    const [[x0, x1], [y0, y1]] = data.limits;
    let point = data.start || [0.5 * (x0 + x1), 0.5 * (y0 + y1)];
    const kept = net.layers.map((l, i) => i).filter((i) => net.layers[i].type !== "reshape");
    const names = ["input", ...kept.map((i) => net.layers[i].name)];
    const views = names.length;
    const pick = (outputs) => kept.map((i) => Array.from(outputs[i]));
    // Every training point's position in every layer (computed once).
    const cloud = names.map(() => []);
    for (let i = 0; i < n; i++) {
      const x = pts.subarray(2 * i, 2 * i + 2);
      const r = net.run(x);
      cloud[0].push(Array.from(x));
      pick(r.outputs).forEach((o, k) => cloud[k + 1].push(o));
    }
    // 3-D layers are drawn in a fixed oblique view.
    // 1-D (the output's probability) on a line, the classes on two rows.
    const project = (v, cls) => {
      if (v.length >= 3) return [v[0] - 0.45 * v[2], v[1] - 0.3 * v[2]];
      if (v.length === 1) return [v[0], cls === undefined ? 0 : cls ? 0.4 : -0.4];
      return v;
    };
    const bounds = cloud.map((c, k) => {
      if (k === 0) return [x0, x1, y0, y1];
      if (c[0].length === 1) return [-0.05, 1.05, -1, 1];
      let b = [Infinity, -Infinity, Infinity, -Infinity];
      for (const v of c) {
        const [a, bb] = project(v);
        b = [Math.min(b[0], a), Math.max(b[1], a), Math.min(b[2], bb), Math.max(b[3], bb)];
      }
      const padx = 0.08 * (b[1] - b[0] || 1);
      const pady = 0.08 * (b[3] - b[2] || 1);
      return [b[0] - padx, b[1] + padx, b[2] - pady, b[3] + pady];
    });

    const BIG = 300;
    const plane = el("canvas", { width: BIG, height: BIG, class: "xl-plane", tabindex: "0", role: "img", "aria-label": L.point });
    const spaceCv = el("canvas", { width: BIG, height: BIG, class: "xl-plane", role: "img" });
    const sliderId = uid("layer");
    const slider = el("input", { type: "range", min: "0", max: String(views - 1), step: "1", value: String(views - 2 > 0 ? 1 : 0), id: sliderId });
    const layerName = el("output", { for: sliderId, class: "xl-layer-name" });
    const probaText = el("p", { class: "xl-prediction", "aria-live": "polite" });
    const strip = el("div", { class: "xl-strip" });
    const thumbs = names.map((nm, k) => {
      const cv = el("canvas", { width: 96, height: 96, class: "xl-thumb", role: "img", "aria-label": nm });
      const b = el("button", { type: "button", class: "xl-thumb-button", "aria-label": `${L.layer} ${k === 0 ? L.input : nm}` }, cv, el("span", { text: k === 0 ? L.input : nm }));
      b.addEventListener("click", () => {
        slider.value = String(k);
        render();
      });
      strip.append(b);
      return { cv, b };
    });
    root.append(
      el(
        "div",
        { class: "xl-row" },
        el("div", { class: "xl-col" }, el("p", { class: "xl-title", text: L.point }), plane, probaText),
        el(
          "div",
          { class: "xl-col" },
          el("p", { class: "xl-title", text: L.space }),
          spaceCv,
          el("label", { for: sliderId, class: "xl-control" }, document.createTextNode(`${L.layer} `), slider, layerName),
        ),
      ),
      strip,
    );

    // The input plane's background: the network's probability of class 1 on a grid.
    const G = 60;
    const grid = new Float32Array(G * G * 2);
    for (let j = 0; j < G; j++) {
      for (let i = 0; i < G; i++) {
        grid[2 * (j * G + i)] = x0 + ((i + 0.5) * (x1 - x0)) / G;
        grid[2 * (j * G + i) + 1] = y1 - ((j + 0.5) * (y1 - y0)) / G;
      }
    }
    const probs = net.predictBatch(grid, G * G);
    const bg = el("canvas", { width: G, height: G });
    const bctx = bg.getContext("2d");
    const bimg = bctx.createImageData(G, G);
    for (let i = 0; i < G * G; i++) {
      const p = probs[i * net.classes + 1];
      const c = light[p > 0.5 ? 1 : 0];
      bimg.data.set([c[0], c[1], c[2], 255], 4 * i);
    }
    bctx.putImageData(bimg, 0, 0);

    function draw(canvas, k, pointValues, size, background) {
      const c = canvas.getContext("2d");
      const [a0, a1, b0, b1] = bounds[k];
      const sx = (v) => ((v - a0) / (a1 - a0)) * size;
      const sy = (v) => size - ((v - b0) / (b1 - b0)) * size;
      c.fillStyle = "#fff";
      c.fillRect(0, 0, size, size);
      if (background) {
        c.imageSmoothingEnabled = true;
        c.drawImage(bg, 0, 0, size, size);
      }
      const dot = size > 150 ? 2 : 1.2;
      if (cloud[k][0].length === 1) {
        c.strokeStyle = "#555";
        c.setLineDash([4, 3]);
        c.beginPath();
        c.moveTo(sx(0.5), 0);
        c.lineTo(sx(0.5), size);
        c.stroke();
        c.setLineDash([]);
      }
      cloud[k].forEach((v, i) => {
        const [a, b] = project(v, ys[i]);
        c.fillStyle = colours[ys[i]];
        c.globalAlpha = 0.55;
        c.fillRect(sx(a) - dot, sy(b) - dot, 2 * dot, 2 * dot);
      });
      c.globalAlpha = 1;
      const [a, b] = project(pointValues);
      c.beginPath();
      c.arc(sx(a), sy(b), size > 150 ? 7 : 4, 0, 2 * Math.PI);
      c.fillStyle = "#111";
      c.fill();
      c.lineWidth = 2;
      c.strokeStyle = "#fff";
      c.stroke();
    }

    function render() {
      const k = Number(slider.value);
      const r = net.run(Float32Array.from(point));
      const values = [point, ...pick(r.outputs)];
      draw(plane, 0, point, BIG, true);
      draw(spaceCv, k, values[k], BIG, k === 0);
      thumbs.forEach((t, i) => {
        draw(t.cv, i, values[i], 96, i === 0);
        t.b.classList.toggle("xl-current", i === k);
        t.b.setAttribute("aria-pressed", String(i === k));
      });
      const name = k === 0 ? L.input : names[k];
      layerName.textContent = `${name} (${k} / ${views - 1})`;
      spaceCv.setAttribute("aria-label", `${L.space}: ${name}`);
      const p1 = r.proba[1];
      probaText.textContent = `${L.outputProba}: ${pct(p1)} (x = ${point[0].toFixed(2)}, y = ${point[1].toFixed(2)})`;
      root.dataset.layer = String(k);
      root.dataset.point = `${point[0].toFixed(3)},${point[1].toFixed(3)}`;
      root.dataset.prediction = String(p1 > 0.5 ? 1 : 0);
    }

    onDrag(
      plane,
      (px, py, w, h) => [x0 + (px / w) * (x1 - x0), y1 - (py / h) * (y1 - y0)],
      (p) => {
        point = p;
        render();
      },
    );
    plane.addEventListener("keydown", (e) => {
      const step = ((e.shiftKey ? 0.2 : 0.05) * (x1 - x0)) / 4;
      const d = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] }[e.key];
      if (!d) return;
      e.preventDefault();
      point = [Math.max(x0, Math.min(x1, point[0] + d[0])), Math.max(y0, Math.min(y1, point[1] + d[1]))];
      render();
    });
    slider.addEventListener("input", render);
    render();
  }

  const KINDS = { draw: mountDraw, occlude: mountOcclude, space: mountSpace };

  function mountAll() {
    document.querySelectorAll(".xl-widget:not([data-mounted])").forEach((root) => {
      root.dataset.mounted = "1";
      const script = root.querySelector("script.xl-data");
      try {
        const data = JSON.parse(script.textContent);
        const body = el("div", { class: "xl-body" });
        root.append(body);
        KINDS[root.dataset.kind](body, data);
        // What the widget shows now (data-prediction, ...), for tests and screen readers'
        // neighbours: mirrored from the body onto the widget element.
        const own = new Set([...Object.keys(root.dataset), "ready", "error"]);
        const sync = () => {
          for (const k of Object.keys(root.dataset)) if (!own.has(k) && !(k in body.dataset)) delete root.dataset[k];
          Object.assign(root.dataset, body.dataset);
        };
        new MutationObserver(sync).observe(body, { attributes: true });
        sync();
        root.dataset.ready = "1";
        const fallback = root.querySelector(".xl-fallback");
        if (fallback) fallback.remove();
      } catch (err) {
        root.dataset.error = String(err);
        throw err;
      }
    });
  }

  live.LABELS = LABELS;
  live.mountAll = mountAll;
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
  else mountAll();
})();
