// The live widgets (explainer.live), driven as a reader would: draw a stroke with the mouse,
// pick a test image with the keyboard, drag the grey square, move the point and the slider.
// Each interaction must change the widget's state (its data-* attributes) and what it shows.
//
// check.mjs calls checkWidgets(page, problems) on every page of the site. Alone, it checks
// the chapters of a built book opened from disk (file://, as a reader without a server would):
//   node widgets.mjs --html ../docs/_build/html [--html ../docs/_build/html-ja] [--chromium PATH]
// and fails on any console message or uncaught exception on those pages.

import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const CHAPTERS = [
  "auto_examples/images/plot_02_templates.html",
  "auto_examples/images/plot_03_filters.html",
  "auto_examples/images/plot_06_where_it_looks.html",
  "auto_examples/dense/plot_01_bending_space.html",
];

const state = (w) => w.evaluate((el) => ({ ...el.dataset }));
const pixels = (canvas) => canvas.evaluate((c) => c.toDataURL());

async function centre(handle) {
  await handle.scrollIntoViewIfNeeded();
  const b = await handle.boundingBox();
  return { b, x: b.x + b.width / 2, y: b.y + b.height / 2 };
}

async function drag(page, from, to, steps = 12) {
  await page.mouse.move(from[0], from[1]);
  await page.mouse.down();
  await page.mouse.move(to[0], to[1], { steps });
  await page.mouse.up();
}

/** Wait until the widget is built; then the labelled controls it must have. */
async function ready(page, widget, problems, name) {
  try {
    await widget.evaluate(
      (el) =>
        new Promise((resolve, reject) => {
          const t0 = Date.now();
          (function poll() {
            if (el.dataset.ready) resolve();
            else if (el.dataset.error) reject(new Error(el.dataset.error));
            else if (Date.now() - t0 > 20000) reject(new Error("not built after 20 s"));
            else setTimeout(poll, 50);
          })();
        }),
    );
  } catch (err) {
    problems.push(`${name}: ${err.message}`);
    return false;
  }
  const unlabelled = await widget.evaluate((el) =>
    [...el.querySelectorAll("select, input, button, canvas[tabindex]")]
      .filter((c) => !(c.labels && c.labels.length) && !c.getAttribute("aria-label") && !c.textContent.trim())
      .map((c) => c.outerHTML.slice(0, 60)),
  );
  for (const u of unlabelled) problems.push(`${name}: control without a label: ${u}`);
  return true;
}

async function checkDraw(page, widget, problems, name) {
  const pad = await widget.$("canvas.xl-pad");
  const seen = await widget.$("canvas.xl-seen");
  const select = await widget.$("select");
  // Keyboard: focus the list of test images and step to the next one.
  const before = await state(widget);
  await select.focus();
  await page.keyboard.press("ArrowDown");
  await page.waitForTimeout(150);
  const picked = await state(widget);
  if (picked.picked === before.picked) problems.push(`${name}: the arrow key on the test images did not pick another`);
  if (picked.prediction === undefined) problems.push(`${name}: no prediction after picking a test image`);
  if ((await pad.getAttribute("data-input")) === "drop") {
    // A colour network: no drawing, but an image file (here: a picture of the pad itself).
    const png = await pad.screenshot();
    await (await widget.$("button.xl-button")).click();
    const shown = await pixels(seen);
    await (await widget.$("input[type=file]")).setInputFiles({ name: "pad.png", mimeType: "image/png", buffer: png });
    await page.waitForFunction((el) => el.dataset.prediction !== undefined, widget, { timeout: 10000 });
    if ((await pixels(seen)) === shown) problems.push(`${name}: a chosen image file did not change the input`);
    return;
  }
  // Mouse: clear, then draw a "1", a vertical stroke through the middle.
  await (await widget.$("button.xl-button")).click();
  const shown = await pixels(seen);
  const { b } = await centre(pad);
  await drag(page, [b.x + b.width * 0.5, b.y + b.height * 0.15], [b.x + b.width * 0.52, b.y + b.height * 0.85]);
  await page.waitForTimeout(200);
  const drawn = await state(widget);
  if (drawn.prediction !== "1") problems.push(`${name}: a vertical stroke was read as ${drawn.prediction}, not 1`);
  if ((await pixels(seen)) === shown) problems.push(`${name}: the network's input image did not change`);
  const live = await widget.$eval(".xl-prediction", (p) => p.textContent);
  if (!live.includes(": 1 ")) problems.push(`${name}: the prediction line says "${live}"`);
}

async function checkOcclude(page, widget, problems, name) {
  const photo = await widget.$("canvas.xl-photo[tabindex]");
  const bars = async () => widget.$eval("ol.xl-bars", (o) => o.textContent);
  const s0 = await state(widget);
  const t0 = await bars();
  const { b } = await centre(photo);
  const [x, y] = s0.square.split(",").map(Number);
  const scale = b.width / 32;
  await drag(page, [b.x + (x + 4) * scale, b.y + (y + 4) * scale], [b.x + 6 * scale, b.y + 6 * scale]);
  await page.waitForTimeout(150);
  const s1 = await state(widget);
  if (s1.square !== "2,2") problems.push(`${name}: dragging the square left it at ${s1.square}, not 2,2`);
  if ((await bars()) === t0) problems.push(`${name}: the probabilities did not change when the square moved`);
  await photo.focus();
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowDown");
  const s2 = await state(widget);
  if (s2.square !== "3,3") problems.push(`${name}: arrow keys moved the square to ${s2.square}, not 3,3`);
  const select = await widget.$("select");
  await select.focus();
  await page.keyboard.press("ArrowDown");
  await page.waitForTimeout(150);
  if ((await state(widget)).picked === s0.picked) problems.push(`${name}: the arrow key did not pick another photo`);
  await page.waitForFunction((el) => el.dataset.mapMs !== undefined, widget, { timeout: 20000 });
}

async function checkSpace(page, widget, problems, name) {
  const plane = await widget.$("canvas.xl-plane[tabindex]");
  const slider = await widget.$("input[type=range]");
  const s0 = await state(widget);
  const { b } = await centre(plane);
  // The moons' data: the top-left is class 0's moon, the bottom-right class 1's.
  await drag(page, [b.x + b.width / 2, b.y + b.height / 2], [b.x + b.width * 0.25, b.y + b.height * 0.3]);
  const s1 = await state(widget);
  if (s1.point === s0.point) problems.push(`${name}: dragging did not move the point`);
  if (s1.prediction !== "0") problems.push(`${name}: a point on the upper moon is class ${s1.prediction}, not 0`);
  await drag(page, [b.x + b.width * 0.25, b.y + b.height * 0.3], [b.x + b.width * 0.75, b.y + b.height * 0.72]);
  if ((await state(widget)).prediction !== "1") problems.push(`${name}: a point on the lower moon is not class 1`);
  await slider.focus();
  await page.keyboard.press("End");
  const last = Number(await slider.getAttribute("max"));
  const s2 = await state(widget);
  if (Number(s2.layer) !== last) problems.push(`${name}: End on the slider shows layer ${s2.layer}, not ${last}`);
  await page.keyboard.press("ArrowLeft");
  if (Number((await state(widget)).layer) !== last - 1) problems.push(`${name}: ArrowLeft on the slider did not step back`);
  const s3 = await state(widget);
  await plane.focus();
  await page.keyboard.press("ArrowUp");
  if ((await state(widget)).point === s3.point) problems.push(`${name}: ArrowUp did not move the point`);
}

const KINDS = { draw: checkDraw, occlude: checkOcclude, space: checkSpace };

/** Drive every widget of the page; returns how many there were. */
export async function checkWidgets(page, problems) {
  const widgets = await page.$$(".xl-widget");
  for (const [i, widget] of widgets.entries()) {
    const kind = await widget.getAttribute("data-kind");
    const name = `widget ${i + 1} (${kind})`;
    if (!(await ready(page, widget, problems, name))) continue;
    try {
      await KINDS[kind](page, widget, problems, name);
    } catch (err) {
      problems.push(`${name}: ${err.message.split("\n")[0]}`);
    }
  }
  return widgets.length;
}

// -- Alone: the chapters of built books, from disk -----------------------------------------------

async function main() {
  const { values: args } = parseArgs({
    options: {
      html: { type: "string", multiple: true, default: ["../docs/_build/html"] },
      chromium: { type: "string", default: "/usr/bin/chromium" },
      screenshots: { type: "string" },
    },
  });
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath: args.chromium, args: ["--no-sandbox", "--disable-gpu"] });
  let failed = 0;
  for (const root of args.html) {
    for (const chapter of CHAPTERS) {
      const file = path.resolve(root, chapter);
      if (!fs.existsSync(file)) {
        console.log(`SKIP ${file} (not built)`);
        continue;
      }
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems = [];
      // The theme (pydata-sphinx-theme) logs its own "[PST]: ..." lines; everything else counts.
      page.on("console", (m) => m.text().startsWith("[PST]") || problems.push(`console ${m.type()}: ${m.text()}`));
      page.on("pageerror", (e) => problems.push(`uncaught exception: ${e.message}`));
      await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
      const lang = await page.evaluate(() => document.documentElement.lang);
      const n = await checkWidgets(page, problems);
      if (n === 0) problems.push("no widget on the page");
      const label = await page.$eval(".xl-widget .xl-title", (h) => h.textContent).catch(() => "");
      if (lang === "ja" && !/[\u3040-\u30ff\u4e00-\u9fff]/.test(label)) problems.push(`Japanese page, English label: ${label}`);
      if (args.screenshots) {
        const widget = await page.$(".xl-widget");
        fs.mkdirSync(args.screenshots, { recursive: true });
        const out = path.join(args.screenshots, `${lang}-${path.basename(chapter, ".html")}.png`);
        if (widget) await widget.screenshot({ path: out });
      }
      await page.close();
      console.log(`${problems.length ? "FAIL" : "ok  "} ${lang} ${chapter}: ${n} widget(s)`);
      for (const p of problems) console.log(`  - ${p}`);
      failed += problems.length ? 1 : 0;
    }
  }
  await browser.close();
  process.exit(failed ? 1 : 0);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main();
