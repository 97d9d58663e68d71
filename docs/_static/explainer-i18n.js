// The theme's version banner in the page's language (translated books only; conf.py adds this
// file when language is not English). pydata-sphinx-theme writes the banner in English from its
// JavaScript, after the page loads: rewrite its words, keep its elements (the button's link and
// click handler stay the theme's).
function translateVersionBanner() {
  const WORDS = {
    ja: {
      before: "これは",
      after: "の文書です。",
      button: "安定版に切り替える",
      dev: "開発中の不安定なバージョン",
      old: (v) => `古いバージョン（${v}）`,
      unknown: "不明なバージョン",
      version: (v) => `バージョン ${v}`,
    },
  };
  const words = WORDS[document.documentElement.lang];
  const banner = document.querySelector("#bd-header-version-warning");
  if (!words || !banner) return;
  function translate() {
    const message = banner.querySelector(".sidebar-message");
    const bold = message?.querySelector("strong");
    if (!bold || message.dataset.translated) return;
    message.dataset.translated = "1";
    const text = bold.textContent;
    let m;
    if (text === "an unstable development version") bold.textContent = words.dev;
    else if ((m = text.match(/^an old version \((.*)\)$/))) bold.textContent = words.old(m[1]);
    else if (text === "an unknown version") bold.textContent = words.unknown;
    else if ((m = text.match(/^version (.*)$/))) bold.textContent = words.version(m[1]);
    for (const node of [...message.childNodes]) {
      if (node.nodeType !== Node.TEXT_NODE) continue;
      if (node.textContent.startsWith("This is documentation for")) node.textContent = words.before;
      else if (node.textContent.trim() === ".") node.textContent = words.after;
    }
    const button = message.querySelector(".pst-button-link-to-stable-version");
    if (button) button.textContent = words.button;
  }
  new MutationObserver(translate).observe(banner, { childList: true, subtree: true });
  translate();
}
// Loaded in the page's head, before the banner's element exists.
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", translateVersionBanner);
else translateVersionBanner();
