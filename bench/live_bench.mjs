// Speed of the page's network runtime against TF.js, in headless Chromium (run by
// bench/live_bench.py, which writes the specs and the input into DIR and serves DIR over HTTP).
//   node bench/live_bench.mjs URL CHROMIUM
// Prints one JSON line: per model, milliseconds per update (median of repeats) for
//   forward: one forward pass (what the occlusion widget does per move of the square),
//   update: forward + input gradient of the predicted class (what the draw widget does),
// for the explainer runtime, TF.js on its CPU backend and TF.js on its wasm backend (the same
// weights, built as tf.layers from the spec; TF.js is used only here).
import { chromium } from "playwright-core";

const [url, executablePath] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-gpu"] });
const page = await browser.newPage();
const messages = [];
page.on("console", (m) => messages.push(`${m.type()}: ${m.text()}`));
page.on("pageerror", (e) => messages.push(`pageerror: ${e.message}`));
await page.goto(url);
try {
  await page.waitForFunction(() => window.benchDone === true || window.benchError, null, { timeout: 300000 });
} catch (err) {
  messages.push(`timeout: ${err.message.split("\n")[0]}`);
}
const error = await page.evaluate(() => window.benchError || null);
if (error || messages.some((m) => m.startsWith("timeout"))) {
  process.stdout.write(JSON.stringify({ error, messages }) + "\n");
  await browser.close();
  process.exit(0);
}
const results = await page.evaluate(() => window.benchResults);
await browser.close();
process.stdout.write(JSON.stringify({ results, messages }) + "\n");
