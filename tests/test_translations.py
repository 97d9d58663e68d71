"""The Japanese edition: complete catalogs, and the tools that keep them so.

``test_every_message_is_translated`` is the check that stops an English prose edit from
silently leaving Japanese readers behind: it lists each untranslated or fuzzy message with its
catalog and says how to update the catalogs.
"""

from __future__ import annotations

from pathlib import Path

import i18n  # tools/*.py and docs/_ext/i18n_fixes.py, on the path by conftest.py
import i18n_fixes
import translation_style

ROOT = Path(__file__).resolve().parent.parent


def test_every_message_is_translated() -> None:
    assert i18n.catalogs("ja"), "no catalogs in docs/locale/ja/LC_MESSAGES"
    found = i18n.check("ja")
    shown = "\n".join(f"  {p}" for p in found[:40])
    more = f"\n  ... and {len(found) - 40} more" if len(found) > 40 else ""
    assert not found, (
        f"{len(found)} messages of the Japanese edition need translating or reviewing:\n"
        f"{shown}{more}\n"
        f"Run `{i18n.UPDATE_COMMAND}` after building the English book (nox -s docs), "
        "translate the empty msgstr entries (see docs/locale/ja/GLOSSARY.md), review and "
        "un-fuzzy the fuzzy ones, then `python tools/i18n.py check`."
    )


def test_every_page_has_a_catalog() -> None:
    """A new page without a catalog would be English in the Japanese book."""
    pages = {
        p.relative_to(ROOT / "docs").with_suffix("").as_posix()
        for p in (ROOT / "docs").glob("*.md")
    }
    have = {
        p.relative_to(ROOT / "docs" / "locale" / "ja" / "LC_MESSAGES").with_suffix("").as_posix()
        for p in i18n.catalogs("ja")
    }
    assert pages <= have, (
        f"pages without a Japanese catalog: {sorted(pages - have)}; run `{i18n.UPDATE_COMMAND}`"
    )
    chapters = {p.stem for p in (ROOT / "gallery").rglob("plot_*.py")}
    translated = {Path(c).name for c in have if c.startswith("auto_examples/")}
    assert chapters <= translated, (
        f"chapters without a Japanese catalog: {sorted(chapters - translated)}; "
        f"run `{i18n.UPDATE_COMMAND}`"
    )


def _po(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "page.po"
    header = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
    path.write_text(header + body, encoding="utf-8")
    return path


def test_check_reports_untranslated_and_fuzzy_messages_with_their_catalog(tmp_path: Path) -> None:
    po = _po(
        tmp_path,
        'msgid "Done"\nmsgstr "完了"\n\n'
        'msgid "Not yet translated"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "The text changed"\nmsgstr "古い訳"\n',
    )
    found = list(i18n.problems(po, root=tmp_path))
    assert [(p.kind, p.msgid) for p in found] == [
        ("untranslated", "Not yet translated"),
        ("fuzzy", "The text changed"),
    ]
    assert str(found[0]) == "page.po: untranslated: 'Not yet translated'"


def test_long_message_excerpts_are_cut() -> None:
    problem = i18n.Problem("a.po", "fuzzy", "word " * 40)
    text = str(problem)
    assert text.startswith("a.po: fuzzy: 'word word") and text.endswith("...'")
    assert len(text) < 100


def test_boilerplate_and_memory_fill_only_empty_messages(tmp_path: Path) -> None:
    from babel.messages.catalog import Catalog

    catalog = Catalog(locale="ja")
    catalog.add(":download:`Download zipped: plot_01.zip <plot_01.zip>`", "")
    catalog.add(":doc:`/auto_examples/images/plot_01`", "")
    catalog.add("A chapter title", "")
    catalog.add("Already done", "済み")
    assert i18n.fill_boilerplate(catalog, "ja") == 2
    assert catalog[":download:`Download zipped: plot_01.zip <plot_01.zip>`"].string == (
        ":download:`zip でダウンロード: plot_01.zip <plot_01.zip>`"
    )
    assert (
        catalog[":doc:`/auto_examples/images/plot_01`"].string
        == ":doc:`/auto_examples/images/plot_01`"
    )
    memory = {"A chapter title": "章の題", "Already done": "別の訳"}
    assert i18n.fill_from_memory(catalog, memory) == 1
    assert catalog["A chapter title"].string == "章の題"
    assert catalog["Already done"].string == "済み"


def test_a_fuzzy_guess_with_another_link_is_dropped_and_never_filled_wrong() -> None:
    from babel.messages.catalog import Catalog

    catalog = Catalog(locale="ja")
    new = ":doc:`/auto_examples/images/plot_07_units`"
    catalog.add(new, ":doc:`/auto_examples/images/plot_06_where`", flags=["fuzzy"])
    catalog.add("See :doc:`api` for more", ":doc:`api` を見てください", flags=["fuzzy"])
    assert i18n.drop_guessed_links(catalog) == 1
    assert catalog[new].string == "" and not catalog[new].fuzzy
    assert catalog["See :doc:`api` for more"].fuzzy  # same link: the translator reviews it
    assert i18n.fill_from_memory(catalog, {new: ":doc:`/auto_examples/images/plot_01`"}) == 0
    assert i18n.fill_boilerplate(catalog, "ja") == 1
    assert catalog[new].string == new  # a bare link is its own translation
    assert i18n.links("`home <https://x.org>`_ and {doc}`t <api>`") == ["api", "https://x.org"]


def _book(root: Path) -> Path:
    """A tiny book: one page, one chapter, their catalogs; returns the locale folder."""
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "credits.md").write_text("# Credits\n\nThanks.\n")
    chapter = root / "gallery" / "images" / "plot_01_first.py"
    chapter.parent.mkdir(parents=True)
    (root / "gallery" / "GALLERY_HEADER.rst").write_text("Chapters\n========\n")
    (root / "gallery" / "images" / "GALLERY_HEADER.rst").write_text("Part I\n======\n")
    chapter.write_text('"""\nFirst\n=====\n\nIntro.\n"""\n\n# %%\n# Prose.\nx = 1\n')
    locale = root / "docs" / "locale"
    for rel in ("credits", "auto_examples/index", "auto_examples/images/plot_01_first"):
        po = locale / "ja" / "LC_MESSAGES" / f"{rel}.po"
        po.parent.mkdir(parents=True, exist_ok=True)
        po.write_text('msgid ""\nmsgstr ""\n')
    return locale


def test_a_catalog_older_than_its_english_source_is_stale(tmp_path: Path) -> None:
    locale = _book(tmp_path)
    (never,) = {i18n.stale("ja", locale, tmp_path)[0]}
    assert "no record of the English" in never
    i18n.stamp("ja", locale, tmp_path)
    assert i18n.stale("ja", locale, tmp_path) == []
    chapter = tmp_path / "gallery" / "images" / "plot_01_first.py"
    chapter.write_text(chapter.read_text().replace("x = 1", "x = 2"))  # code: same catalog
    assert i18n.stale("ja", locale, tmp_path) == []
    chapter.write_text(chapter.read_text().replace("Intro.", "A new intro."))
    assert i18n.stale("ja", locale, tmp_path) == [
        "docs/locale/ja/LC_MESSAGES/auto_examples/images/plot_01_first.po: its English source "
        "changed since the catalog's update",
        "docs/locale/ja/LC_MESSAGES/auto_examples/index.po: its English source changed since "
        "the catalog's update",  # the index shows the chapter's intro as its thumbnail
    ]
    i18n.stamp("ja", locale, tmp_path)
    (tmp_path / "docs" / "credits.md").unlink()
    assert i18n.stale("ja", locale, tmp_path) == [
        "docs/locale/ja/LC_MESSAGES/credits.po: its page is gone"
    ]


def test_every_catalog_is_as_new_as_its_english_source() -> None:
    found = i18n.stale("ja")
    assert not found, (
        "the Japanese edition is older than the English for:\n"
        + "\n".join(f"  {s}" for s in found)
        + f"\nTo fix it: {i18n.FIX_STALE}."
    )


def test_plain_strips_inline_markup_like_a_thumbnail_tooltip() -> None:
    text = "Before we look *inside* a **net**, see :mod:`explainer.plot` and ``x``."
    assert i18n.plain(text) == "Before we look inside a net, see explainer.plot and x."
    assert i18n.plain(":ref:`the end <target>` here") == "the end here"
    assert i18n.plain("ネットワークの\\ *中*\\ をのぞく") == "ネットワークの中をのぞく"
    assert i18n.plain(":doc:`plot_01`\\ のネットワーク") == "plot_01 のネットワーク"


def test_raw_html_texts_are_found_and_translated_escaped() -> None:
    raw = (
        '<div class="sphx-glr-thumbcontainer" tooltip="Don&#x27;t &quot;guess&quot;">'
        '<div class="sphx-glr-thumbnail-title">A & B</div>'
        '<img id="_anim_img0a1b" alt="moons, layer by layer">'
    )
    assert i18n_fixes.raw_messages(raw) == ['Don\'t "guess"', "A & B", "moons, layer by layer"]
    table = {'Don\'t "guess"': "「推測」しない", "A & B": "A と <B>", "moons, layer by layer": "月"}
    out = i18n_fixes.translate_raw(raw, table.__getitem__)
    assert 'tooltip="「推測」しない"' in out
    assert '<div class="sphx-glr-thumbnail-title">A と &lt;B&gt;</div>' in out
    assert 'alt="月"' in out


def test_live_widget_texts_are_translated() -> None:
    raw = (
        '<div class="xl-widget" data-kind="draw" role="group" aria-label="Draw a digit">\n'
        '<script type="application/json" class="xl-data">{"a": 1}</script>\n'
        '<p class="xl-fallback">This interactive figure needs JavaScript.</p>\n</div>'
    )
    assert i18n_fixes.raw_messages(raw) == [
        "Draw a digit",
        "This interactive figure needs JavaScript.",
    ]
    table = {"Draw a digit": "数字を描く", "This interactive figure needs JavaScript.": "要 JS"}
    out = i18n_fixes.translate_raw(raw, table.__getitem__)
    assert 'aria-label="数字を描く"' in out and '<p class="xl-fallback">要 JS</p>' in out
    assert '{"a": 1}' in out


def test_a_raw_block_with_two_texts_is_translated_once_and_whole() -> None:
    from docutils import nodes

    raw = (
        '<div class="xl-widget" data-kind="draw" role="group" aria-label="Draw">'
        '<p class="xl-fallback">Needs JavaScript.</p></div>'
    )
    section = nodes.section()
    section += nodes.raw("", raw, format="html")
    i18n_fixes.translate_extra(section, {"Draw": "描く", "Needs JavaScript.": "要 JS"}.get)
    [block] = section.children
    assert block.astext() == (
        '<div class="xl-widget" data-kind="draw" role="group" aria-label="描く">'
        '<p class="xl-fallback">要 JS</p></div>'
    )


def test_blocks_of_computed_numbers_stay_out_of_the_catalogs() -> None:
    from docutils import nodes

    table = nodes.table(classes=["explainer-metrics"])
    cell = nodes.paragraph(text="0.9196")
    table += nodes.tgroup("", nodes.tbody("", nodes.row("", nodes.entry("", cell))))
    assert i18n_fixes._in_untranslated_block(cell)
    assert not i18n_fixes._in_untranslated_block(nodes.paragraph(text="prose"))


def test_generated_headings_are_translated_and_chapter_links_use_the_title() -> None:
    from docutils import nodes
    from sphinx import addnodes

    doc = nodes.section()
    table = nodes.table(classes=["explainer-metrics"])
    head = nodes.paragraph()
    head += nodes.Text("Published")
    table += head
    rubric = nodes.rubric(classes=["explainer-metrics-chapter"])
    xref = addnodes.pending_xref("", reftype="doc", refexplicit=True)
    rubric += xref
    prose = nodes.paragraph(text="Published")
    doc += [table, rubric, prose]
    i18n_fixes.translate_generated(doc, "ja")
    assert head.astext() == "公表値"
    assert xref["refexplicit"] is False
    assert prose.astext() == "Published"  # the page's own prose goes through the catalogs


def test_running_time_line_is_recognised() -> None:
    m = i18n_fixes.RUNNING_TIME.match("Total running time of the script: (1 minutes 7.147 seconds)")
    assert m is not None and m.groups() == ("1", "7.147")


def test_stale_example_is_refused(tmp_path: Path) -> None:
    from sphinx_gallery.utils import get_md5sum

    examples, gallery = tmp_path / "gallery", tmp_path / "auto_examples"
    (examples / "images").mkdir(parents=True)
    (gallery / "images").mkdir(parents=True)
    script = examples / "images" / "plot_01_x.py"
    script.write_text('"""Title\\n=====\\n"""\n', encoding="utf-8")
    (gallery / "images" / "plot_01_x.rst").write_text("page")
    (gallery / "images" / "plot_01_x.py.md5").write_text(get_md5sum(script, mode="t"))
    assert i18n_fixes.stale_examples(examples, gallery) == []
    script.write_text('"""Title\\n=====\\n\\nEdited.\\n"""\n', encoding="utf-8")
    assert i18n_fixes.stale_examples(examples, gallery) == ["images/plot_01_x.py"]


def test_glossary_holds_the_source_articles_terms() -> None:
    glossary = (ROOT / "docs" / "locale" / "ja" / "GLOSSARY.md").read_text(encoding="utf-8")
    terms = ["畳み込み層", "プーリング", "活性化関数", "重み", "正則化", "ドロップアウト", "過学習"]
    assert [t for t in terms if t not in glossary] == []


# ------------------------------------------------------------------------- the style rules


def test_catalogs_follow_the_style_rules() -> None:
    """Spacing around inline markup, markup that renders, the glossary's rejected variants,
    current headers: every break is listed with its catalog, message and fix."""
    found = i18n.check_style("ja")
    shown = "\n".join(f"  {p}" for p in found[:30])
    more = f"\n  ... and {len(found) - 30} more" if len(found) > 30 else ""
    assert not found, (
        f"{len(found)} breaks of the Japanese style rules (docs/locale/ja/GLOSSARY.md):\n"
        f"{shown}{more}"
    )


def _rules(msgid: str, msgstr: str, markdown: bool = False, rejected=()) -> list[str]:
    return [
        rule
        for rule, _found, _fix in translation_style.message_problems(
            msgid, msgstr, markdown, list(rejected)
        )
    ]


def test_space_around_emphasis_inside_japanese_is_found_in_rest() -> None:
    msgid = "Before we look *inside* a network"
    assert _rules(msgid, "ネットワークの *中* をのぞく") == ["spacing", "spacing"]
    assert _rules(msgid, "ネットワークの\\ *中*\\ をのぞく") == []
    # Without a space reST does not see the markup: the asterisks would show.
    assert _rules(msgid, "ネットワークの*中*をのぞく") == ["markup"]
    # Next to Japanese punctuation no space is needed; a run-in head ends in a full-width space.
    assert _rules("**Convolution.** Each", "**畳み込み**　各フィルター、*ここ*。") == []


def test_space_next_to_latin_text_and_code_is_the_house_style() -> None:
    assert _rules("The ``conv1`` filters", "``conv1`` のフィルターは 10 個です") == []
    assert _rules("see :mod:`explainer.plot`", ":mod:`explainer.plot` を参照") == []
    # A link role's text is what the reader sees: Japanese text, so no spaces around it.
    rst = ":ref:`Go to the end <end>` to download"
    assert _rules(rst, "コード全体は :ref:`ページの最後 <end>` から") == ["spacing", "spacing"]
    assert _rules(rst, "コード全体は\\ :ref:`ページの最後 <end>`\\ から") == []
    # Without a title of its own a link shows the linked page's title: translated, Japanese.
    doc = "The network of :doc:`plot_01` has"
    assert _rules(doc, ":doc:`plot_01` のネットワーク") == ["spacing"]
    assert _rules(doc, ":doc:`plot_01`\\ のネットワーク") == []
    ref = "see {ref}`report-out`"
    assert _rules(ref, "（{ref}`report-out` を参照）", markdown=True) == ["spacing"]
    assert _rules(ref, "（{ref}`report-out`を参照）", markdown=True) == []


def test_markdown_needs_no_space_and_no_rest_escape() -> None:
    msgid = "for a classifier **you** trained"
    assert _rules(msgid, "**あなた** が学習させた", markdown=True) == ["spacing"]
    assert _rules(msgid, "**あなた**が学習させた", markdown=True) == []
    assert _rules(msgid, "\\ **あなた**\\ が学習させた", markdown=True) == ["markup"]
    # CommonMark does not close bold between punctuation and a letter: the asterisks show.
    assert _rules("**Binary.** A model", "**二値分類器。**出力", markdown=True) == ["markup"]


def test_rejected_variants_are_found_outside_code(tmp_path: Path) -> None:
    glossary = tmp_path / "GLOSSARY.md"
    glossary.write_text(
        "# G\n\n## Checked variants\n\n| rejected | use | why |\n|---|---|---|\n"
        "| `興奮` | 活性化 | neuroscience |\n| `[Ss]igmoid` | シグモイド | one form |\n"
        "| `[一二三]+(?:つ\\|回)` | 1 つ | numerals |\n"
        "| `et al\\.` | ら | citations | `credits` (as published) |\n\n"
        "## Other\n\n| `猫` | ネコ | not parsed |\n",
        encoding="utf-8",
    )
    rejected = translation_style.variants(glossary)
    assert [v.pattern.pattern for v in rejected] == [
        "興奮",
        "[Ss]igmoid",
        "[一二三]+(?:つ|回)",
        "et al\\.",
    ]
    assert [v.exempt for v in rejected] == [(), (), (), ("credits",)]
    assert _rules("x", "ユニットを興奮させる", rejected=rejected) == ["term"]
    assert _rules("x", "``sigmoid`` の出力を 1 つ持つ", rejected=rejected) == []
    assert _rules("x", "sigmoid の出力を二つ持つ", rejected=rejected) == ["term", "term"]
    found = list(translation_style.message_problems("x", "二回", False, rejected))
    assert found == [("term", "'二回'", "use 1 つ (docs/locale/ja/GLOSSARY.md)")]


def test_problem_names_catalog_message_and_fix() -> None:
    problem = translation_style.StyleProblem(
        "a.po", "spacing", "Before we look *inside*", "space: 'の 中 を'", "write `\\ `"
    )
    assert str(problem) == (
        "a.po: spacing: space: 'の 中 を' (in 'Before we look *inside*')\n    fix: write `\\ `"
    )


def test_headers_are_checked_and_written_from_the_project(tmp_path: Path) -> None:
    from babel.messages.pofile import read_po

    po = tmp_path / "page.po"
    po.write_text(
        "# SOME DESCRIPTIVE TITLE.\n# FIRST AUTHOR <EMAIL@ADDRESS>, 2026.\n#\n#, fuzzy\n"
        'msgid ""\nmsgstr ""\n"Project-Id-Version: explainer 0.1.0\\n"\n'
        '"PO-Revision-Date: YEAR-MO-DA HO:MI+ZONE\\n"\n'
        '"Last-Translator: FULL NAME <EMAIL@ADDRESS>\\n"\n"Language-Team: ja <LL@li.org>\\n"\n'
        '"Content-Type: text/plain; charset=UTF-8\\n"\n\nmsgid "A"\nmsgstr "エー"\n',
        encoding="utf-8",
    )
    catalog = read_po(po.open("rb"))
    version = i18n.project().version
    found = [f for f, _fix in translation_style.header_problems(catalog, version)]
    assert found[0] == "Project-Id-Version is 'explainer 0.1.0'"
    assert {"FULL NAME", "EMAIL@ADDRESS", "YEAR-MO-DA", "LL@li.org", "SOME DESCRIPTIVE"} == {
        f.split("'")[1] for f in found[1:]
    }
    i18n.set_header(catalog, "page", "ja", changed=False)
    assert list(translation_style.header_problems(catalog, version)) == []
    assert catalog.last_translator == "The explainer authors"
    assert not catalog.fuzzy


def test_gallery_index_copies_take_the_chapters_translation() -> None:
    from babel.messages.catalog import Catalog

    index = Catalog(locale="ja")
    index.add("Before we look inside a network", "ネットワークの 中 をのぞく前に")
    index.add("Chapters", "章の一覧")
    chapters = {
        "Before we look inside a network": i18n.plain("ネットワークの\\ *中*\\ をのぞく前に")
    }
    assert i18n.sync_copies(index, chapters) == 1
    assert index["Before we look inside a network"].string == "ネットワークの中をのぞく前に"
    assert index["Chapters"].string == "章の一覧"
