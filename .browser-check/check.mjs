// Open every page of the published book (site/) in headless Chromium and check it.
//
// Run by `nox -s browser`: node check.mjs --site SITE --chromium /usr/bin/chromium --python PY
// Serves SITE with Python's http.server on 127.0.0.1 (a free port) under the base path that
// site/switcher.json's URLs use ("/" or e.g. "/explainer/"), then for every HTML page fails on:
// console errors and uncaught exceptions, failed requests and HTTP errors, images that did not
// load, links to files that do not exist, a version switcher that does not list exactly the
// versions of switcher.json, a missing or unexpected version banner, a gallery example without
// figures, an embedded animation that does not play, and axe-core violations of impact
// "serious" or "critical". Then checks that choosing another version in the switcher opens the
// same page there (or that version's root when the page does not exist in it). The Japanese
// edition (site/ja/, its own switcher.json) is checked the same way, and on every page of both
// languages: <html lang>, and a language switch that opens the same page in the other language
// exactly when that version exists there (clicked on each version's probe pages). Full-page
// screenshots of each version's index and gallery examples go to SITE/_screenshots/.
// Options: --jobs N (pages at once, default 2), --no-screenshots, --api-pages N (the API's
// per-object pages, generated/*.html, are one template filled in some 150 times per book: N of
// them, evenly spread, are checked in each book; default 24, "all" for every one; every other
// page is always checked); BROWSER_CHECK_TIMING=1 prints per page the milliseconds spent
// loading, checking, in axe-core and on the screenshot.

import { spawn } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { checkWidgets } from "./widgets.mjs";

const require = createRequire(import.meta.url);
const AXE_PATH = require.resolve("axe-core/axe.min.js");

// axe-core findings we accept, each for one rule on one selector, with the reason. Keep empty
// unless a violation comes from the theme and no configuration or CSS of ours can fix it.
const AXE_EXCLUSIONS = [];

const { values: args } = parseArgs({
  options: {
    site: { type: "string", default: "site" },
    chromium: { type: "string", default: "/usr/bin/chromium" },
    python: { type: "string", default: "python3" },
    jobs: { type: "string", default: "2" },
    "no-screenshots": { type: "boolean", default: false },
    "api-pages": { type: "string", default: "24" },
  },
});

const SITE = path.resolve(args.site);
const SHOTS = path.join(SITE, "_screenshots");
const VIEWPORT = { width: 1280, height: 900 };

// -- The site on disk ---------------------------------------------------------------------------

// The English book at the site's root and each translation in its own folder (site/ja/), each
// an "edition" with its own switcher.json listing the versions that exist in that language.
// A "folder" below is one version of one edition: "dev", "0.1.0", "ja/dev", ...
const TRANSLATIONS = { ja: "ja/" };
function readEdition(lang, prefix) {
  const file = path.join(SITE, prefix, "switcher.json");
  if (!fs.existsSync(file)) return null;
  const entries = JSON.parse(fs.readFileSync(file, "utf8"));
  const preferred = entries.filter((e) => e.preferred);
  if (preferred.length > 1) throw new Error(`${prefix}switcher.json marks more than one version preferred`);
  // "local": the versions built in this language. A translation's switcher also lists the
  // releases older than the translation, pointing at their English book.
  const local = entries.filter((e) => e.url.endsWith(`/${prefix}${e.version}/`)).map((e) => e.version);
  return { lang, prefix, switcher: entries, versions: entries.map((e) => e.version), local, preferred };
}
const editions = [readEdition("en", "")];
for (const [lang, prefix] of Object.entries(TRANSLATIONS)) {
  const edition = readEdition(lang, prefix);
  if (edition) editions.push(edition);
}
const english = editions[0];
const switcher = english.switcher;
const base = (() => {
  const bases = new Set(switcher.map((e) => e.url.slice(0, e.url.length - `${e.version}/`.length)));
  const [only] = bases;
  if (bases.size !== 1 || !only.startsWith("/") || !switcher.every((e) => e.url.endsWith(`${e.version}/`))) {
    throw new Error(`switcher.json URLs must be BASE/<version>/ with one path BASE: ${[...bases]}`);
  }
  for (const ed of editions.slice(1)) {
    const ok = (e) =>
      e.url === `${only}${ed.prefix}${e.version}/` ||
      (e.url === `${only}${e.version}/` && english.versions.includes(e.version) && e.version !== "dev");
    if (!ed.switcher.every(ok)) {
      throw new Error(`${ed.prefix}switcher.json URLs must be ${only}${ed.prefix}<version>/ (or ${only}<release>/ for a release with no book in that language)`);
    }
  }
  return only;
})();

function htmlPages(dir, rel = "") {
  const pages = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const sub = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (entry.name !== "_static" && entry.name !== "_sources") pages.push(...htmlPages(path.join(dir, entry.name), sub));
    } else if (entry.name.endsWith(".html")) {
      pages.push(sub);
    }
  }
  return pages.sort();
}

// The API's per-object pages: every one when --api-pages is "all", else N evenly spread.
function apiSample(pages) {
  if (args["api-pages"] === "all") return pages;
  const limit = Math.max(0, Number(args["api-pages"]));
  const api = pages.filter((p) => p.startsWith("generated/"));
  if (api.length <= limit) return pages;
  const keep = new Set(Array.from({ length: limit }, (_, i) => api[Math.floor((i * api.length) / limit)]));
  return pages.filter((p) => !p.startsWith("generated/") || keep.has(p));
}

const folders = editions.flatMap((ed) => ed.local.map((v) => ({ key: `${ed.prefix}${v}`, edition: ed, version: v })));
const pagesByFolder = new Map(folders.map((f) => [f.key, htmlPages(path.join(SITE, f.key))]));
for (const [key, pages] of pagesByFolder) {
  if (!pages.includes("index.html")) throw new Error(`${key}/ has no index.html`);
}
// The same version in the other language, when it was built: where the language switch goes.
function counterpart(folder) {
  const other = folder.edition === english ? editions[1] : english;
  if (!other || !other.local.includes(folder.version)) return null;
  return folders.find((f) => f.edition === other && f.version === folder.version);
}

// Does a URL path on our server name an existing file of the site?
function existsOnDisk(urlPath) {
  if (!urlPath.startsWith(base)) return false;
  let rel = decodeURIComponent(urlPath.slice(base.length));
  if (rel === "" || rel.endsWith("/")) rel += "index.html";
  const file = path.join(SITE, rel);
  return file.startsWith(SITE) && fs.existsSync(file) && fs.statSync(file).isFile();
}

// -- The server ---------------------------------------------------------------------------------

async function startServer() {
  // http.server serves a folder at "/"; for a sub-path base, serve a temporary folder that holds
  // the site under that path (a symlink), as a web server with an alias would.
  let root = SITE;
  let tmp = null;
  if (base !== "/") {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "explainer-serve-"));
    const link = path.join(tmp, ...base.split("/").filter(Boolean));
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(SITE, link);
    root = tmp;
  }
  const proc = spawn(args.python, ["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", root], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  const port = await new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`http.server did not start: ${out}`)), 15000);
    proc.stdout.on("data", (chunk) => {
      out += chunk;
      const m = out.match(/port (\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    proc.on("exit", (code) => reject(new Error(`http.server exited with ${code}: ${out}`)));
  });
  const stop = () => {
    proc.kill();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  };
  return { origin: `http://127.0.0.1:${port}`, stop };
}

// -- One page -----------------------------------------------------------------------------------

// Record what goes wrong while a page loads and runs. While switching versions (`switching`),
// the theme's HEAD probe of a page that the other version lacks answers 404 (Chromium also logs
// that to the console), and requests cut short by the navigation are aborted: both expected.
function watch(page, problems, { switching = false } = {}) {
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    if (switching && msg.text().startsWith("Failed to load resource")) return;
    problems.push(`console error: ${msg.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`uncaught exception: ${err.message}`));
  page.on("requestfailed", (req) => {
    const error = req.failure()?.errorText;
    if (switching && error === "net::ERR_ABORTED") return;
    problems.push(`request failed: ${req.url()} (${error})`);
  });
  page.on("response", (res) => {
    if (res.status() < 400) return;
    if (switching && res.request().method() === "HEAD") return;
    problems.push(`HTTP ${res.status()}: ${res.request().method()} ${res.url()}`);
  });
}

async function waitForSwitcher(page) {
  await page.waitForFunction(() => document.querySelector(".version-switcher__menu a[data-version]"), null, {
    timeout: 15000,
  });
}

async function checkImages(page, problems) {
  await page.evaluate(async () => {
    const imgs = [...document.images];
    for (const img of imgs) if (img.loading === "lazy") img.loading = "eager";
    await Promise.all(
      imgs.map((img) =>
        img.complete
          ? null
          : new Promise((done) => {
              img.addEventListener("load", done);
              img.addEventListener("error", done);
              setTimeout(done, 10000);
            }),
      ),
    );
  });
  // An image not loaded yet reports naturalWidth 0 too: give slow ones a moment.
  await page
    .waitForFunction(() => [...document.images].every((img) => img.complete), null, { timeout: 10000 })
    .catch(() => {});
  const broken = await page.evaluate(() =>
    [...document.images].filter((img) => img.naturalWidth === 0).map((img) => img.currentSrc || img.src || img.outerHTML.slice(0, 100)),
  );
  for (const src of broken) problems.push(`image did not load (naturalWidth 0): ${src.slice(0, 160)}`);
}

async function checkLinks(page, problems, origin) {
  const hrefs = await page.evaluate(() =>
    [...document.querySelectorAll("a[href]")]
      .filter((a) => !a.closest(".version-switcher__menu") && !a.classList.contains("pst-button-link-to-stable-version"))
      .map((a) => a.href),
  );
  const seen = new Set();
  for (const href of hrefs) {
    const url = new URL(href);
    if (url.origin !== origin || seen.has(url.pathname)) continue;
    seen.add(url.pathname);
    if (!existsOnDisk(url.pathname)) problems.push(`broken link: ${url.pathname}`);
  }
}

async function checkSwitcherAndBanner(page, problems, folder, pagePath) {
  const { switcher, versions, preferred } = folder.edition;
  const version = folder.version;
  try {
    await waitForSwitcher(page);
  } catch {
    problems.push("version switcher: no entries (switcher.json not loaded?)");
    return;
  }
  const state = await page.evaluate(() => {
    const menu = document.querySelector(".version-switcher__menu");
    const button = document.querySelector(".version-switcher__button");
    const banner = document.querySelector("#bd-header-version-warning");
    const toStable = banner?.querySelector("a.pst-button-link-to-stable-version");
    return {
      listed: [...menu.querySelectorAll("a[data-version]")].map((a) => a.dataset.version),
      buttonText: button?.innerText.trim(),
      bannerShown: !!banner && !banner.classList.contains("d-none") && banner.offsetHeight > 0,
      bannerText: banner?.innerText.trim() ?? "",
      toStable: toStable?.getAttribute("href") ?? null,
    };
  });
  if (state.listed.join(",") !== versions.join(",")) {
    problems.push(`version switcher lists [${state.listed}] but switcher.json has [${versions}]`);
  }
  const own = switcher.find((e) => e.version === version);
  if (state.buttonText !== own.name) problems.push(`version switcher shows "${state.buttonText}", expected "${own.name}"`);
  const wantBanner = preferred.length === 1 && preferred[0].version !== version;
  if (wantBanner && !state.bannerShown) problems.push("no version warning banner on a non-preferred version");
  if (!wantBanner && state.bannerShown) problems.push(`unexpected version warning banner: ${state.bannerText}`);
  if (wantBanner && state.toStable !== `${preferred[0].url}${pagePath}`) {
    problems.push(`banner links to ${state.toStable}, expected ${preferred[0].url}${pagePath}`);
  }
}

// The page's language, and its language switch: present exactly when the version exists in the
// other language, and pointing at the same page there.
async function checkLanguage(page, problems, folder, pagePath, origin) {
  const state = await page.evaluate(() => ({
    lang: document.documentElement.lang,
    switches: [...document.querySelectorAll("a.explainer-language-switch")].map((a) => ({ href: a.href, lang: a.hreflang })),
  }));
  if (state.lang !== folder.edition.lang) problems.push(`<html lang="${state.lang}">, expected "${folder.edition.lang}"`);
  const other = counterpart(folder);
  if (!other) {
    if (state.switches.length) problems.push(`language switch to ${state.switches[0].href}, but ${folder.key} exists in one language only`);
    return;
  }
  if (state.switches.length !== 1) {
    problems.push(`${state.switches.length} language switches, expected one (to ${other.key}/)`);
    return;
  }
  const expected = `${origin}${base}${other.key}/${pagePath}`;
  if (state.switches[0].href !== expected) problems.push(`language switch links to ${state.switches[0].href}, expected ${expected}`);
  if (state.switches[0].lang !== other.edition.lang) problems.push(`language switch hreflang "${state.switches[0].lang}", expected "${other.edition.lang}"`);
}

async function checkGallery(page, problems) {
  const info = await page.evaluate(() => ({
    isExample: !!document.querySelector(".sphx-glr-footer-example"),
    figures: document.querySelectorAll("img.sphx-glr-single-img, img.sphx-glr-multi-img, .animation").length,
    animations: document.querySelectorAll(".animation").length,
  }));
  if (info.isExample && info.figures === 0) problems.push("gallery example without figures");
  for (let i = 0; i < info.animations; i++) {
    const anim = page.locator(".animation").nth(i);
    await anim.scrollIntoViewIfNeeded();
    const frameOf = () =>
      anim.evaluate((el) => ({
        value: Number(el.querySelector("input.anim-slider")?.value ?? -1),
        max: Number(el.querySelector("input.anim-slider")?.max ?? -1),
        src: el.querySelector("img")?.getAttribute("src") ?? "",
      }));
    const before = await frameOf();
    if (before.max < 1) {
      problems.push(`animation ${i + 1}: ${before.max + 1} frame(s); nothing to play`);
      continue;
    }
    await anim.locator('button[title="Play"]').click();
    let after = before;
    for (let t = 0; t < 50 && (after.value === before.value || after.src === before.src); t++) {
      await page.waitForTimeout(100);
      after = await frameOf();
    }
    await anim.locator('button[title="Pause"]').click();
    if (after.value === before.value) problems.push(`animation ${i + 1}: frames do not advance when played`);
    else if (after.src === before.src) problems.push(`animation ${i + 1}: frames advance but the image does not change`);
  }
  return info.isExample;
}

async function checkAxe(page, problems) {
  await page.addScriptTag({ path: AXE_PATH });
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.filter((n) => ["serious", "critical"].includes(n.impact)).map((n) => n.target.join(" ")),
    }));
  });
  for (const v of violations) {
    const targets = v.targets.filter((t) => !AXE_EXCLUSIONS.some((x) => x.rule === v.id && x.selector === t));
    if (targets.length === 0) continue;
    const shown = targets.slice(0, 3).join(" | ") + (targets.length > 3 ? ` (+${targets.length - 3} more)` : "");
    problems.push(`axe ${v.id} (${v.impact}): ${v.help}: ${shown}`);
  }
}

function screenshotName(key, pagePath) {
  return path.join(SHOTS, key, `${pagePath.replace(/\.html$/, "").replaceAll("/", "__")}.png`);
}

async function checkPage(context, origin, folder, pagePath) {
  const version = folder.key;
  const problems = [];
  const page = await context.newPage();
  watch(page, problems);
  try {
    const t = [Date.now()];
    await page.goto(`${origin}${base}${version}/${pagePath}`, { waitUntil: "load", timeout: 60000 });
    t.push(Date.now());
    // The example report (docs/report.md) is a standalone `explainer report` page, not a
    // Sphinx page: it has no version switcher or banner, everything else is checked.
    if (!pagePath.startsWith("report-example/")) {
      await checkSwitcherAndBanner(page, problems, folder, pagePath);
      await checkLanguage(page, problems, folder, pagePath, origin);
    }
    await checkImages(page, problems);
    await checkLinks(page, problems, origin);
    const isExample = await checkGallery(page, problems);
    await checkWidgets(page, problems); // the live widgets, driven with mouse and keyboard
    t.push(Date.now());
    await checkAxe(page, problems);
    t.push(Date.now());
    if (!args["no-screenshots"] && (pagePath === "index.html" || isExample)) {
      const file = screenshotName(version, pagePath);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      // As a reader first sees it: from the top (sticky headers), nothing focused.
      await page.evaluate(() => {
        document.activeElement?.blur();
        window.scrollTo(0, 0);
      });
      await page.screenshot({ path: file, fullPage: true });
    }
    t.push(Date.now());
    if (process.env.BROWSER_CHECK_TIMING) console.log(`${version}/${pagePath}: ${t.slice(1).map((x, i) => x - t[i]).join(" ")} ms`);
  } catch (err) {
    problems.push(`check aborted: ${err.message.split("\n")[0]}`);
  } finally {
    await page.close();
  }
  return problems;
}

// -- The site root and the switcher's navigation -----------------------------------------------

async function checkRootRedirect(context, origin, edition) {
  const problems = [];
  const page = await context.newPage();
  // The redirect replaces the page while it may still be loading: an aborted request of the
  // root page itself is how a redirect looks, not a failure.
  watch(page, problems, { switching: true });
  const root = `${base}${edition.prefix}`;
  const target = `${origin}${root}${(edition.preferred[0] ?? edition.switcher[0]).version}/`;
  try {
    await page.goto(`${origin}${root}`, { waitUntil: "load" });
    await page.waitForURL((url) => url.href === target || url.href === `${target}index.html`, { timeout: 15000 });
  } catch {
    problems.push(`${root} does not redirect to ${target} (at ${page.url()})`);
  } finally {
    await page.close();
  }
  return problems;
}

// Pages to try the switcher on in each version: the first gallery example (or the index) and a
// page that some other version of the same language lacks, so both of the theme's outcomes are
// exercised.
function switcherProbes(folder) {
  const pages = pagesByFolder.get(folder.key);
  const probes = [pages.find((p) => /auto_examples\/.+\/plot_[^/]+\.html$/.test(p)) ?? "index.html"];
  const siblings = folders.filter((f) => f.edition === folder.edition && f !== folder);
  const missingElsewhere = pages.find((p) => siblings.some((o) => !pagesByFolder.get(o.key).includes(p)));
  if (missingElsewhere && !probes.includes(missingElsewhere)) probes.push(missingElsewhere);
  return probes;
}

async function checkSwitcherNavigation(context, origin, from, pagePath, to) {
  const problems = [];
  const page = await context.newPage();
  watch(page, problems, { switching: true });
  const exists = pagesByFolder.get(to.key).includes(pagePath);
  const expected = `${origin}${base}${to.key}/${exists ? pagePath : ""}`;
  try {
    await page.goto(`${origin}${base}${from.key}/${pagePath}`, { waitUntil: "load" });
    await waitForSwitcher(page);
    const button = page.locator(".version-switcher__button").filter({ visible: true }).first();
    await button.click();
    await page.locator(`.version-switcher__menu a[data-version="${to.version}"]`).filter({ visible: true }).first().click();
    await page.waitForURL((url) => url.href === expected, { timeout: 15000 });
  } catch (err) {
    problems.push(
      `switching ${from.key} → ${to.key} on ${pagePath}: expected ${expected}, at ${page.url()} (${err.message.split("\n")[0]})`,
    );
  } finally {
    await page.close();
  }
  return problems;
}

// Click the language switch and land on the same page in the other language.
async function checkLanguageNavigation(context, origin, from, pagePath, to) {
  const problems = [];
  const page = await context.newPage();
  watch(page, problems, { switching: true });
  const expected = `${origin}${base}${to.key}/${pagePath}`;
  try {
    await page.goto(`${origin}${base}${from.key}/${pagePath}`, { waitUntil: "load" });
    await page.locator("a.explainer-language-switch").filter({ visible: true }).first().click();
    await page.waitForURL((url) => url.href === expected, { timeout: 15000 });
    const lang = await page.evaluate(() => document.documentElement.lang);
    if (lang !== to.edition.lang) problems.push(`after the language switch: <html lang="${lang}">, expected "${to.edition.lang}"`);
  } catch (err) {
    problems.push(`language switch ${from.key} → ${to.key} on ${pagePath}: expected ${expected}, at ${page.url()} (${err.message.split("\n")[0]})`);
  } finally {
    await page.close();
  }
  return problems;
}

// -- Main ---------------------------------------------------------------------------------------

async function pool(tasks, jobs) {
  const results = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(jobs, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]();
      }
    }),
  );
  return results;
}

const started = Date.now();
const server = await startServer();
let browser;
let exitCode = 1;
try {
  browser = await chromium.launch({
    executablePath: args.chromium,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  // Playwright gives each context its own empty profile: no stored banner dismissal.
  const context = await browser.newContext({ viewport: VIEWPORT });
  if (!args["no-screenshots"]) fs.rmSync(SHOTS, { recursive: true, force: true });

  const checks = editions.map((ed) => ({
    label: `${base}${ed.prefix} (redirect)`,
    run: () => checkRootRedirect(context, server.origin, ed),
  }));
  const redirects = checks.length;
  let skippedApi = 0;
  for (const folder of folders) {
    const sampled = apiSample(pagesByFolder.get(folder.key));
    skippedApi += pagesByFolder.get(folder.key).length - sampled.length;
    for (const p of sampled) {
      checks.push({ label: `${folder.key}/${p}`, run: () => checkPage(context, server.origin, folder, p) });
    }
  }
  const navigations = [];
  for (const from of folders) {
    for (const p of switcherProbes(from)) {
      for (const to of folders) {
        if (to.edition === from.edition && to !== from) {
          navigations.push({ label: `switch ${from.key} → ${to.key} on ${p}`, run: () => checkSwitcherNavigation(context, server.origin, from, p, to) });
        }
      }
      // A release this language has no book of: its entry opens the English book.
      for (const version of from.edition.versions.filter((v) => !from.edition.local.includes(v))) {
        const to = folders.find((f) => f.edition === english && f.version === version);
        navigations.push({ label: `switch ${from.key} → ${to.key} on ${p}`, run: () => checkSwitcherNavigation(context, server.origin, from, p, to) });
      }
      const other = counterpart(from);
      if (other && pagesByFolder.get(other.key).includes(p)) {
        navigations.push({ label: `language ${from.key} → ${other.key} on ${p}`, run: () => checkLanguageNavigation(context, server.origin, from, p, other) });
      }
    }
  }
  const all = [...checks, ...navigations];
  const results = await pool(
    all.map((c) => c.run),
    Math.max(1, Number(args.jobs)),
  );
  let failures = 0;
  all.forEach((c, i) => {
    if (results[i].length === 0) return;
    failures += results[i].length;
    console.log(`FAIL ${c.label}`);
    for (const problem of [...new Set(results[i])]) console.log(`  - ${problem}`);
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  console.log(
    `browser: ${checks.length - redirects} pages in ${folders.length} books (${folders.map((f) => f.key).join(", ")}), ` +
      `${navigations.length} switcher and language navigations, ${failures} failures, ${seconds} s` +
      (skippedApi ? ` (${skippedApi} of the API's per-object pages not opened: --api-pages all)` : "") +
      (args["no-screenshots"] ? "" : `; screenshots in ${path.relative(process.cwd(), SHOTS) || SHOTS}`),
  );
  exitCode = failures === 0 ? 0 : 1;
} finally {
  await browser?.close();
  server.stop();
}
process.exit(exitCode);
