"""The book's translations (``docs/locale/<lang>/LC_MESSAGES``): what gettext alone misses.

Sphinx translates paragraphs, titles and ``image`` alt texts through its gettext catalogs. Three
kinds of text in the generated gallery pages are not plain docutils nodes, so this extension
extracts them into the same catalogs (``-b gettext``) and translates them (``language=ja``):

- sphinx-gallery's figures (``image-sg`` nodes): their ``alt`` is the figure's suptitle;
- the alt text of embedded animations (raw HTML ``<img id="_anim_img…" alt="…">``);
- the titles and tooltips of the gallery's thumbnails (raw HTML);
- the live widgets' accessible names and no-JavaScript lines (raw HTML).

It also keeps the autodoc API reference out of the catalogs (docstrings stay English; the
Japanese API page says so), and makes a translated build safe to run on the executed gallery:
it never runs an example (``plot_gallery`` off) and refuses to start when an example changed
since the gallery was last executed, because sphinx-gallery would then rewrite that example's
page without its figures and output. Build the English book first (``nox -s docs``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.errors import ConfigError
from sphinx.locale import init as init_locale
from sphinx.transforms import SphinxTransform
from sphinx.util.i18n import docname_to_domain
from sphinx_gallery.utils import get_md5sum

# Raw-HTML texts to translate: (pattern, group holding the text). The text is HTML-escaped in
# the page; the catalogs hold it unescaped.
RAW_TEXTS = (
    re.compile(r'(<img id="_anim_img[0-9a-f]+" alt=")([^"]*)(")'),
    re.compile(r'(<div class="sphx-glr-thumbnail-title">)([^<]*)(</div>)'),
    re.compile(r'(<div class="sphx-glr-thumbcontainer" tooltip=")([^"]*)(")'),
    # The live widgets (explainer.live): their accessible name and their no-JavaScript line.
    re.compile(r'(<div class="xl-widget" data-kind="[^"]*" role="group" aria-label=")([^"]*)(")'),
    re.compile(r'(<p class="xl-fallback">)([^<]*)(</p>)'),
)


def _is_gallery_image(node: nodes.Node) -> bool:
    return type(node).__name__ == "imgsgnode" and bool(node.get("alt"))


def raw_messages(text: str) -> list[str]:
    """The translatable texts inside one raw HTML block, unescaped, in page order."""
    found: list[tuple[int, str]] = []
    for pattern in RAW_TEXTS:
        found += [(m.start(), html.unescape(m.group(2))) for m in pattern.finditer(text)]
    return [msg for _, msg in sorted(found) if msg.strip()]


def translate_raw(text: str, translate: Callable[[str], str]) -> str:
    """``text`` with every translatable text replaced by ``translate(text)`` (escaped again)."""
    for pattern in RAW_TEXTS:

        def swap(m: re.Match[str]) -> str:
            msg = html.unescape(m.group(2))
            return m.group(1) + html.escape(translate(msg) if msg.strip() else msg) + m.group(3)

        text = pattern.sub(swap, text)
    return text


def translate_extra(doctree: nodes.Node, translate: Callable[[str], str]) -> None:
    """Translate the texts of :func:`extra_messages` in place. A raw block holding several
    texts (a widget's name and its no-JavaScript line) is replaced once, whole."""
    done: set[int] = set()
    for node, _msg in extra_messages(doctree):
        if isinstance(node, nodes.raw):
            if id(node) in done:
                continue
            done.add(id(node))
            text = translate_raw(node.astext(), translate)
            node.replace_self(nodes.raw(node.rawsource, text, **node.attributes))
        else:
            node["alt"] = translate(node["alt"])


def extra_messages(doctree: nodes.Node) -> list[tuple[nodes.Element, str]]:
    """The messages of :data:`RAW_TEXTS` and gallery figures, with the node they come from."""
    found: list[tuple[nodes.Element, str]] = []
    for node in doctree.findall(lambda n: isinstance(n, nodes.raw) or _is_gallery_image(n)):
        if isinstance(node, nodes.raw):
            if "html" in node.get("format", "").split():
                found += [(node, msg) for msg in raw_messages(node.astext())]
        else:
            found.append((node, node["alt"]))
    return found


def _from_docstring(node: nodes.Node) -> bool:
    source = getattr(node, "source", None) or ""
    return ":docstring of " in source


# sphinx-gallery's line with the example's running time: a number that changes with every run,
# so it is kept out of the catalogs and translated here, per language.
RUNNING_TIME = re.compile(r"^Total running time of the script: \((\d+) minutes ([\d.]+) seconds\)$")
RUNNING_TIME_TEXT = {"ja": ("スクリプトの実行時間:", " ({0} 分 {1} 秒)")}


# Generated content that holds computed numbers (the Reproducibility page's metrics table, its
# chapter headings and source lists): a catalog entry per number would go stale with every
# retraining. Give such nodes a class starting with one of these and their text stays out of
# the catalogs.
UNTRANSLATED_CLASSES = ("explainer-metrics", "notranslate")


def _in_untranslated_block(node: nodes.Node) -> bool:
    parent = node
    while parent is not None:
        classes = parent.get("classes", []) if isinstance(parent, nodes.Element) else []
        if any(c.startswith(UNTRANSLATED_CLASSES) for c in classes):
            return True
        parent = parent.parent
    return False


# The few fixed words of those generated blocks (column headings), per language; the chapter
# links in them show the linked chapter's own (translated) title.
GENERATED_WORDS = {
    "ja": {
        "Number": "数値",
        "Ours": "本書の値",
        "Published": "公表値",
        "Difference": "差",
        "Example": "例",
        "Metric": "数値",
        "Source": "出典",
        "Other examples": "その他の例",
        "No example has recorded a number yet in this build.": (
            "このビルドでは、まだどの例も数値を記録していません。"
        ),
    }
}


def translate_generated(document: nodes.Node, language: str) -> None:
    """Translate :data:`GENERATED_WORDS` in the blocks of :data:`UNTRANSLATED_CLASSES`, and let
    their chapter links show the chapter's title in the page's language."""
    words = GENERATED_WORDS.get(language, {})
    for text in list(document.findall(nodes.Text)):
        parent = text.parent
        if parent is not None and text.astext() in words and _in_untranslated_block(parent):
            parent.replace(text, nodes.Text(words[text.astext()]))
    for xref in document.findall(addnodes.pending_xref):
        if xref.get("reftype") == "doc" and _in_untranslated_block(xref):
            xref["refexplicit"] = False  # the resolver uses the target's (translated) title


def _is_running_time(node: nodes.Node) -> bool:
    return isinstance(node, nodes.paragraph) and bool(RUNNING_TIME.match(node.astext()))


def is_api_page(docname: str) -> bool:
    """One page per API object (autosummary's ``generated/``): English in every language, its
    gallery thumbnails included."""
    return docname.startswith("generated/")


class KeepOutOfCatalogs(SphinxTransform):
    """Text that is not translated by message: autodoc's and the per-object API pages' (the API
    reference stays English in every language), the running-time line (translated by
    :class:`TranslateGalleryTexts`) and blocks of computed numbers (:data:`UNTRANSLATED_CLASSES`).
    """

    default_priority = 5  # before Locale (20) and before the gettext builder extracts

    def apply(self, **kwargs: Any) -> None:
        api_page = is_api_page(self.env.docname)
        for node in self.document.findall(nodes.TextElement):
            if (
                api_page
                or _from_docstring(node)
                or _is_running_time(node)
                or _in_untranslated_block(node)
            ):
                node["translatable"] = False
        # ``{only} lang_ja`` blocks are written in their language already (the gettext builder
        # keeps every ``only`` block, whatever its tags).
        for only in self.document.findall(addnodes.only):
            if only.get("expr", "").strip().startswith("lang_"):
                for node in only.findall(nodes.TextElement):
                    node["translatable"] = False


class TranslateGalleryTexts(SphinxTransform):
    """Translate figure alt texts and raw-HTML texts with the page's own catalog."""

    default_priority = 21  # right after Sphinx's Locale transform

    def apply(self, **kwargs: Any) -> None:
        if not self.config.language or self.config.language == "en":
            return
        domain = docname_to_domain(self.env.current_document.docname, self.config.gettext_compact)
        dirs = [self.env.srcdir / d for d in self.config.locale_dirs]
        catalog, has_catalog = init_locale(dirs, self.config.language, domain)
        if not has_catalog:
            return

        def translate(msg: str) -> str:
            return catalog.gettext(msg) or msg

        translate_generated(self.document, self.config.language)
        words = RUNNING_TIME_TEXT.get(self.config.language)
        for para in list(self.document.findall(_is_running_time)) if words else []:
            minutes, seconds = RUNNING_TIME.match(para.astext()).groups()  # type: ignore[union-attr]
            para.children = []
            para += nodes.strong(text=words[0])
            para += nodes.Text(words[1].format(minutes, seconds))
        translate_extra(self.document, translate)


def _extract_extra_messages(app: Any, doctree: nodes.document, docname: str) -> None:
    """gettext builder: add the texts of :func:`extra_messages` to the page's catalog."""
    if app.builder.name != "gettext" or is_api_page(docname):
        return
    from sphinx.builders.gettext import MsgOrigin

    catalog = app.builder.catalogs[docname_to_domain(docname, app.config.gettext_compact)]
    for node, msg in extra_messages(doctree):
        catalog.add(msg, MsgOrigin(node.source or app.env.doc2path(docname), node.line or 0))


def stale_examples(examples_dir: Path, gallery_dir: Path) -> list[str]:
    """Examples whose executed page is missing or older than their source (md5 differs)."""
    stale = []
    for script in sorted(examples_dir.rglob("plot_*.py")):
        rel = script.relative_to(examples_dir)
        md5_file = gallery_dir / rel.parent / (rel.name + ".md5")
        page = gallery_dir / rel.with_suffix(".rst")
        digest = get_md5sum(script, mode="t")  # what sphinx-gallery compares
        if not page.is_file() or not md5_file.is_file() or md5_file.read_text().strip() != digest:
            stale.append(str(rel))
    return stale


def _add_language_tag(app: Any, config: Any) -> None:
    """``lang_<code>`` for ``{only}`` blocks that one language's pages carry (e.g. ``lang_ja``)."""
    app.tags.add(f"lang_{config.language or 'en'}")


def _never_run_examples(app: Any) -> None:
    """A translated build and the catalog extraction only read the executed gallery."""
    if (app.config.language or "en") == "en" and app.builder.name != "gettext":
        return
    app.config.plot_gallery = "False"
    app.config.sphinx_gallery_conf["plot_gallery"] = False
    conf = app.config.sphinx_gallery_conf
    srcdir = Path(app.srcdir)
    stale = stale_examples(
        (srcdir / conf["examples_dirs"]).resolve(), srcdir / conf["gallery_dirs"]
    )
    if stale:
        raise ConfigError(
            f"the {app.builder.name} build of language {app.config.language!r} reads the executed "
            f"gallery, but these examples changed since it was executed: {', '.join(stale)}; "
            "build the English book first (nox -s docs), then run this again"
        )


def setup(app: Any) -> dict[str, Any]:
    app.add_transform(KeepOutOfCatalogs)
    app.add_transform(TranslateGalleryTexts)
    app.connect("config-inited", _add_language_tag)
    # Before sphinx-gallery reads plot_gallery and runs the examples (builder-inited, 10 and 500).
    app.connect("builder-inited", _never_run_examples, priority=5)
    app.connect("doctree-resolved", _extract_extra_messages)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
