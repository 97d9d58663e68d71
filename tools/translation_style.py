"""The Japanese edition's mechanical style rules, checked on every translated message.

``python tools/i18n.py check`` and ``nox -s tests`` run them. Each problem names the catalog,
the message and the fix:

- **spacing**: an ASCII space between two Japanese characters in the rendered text, almost
  always the space written around inline markup (``の *中* を``). reST (the chapters) needs
  ``\\ `` there (``の\\ *中*\\ を``); Markdown (the other pages) needs no space at all.
- **markup**: inline markup that does not render (``の*中*を`` in reST shows its asterisks;
  ``\\ `` in Markdown shows its backslash), or that makes the parser warn.
- **term**: a variant the glossary rejects (``docs/locale/ja/GLOSSARY.md``, section
  "Checked variants"), searched in the rendered text outside code.
- **header**: a catalog header with an old version or a placeholder field.

The message text is parsed the way Sphinx parses it: docutils for the gallery's reST pages,
markdown-it (CommonMark, as MyST) for the Markdown pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Kana, the prolonged sound mark, iteration marks, CJK ideographs, full-width letters and digits.
JA_LETTER = (
    "\u3005\u3006\u3041-\u3096\u309d\u309e\u30a1-\u30fa\u30fc-\u30fe"
    "\u3400-\u4dbf\u4e00-\u9fff\uff10-\uff19\uff21-\uff3a\uff41-\uff5a"
)
# Japanese punctuation: 、。「」『』（）【】・ and the other full-width signs.
JA_PUNCT = (
    "\u3001-\u3003\u3008-\u3011\u3014-\u301f\u30fb"
    "\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
)
JA = JA_LETTER + JA_PUNCT
SPACE_BETWEEN_JAPANESE = re.compile(f"([{JA}]) +(?=[{JA}])")

# Header fields that gettext tools leave as placeholders.
PLACEHOLDERS = ("FULL NAME", "EMAIL@ADDRESS", "YEAR-MO-DA", "LL@li.org", "SOME DESCRIPTIVE")


@dataclass(frozen=True)
class StyleProblem:
    """One message that breaks a style rule, with what was found and how to fix it."""

    catalog: str
    rule: str  # "spacing", "markup", "term" or "header"
    msgid: str
    found: str
    fix: str

    def __str__(self) -> str:
        excerpt = " ".join(self.msgid.split())
        excerpt = excerpt if len(excerpt) <= 60 else excerpt[:57] + "..."
        where = f"in {excerpt!r}" if excerpt else "header"
        return f"{self.catalog}: {self.rule}: {self.found} ({where})\n    fix: {self.fix}"


@dataclass(frozen=True)
class Variant:
    """A rejected variant from the glossary: a regular expression and the term to use."""

    pattern: re.Pattern[str]
    use: str
    exempt: tuple[str, ...] = ()  # pages (catalog names without .po) where the variant is right


def variants(glossary: Path) -> list[Variant]:
    """The glossary's "Checked variants" table: ``| `regex` | use this | why | except on |``
    rows; the last column, optional, names pages where the variant is right (``credits``). A
    ``|`` inside a cell is written ``\\|``, as Markdown tables need."""
    rows: list[Variant] = []
    in_section = False
    for line in glossary.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            in_section = line.strip().lower().startswith("## checked variants")
            continue
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        if in_section and line.startswith("|") and len(cells) >= 2:
            match = re.fullmatch(r"`(.+)`", cells[0])
            if match:
                exempt = tuple(re.findall(r"`([^`]+)`", cells[3])) if len(cells) > 3 else ()
                rows.append(Variant(re.compile(match.group(1)), cells[1], exempt))
    return rows


# ---------------------------------------------------------------------------- rendered text


@dataclass(frozen=True)
class Rendered:
    """A message as the reader sees it: all text, the text outside code, parser warnings."""

    text: str
    prose: str
    warnings: tuple[str, ...]


# What a link without a title of its own shows, as far as these rules care: the linked page's
# or section's title, which the Japanese book shows translated.
LINKED_TITLE = "題名"
_TITLED = re.compile(r"^(.*?)\s*<([^<>]*)>$", re.DOTALL)
_LINK_ROLES = {"doc", "ref", "download", "numref", "term", "any"}


def _role(
    name: str,
    rawtext: str,
    text: str,
    lineno: int,
    inliner: Any,
    options: Any = None,
    content: Any = None,
) -> tuple[list[Any], list[Any]]:
    """Any Sphinx role, as its visible text: a link's title, or code."""
    from docutils import nodes

    match = _TITLED.match(text)
    shown = match.group(1) if match else text
    short = name.split(":")[-1]
    if short in _LINK_ROLES:
        # Without a title of its own, a link shows its target's title: a translated title.
        return [nodes.inline(rawtext, shown if match else LINKED_TITLE)], []
    return [nodes.literal(rawtext, shown.lstrip("~"))], []


def render_rst(text: str) -> Rendered:
    """A reST message parsed by docutils (Sphinx roles stand in as text or code)."""
    from docutils import frontend, nodes, utils
    from docutils.parsers.rst import Parser, roles

    for name in set(re.findall(r":([a-z]+(?::[a-z]+)?):`", text)):
        roles.register_local_role(name, _role)
    parser = Parser()
    settings = frontend.get_default_settings(Parser)
    settings.report_level = 5  # collect the messages, print nothing
    settings.halt_level = 5
    document = utils.new_document("<message>", settings)
    parser.parse(text, document)
    warnings = tuple(
        " ".join(m.astext().split())
        for m in document.findall(nodes.system_message)
        if m["level"] >= 2
    )
    for message in list(document.findall(nodes.system_message)):
        message.parent.remove(message)
    pieces: list[str] = []
    prose: list[str] = []
    for node in document.findall(nodes.Text):
        pieces.append(node.astext())  # without the null escapes of `\ `
        in_code = any(isinstance(p, nodes.literal) for p in _ancestors(node))
        prose.append(" " if in_code else node.astext())
    return Rendered("".join(pieces), "".join(prose), warnings)


def _ancestors(node: Any) -> Iterator[Any]:
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent


_MYST_ROLE = re.compile(r"\{([a-z]+(?::[a-z]+)?)\}`([^`]*)`")


def render_myst(text: str) -> Rendered:
    """A Markdown message parsed by markdown-it (CommonMark; MyST roles as text or code)."""
    from markdown_it import MarkdownIt

    def role(m: re.Match[str]) -> str:
        match = _TITLED.match(m.group(2))
        shown = (match.group(1) if match else m.group(2)).lstrip("~")
        if m.group(1).split(":")[-1] in _LINK_ROLES:
            return shown if match else LINKED_TITLE
        return f"`{shown}`"

    tokens = MarkdownIt("commonmark").parseInline(_MYST_ROLE.sub(role, text))
    pieces: list[str] = []
    prose: list[str] = []
    for token in tokens[0].children or []:
        if token.type in ("text", "code_inline"):
            pieces.append(token.content)
            prose.append(" " if token.type == "code_inline" else token.content)
        elif token.type in ("softbreak", "hardbreak"):
            pieces.append(" ")
            prose.append(" ")
    return Rendered("".join(pieces), "".join(prose), ())


# ---------------------------------------------------------------------------------- checks


def message_problems(
    msgid: str, msgstr: str, markdown: bool, rejected: list[Variant]
) -> Iterator[tuple[str, str, str]]:
    """``(rule, found, fix)`` for one translated message."""
    render = render_myst if markdown else render_rst
    source, target = render(msgid), render(msgstr)
    for match in SPACE_BETWEEN_JAPANESE.finditer(target.text):
        start, end = max(match.start() - 6, 0), min(match.end() + 7, len(target.text))
        fix = (
            "drop the space (Markdown needs none around **bold**, *emphasis* or `code`)"
            if markdown
            else "drop the space, or write `\\ ` instead of it next to inline markup "
            "(`の\\ *中*\\ を`)"
        )
        yield "spacing", f"space between Japanese characters: {target.text[start:end]!r}", fix
    for mark in ("*", "`"):
        if target.text.count(mark) > source.text.count(mark):
            at = target.text.index(mark)
            shown = target.text[max(at - 8, 0) : at + 9]
            fix = (
                "Markdown emphasis next to 「」（） needs a space or a different wording"
                if markdown
                else "reST markup needs a space or `\\ ` between it and Japanese text "
                "(`の\\ *中*\\ を`)"
            )
            yield "markup", f"{mark!r} shows in the page: {shown!r}", fix
    if markdown and "\\ " in target.prose:  # outside code, where `\ ` is just text
        at = target.prose.index("\\ ")
        shown = target.prose[max(at - 8, 0) : at + 10]
        yield (
            "markup",
            f"`\\ ` shows as a backslash in a Markdown page: {shown!r}",
            ("drop the `\\ `: Markdown needs no space around **bold** or *emphasis*"),
        )
    for warning in set(target.warnings) - set(source.warnings):
        yield "markup", warning, "write the markup as the English message does"
    for variant in rejected:
        for match in variant.pattern.finditer(target.prose):
            yield "term", f"{match.group(0)!r}", f"use {variant.use} (docs/locale/ja/GLOSSARY.md)"


def header_problems(catalog: Any, version: str) -> Iterator[tuple[str, str]]:
    """``(found, fix)`` for a catalog header that is out of date or has placeholders."""
    expected = f"explainer {version}"
    project = f"{catalog.project} {catalog.version}"
    if project != expected:
        yield (
            f"Project-Id-Version is {project!r}",
            f"{expected!r}: run `python tools/i18n.py update`",
        )
    header = catalog.header_comment + "\n" + "\n".join(f"{k}: {v}" for k, v in catalog.mime_headers)
    for placeholder in PLACEHOLDERS:
        if placeholder in header:
            yield f"placeholder {placeholder!r} in the header", "run `python tools/i18n.py update`"
