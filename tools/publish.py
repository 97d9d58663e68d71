"""Build the versioned book into ``site/``: one folder per version plus the switcher file.

``nox -s publish`` runs ``python tools/publish.py build --install``. The layout it writes::

    site/
      index.html        redirects to the preferred (newest) release, or to dev/ before the first
      switcher.json     pydata-sphinx-theme's version list: version, name, url, one preferred
      .nojekyll         GitHub Pages: serve folders that start with "_" (_static, _images)
      favicon.ico       for pages without an icon link (an old release's standalone report):
                        browsers ask the host root for it, and a 404 is a console error
      dev/              the current checkout (always rebuilt)
      0.1.0/ ...        each release, built once from its own git worktree (kept when present)
      ja/               the Japanese edition, the same layout: ja/index.html, ja/switcher.json
                        (only the versions that have a Japanese book), ja/dev/, ja/<version>/ for
                        each release whose sources have docs/locale/ja (0.1.0 predates it)

Every page has a language switch to the same page in the other language (a relative link, see
docs/_templates/language-switch.html); pages of a version without a Japanese book have none.

``build --releases N`` builds only the ``N`` newest releases that are missing (CI passes
``--releases 1``: the development book and the newest release, so CI time does not grow with
the number of releases); older releases are built by a maintainer's plain ``build`` and kept.
The switcher then lists only the versions that ``site/`` holds, so every entry works.

``build --releases N`` builds only the ``N`` newest releases that are missing (CI passes
``--releases 1``: the development book and the newest release, so CI time does not grow with
the number of releases); older releases are built by a maintainer's plain ``build`` and kept.
The switcher then lists only the versions that ``site/`` holds, so every entry works.

Releases come from two places that must agree: git tags ``v<version>`` and the committed file
``docs/releases.json`` (``{"releases": [{"version": "0.1.0", "commit": "<sha>"}]}``). The file
is what survives a clone without tags (CI clones main afresh); ``record VERSION`` adds an entry.

Every page asks for ``../switcher.json`` relative to its version's root (the theme resolves a
relative ``json_url`` that way), so the built pages do not depend on where the site is hosted.
Only ``switcher.json`` holds absolute paths: the ``--base`` path the site is served under, ``/``
for a server whose root is ``site/``, ``/explainer/`` for a GitHub Pages project site. Moving
the site means ``switcher --base NEW`` (seconds), not a rebuild.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parent.parent
RELEASES_FILE = ROOT / "docs" / "releases.json"
DEV = "dev"
TAG_PREFIX = "v"
# Translations: language -> its folder under site/. English, the source, is at the top.
TRANSLATIONS = {"ja": "ja"}
# What the examples read and run: a release whose copy of these equals the working tree (the
# version number aside) reuses the development build's executed gallery instead of running
# every example again.
EXAMPLE_INPUTS = ("src", "gallery", "docs/conf.py", "pyproject.toml")
RELEASES_ABOUT = (
    "Released versions of the book and the commit each was tagged at. "
    "`python tools/publish.py record VERSION` adds one after `git tag vVERSION`. "
    "`nox -s publish` builds each into site/<version>/ from its tag, or from the commit "
    "recorded here when the clone has no tags."
)


class PublishError(RuntimeError):
    """A problem the maintainer must fix (inconsistent releases, missing commit, bad build)."""


@dataclass(frozen=True)
class Release:
    """One released version and the git revision its book is built from."""

    version: str
    commit: str
    tag: str | None = None  # the tag name when the clone has it

    @property
    def rev(self) -> str:
        """The revision to check out: the tag when present, else the recorded commit."""
        return self.tag or self.commit


# -- Release list ----------------------------------------------------------------------------


def parse_version(text: str) -> Version:
    """A release version (PEP 440); raises PublishError with the offending text."""
    try:
        return Version(text)
    except InvalidVersion as err:
        raise PublishError(f"{text!r} is not a valid version number") from err


def read_releases_file(path: Path = RELEASES_FILE) -> dict[str, str]:
    """``version -> commit`` from the committed release list; empty when the file is absent."""
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise PublishError(f"{path}: not valid JSON ({err})") from err
    entries = data.get("releases") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise PublishError(f'{path}: expected {{"releases": [{{"version", "commit"}}, ...]}}')
    recorded: dict[str, str] = {}
    for entry in entries:
        if not isinstance(entry, dict) or not {"version", "commit"} <= entry.keys():
            raise PublishError(f"{path}: every release needs a version and a commit: {entry!r}")
        version, commit = str(entry["version"]), str(entry["commit"]).lower()
        parse_version(version)
        if not re.fullmatch(r"[0-9a-f]{7,40}", commit):
            raise PublishError(f"{path}: release {version}: {commit!r} is not a commit hash")
        if version in recorded:
            raise PublishError(f"{path}: release {version} is listed twice")
        recorded[version] = commit
    return recorded


def write_releases_file(recorded: Mapping[str, str], path: Path = RELEASES_FILE) -> None:
    """Write the release list, newest first, in the format :func:`read_releases_file` reads."""
    ordered = sorted(recorded, key=parse_version, reverse=True)
    data = {
        "about": RELEASES_ABOUT,
        "releases": [{"version": v, "commit": recorded[v]} for v in ordered],
    }
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def parse_tag_refs(lines: Iterable[str]) -> dict[str, tuple[str, str]]:
    """``version -> (tag, commit)`` from ``git for-each-ref`` lines ``TAG OBJECT [PEELED]``.

    Annotated tags point at a tag object; the third field (``%(*objectname)``) is the commit.
    Tags that are not ``v`` followed by a version number are ignored.
    """
    tags: dict[str, tuple[str, str]] = {}
    for line in lines:
        fields = line.split()
        if len(fields) < 2 or not fields[0].startswith(TAG_PREFIX):
            continue
        tag, commit = fields[0], fields[-1]
        version = tag[len(TAG_PREFIX) :]
        try:
            Version(version)
        except InvalidVersion:
            continue
        tags[version] = (tag, commit.lower())
    return tags


def merge_releases(
    recorded: Mapping[str, str], tagged: Mapping[str, tuple[str, str]]
) -> list[Release]:
    """Tags and the release file together, newest first; a disagreement is an error."""
    releases = []
    for version in set(recorded) | set(tagged):
        tag, tag_commit = tagged.get(version, (None, None))
        commit = recorded.get(version)
        if tag_commit and commit and not tag_commit.startswith(commit):
            raise PublishError(
                f"release {version}: tag {tag} is commit {tag_commit[:12]} but "
                f"{RELEASES_FILE.name} records {commit[:12]}; fix the tag or the file"
            )
        releases.append(Release(version=version, commit=tag_commit or commit or "", tag=tag))
    return sorted(releases, key=lambda r: parse_version(r.version), reverse=True)


def preferred_release(versions: Iterable[str]) -> str | None:
    """The newest final release (a pre-release only when there is nothing else), else None."""
    parsed = sorted((parse_version(v), v) for v in versions)
    finals = [v for p, v in parsed if not p.is_prerelease]
    candidates = finals or [v for _, v in parsed]
    return candidates[-1] if candidates else None


# -- Switcher and redirect -------------------------------------------------------------------


def normalize_base(base: str) -> str:
    """The URL path the site is served under, with leading and trailing slashes."""
    if "://" in base or base.startswith("//"):
        raise PublishError(
            f"--base {base!r}: give the path the site is served under (e.g. /explainer/), "
            "not a full URL; browsers resolve it against the page's own host"
        )
    return (
        "/" + "/".join(part for part in base.split("/") if part) + ("/" if base.strip("/") else "")
    )


def switcher_entries(releases: Sequence[str], base: str = "/") -> list[dict[str, Any]]:
    """pydata-sphinx-theme's switcher list: dev first, then releases newest first.

    Exactly one entry, the newest final release, is ``preferred`` (none before the first
    release); its name says "(stable)".
    """
    base = normalize_base(base)
    preferred = preferred_release(releases)
    entries: list[dict[str, Any]] = [{"name": DEV, "version": DEV, "url": f"{base}{DEV}/"}]
    for version in sorted(releases, key=parse_version, reverse=True):
        entry: dict[str, Any] = {"name": version, "version": version, "url": f"{base}{version}/"}
        if version == preferred:
            entry["name"] = f"{version} (stable)"
            entry["preferred"] = True
        entries.append(entry)
    return entries


def redirect_html(target: str, language: str = "en") -> str:
    """A page that sends the reader to ``target`` (relative, so it works under any base)."""
    return f"""<!DOCTYPE html>
<html lang="{language}">
<head>
<meta charset="utf-8">
<title>explainer: redirecting to {target}</title>
<meta http-equiv="refresh" content="0; url={target}">
<link rel="icon" href="data:,">
<link rel="canonical" href="{target}">
<script>location.replace("{target}" + location.hash);</script>
</head>
<body>
<main><p>The book is at <a href="{target}">{target}</a>.</p></main>
</body>
</html>
"""


def favicon_ico() -> bytes:
    """A 1×1 transparent icon: an ICO file holding one PNG image."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00\x00\x00\x00\x00"))
        + chunk(b"IEND", b"")
    )
    header = struct.pack("<HHH", 0, 1, 1)
    entry = struct.pack("<BBBBHHII", 1, 1, 0, 0, 1, 32, len(png), 6 + 16)
    return header + entry + png


def translated_versions(site: Path, language: str, releases: Sequence[str]) -> list[str]:
    """The releases that have a built book in ``language`` (its folder under ``site``)."""
    folder = site / TRANSLATIONS[language]
    return [v for v in releases if (folder / v / "index.html").is_file()]


ENGLISH_ONLY = " (英語版)"
"""Marks, in a translation's switcher, a release that has no book in that language."""


def translation_switcher(
    english: Sequence[Mapping[str, Any]], translated: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """A translation's switcher: every version of the English one, in its order. Versions built
    in the translation open it; older releases (before the translation existed) open their
    English book, marked, so that a reader of the translation still reaches every version."""
    own = {e["version"]: dict(e) for e in translated}
    out = []
    for entry in english:
        if entry["version"] in own:
            out.append(own[entry["version"]])
        elif entry["version"] != DEV:
            out.append(
                {
                    "name": f"{entry['version']}{ENGLISH_ONLY}",
                    "version": entry["version"],
                    "url": entry["url"],
                }
            )
    return out


def write_site_index(site: Path, releases: Sequence[str], base: str = "/") -> list[dict[str, Any]]:
    """Write ``switcher.json``, ``index.html``, ``.nojekyll`` and ``favicon.ico``, and for each
    translation with a dev book its own ``switcher.json`` and ``index.html`` in its folder.

    Returns the (English) switcher entries."""
    missing = [v for v in [DEV, *releases] if not (site / v / "index.html").is_file()]
    if missing:
        raise PublishError(f"{site}: no built book for {', '.join(missing)}")
    entries = switcher_entries(releases, base)
    (site / "switcher.json").write_text(json.dumps(entries, indent=2) + "\n", encoding="utf-8")
    target = preferred_release(releases) or DEV
    (site / "index.html").write_text(redirect_html(f"{target}/"), encoding="utf-8")
    for language, folder in TRANSLATIONS.items():
        if not (site / folder / DEV / "index.html").is_file():
            continue
        versions = translated_versions(site, language, releases)
        lang_base = f"{normalize_base(base)}{folder}/"
        lang_entries = translation_switcher(entries, switcher_entries(versions, lang_base))
        (site / folder / "switcher.json").write_text(
            json.dumps(lang_entries, indent=2) + "\n", encoding="utf-8"
        )
        lang_target = preferred_release(versions) or DEV
        (site / folder / "index.html").write_text(
            redirect_html(f"{lang_target}/", language), encoding="utf-8"
        )
    (site / ".nojekyll").write_text("", encoding="utf-8")
    (site / "favicon.ico").write_bytes(favicon_ico())
    return entries


# -- git -------------------------------------------------------------------------------------


def git(*args: str, cwd: Path = ROOT, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run git; with ``check``, a failure raises PublishError carrying git's own message."""
    done = subprocess.run(["git", *args], cwd=cwd, text=True, capture_output=True)
    if check and done.returncode != 0:
        raise PublishError(f"git {' '.join(args)}: {done.stderr.strip() or done.returncode}")
    return done


def tagged_releases() -> dict[str, tuple[str, str]]:
    refs = git(
        "for-each-ref",
        f"refs/tags/{TAG_PREFIX}*",
        "--format=%(refname:short) %(objectname) %(*objectname)",
    )
    return parse_tag_refs(refs.stdout.splitlines())


def known_releases() -> list[Release]:
    return merge_releases(read_releases_file(), tagged_releases())


def has_commit(rev: str) -> bool:
    return git("cat-file", "-e", f"{rev}^{{commit}}", check=False).returncode == 0


def ensure_commit(release: Release) -> None:
    """Make the release's revision available, fetching it when the clone lacks it."""
    if has_commit(release.rev):
        return
    for args in (("fetch", "--quiet", "origin", release.commit), ("fetch", "--quiet", "--tags")):
        git(*args, check=False)
        if has_commit(release.commit):
            return
    raise PublishError(
        f"release {release.version}: commit {release.commit[:12]} is not in this clone and "
        "could not be fetched; clone with full history (git fetch --unshallow --tags)"
    )


def version_at(rev: str) -> str:
    """``[project] version`` of pyproject.toml at a revision."""
    text = git("show", f"{rev}:pyproject.toml").stdout
    return str(tomllib.loads(text)["project"]["version"])


def project_table(pyproject_text: str) -> dict[str, Any]:
    """pyproject.toml without ``[project] version``: what a release bump does not change."""
    data = tomllib.loads(pyproject_text)
    data.get("project", {}).pop("version", None)
    return data


def same_example_inputs(rev: str) -> bool:
    """True when the working tree's example inputs equal the revision's, version number aside.

    Then the development build's executed gallery is valid for that release too.
    """
    paths = [p for p in EXAMPLE_INPUTS if p != "pyproject.toml"]
    if git("diff", "--quiet", rev, "--", *paths, check=False).returncode != 0:
        return False
    if git("ls-files", "--others", "--exclude-standard", "--", *paths).stdout.strip():
        return False
    then = project_table(git("show", f"{rev}:pyproject.toml").stdout)
    return then == project_table((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


# -- Building --------------------------------------------------------------------------------


def other_language_env(version: str, language: str, translated: bool) -> str:
    """``EXPLAINER_OTHER_LANGUAGE`` of one book: the other language's root, relative to this
    book's root (``site/dev/`` <-> ``site/ja/dev/``); empty when the version has no translation."""
    if language != "en":
        return f"en=../../{version}/"
    if not translated:
        return ""
    language, folder = next(iter(TRANSLATIONS.items()))
    return f"{language}=../{folder}/{version}/"


def build_env(version: str, language: str = "en", translated: bool = True) -> dict[str, str]:
    """The environment of one version's build: its switcher and language-switch settings, the
    full gallery (a translated build never runs an example: docs/_ext/i18n_fixes.py)."""
    env = dict(os.environ)
    env["EXPLAINER_LANGUAGE"] = language
    env["EXPLAINER_OTHER_LANGUAGE"] = other_language_env(version, language, translated)
    for name in ("EXPLAINER_GALLERY_PATTERN", "EXPLAINER_PLOT_GALLERY"):
        env.pop(name, None)  # a published book runs every example
    for name in ("EXPLAINER_CACHE_DIR", "EXPLAINER_DATA_DIR"):
        if env.get(name):  # worktrees build from another folder: keep paths absolute
            env[name] = str(Path(env[name]).expanduser().resolve())
    env["EXPLAINER_DOCS_VERSION"] = version
    env["EXPLAINER_SWITCHER_URL"] = "../switcher.json"
    return env


DISTRIBUTIONS = ("explainer", "explainer-book")
"""The package's distribution names over its history (0.1.0 was "explainer")."""


def pip_install(checkout: Path) -> None:
    """Install a checkout with its docs extras, so that its own dependencies are used.

    Any installed copy under another distribution name goes first: two editable installs of
    the same import package would leave it to sys.path order which one is imported.
    """
    pip = [sys.executable, "-m", "pip"]
    subprocess.run([*pip, "uninstall", "--yes", "--quiet", *DISTRIBUTIONS], check=False)
    subprocess.run([*pip, "install", "--quiet", "-e", f"{checkout}[docs]"], check=True)


def has_translation(checkout: Path, language: str) -> bool:
    """Whether a checkout's sources carry a translation (releases before 0.2 do not)."""
    return (checkout / "docs" / "locale" / language / "LC_MESSAGES").is_dir()


def sphinx_build(
    checkout: Path,
    version: str,
    out: Path,
    doctrees: Path,
    language: str = "en",
    translated: bool = True,
) -> None:
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html"]
    cmd += ["-D", f"language={language}", "-d", str(doctrees), str(checkout / "docs"), str(out)]
    env = build_env(version, language, translated)
    subprocess.run(cmd, cwd=checkout, env=env, check=True)


def build_translations(checkout: Path, version: str, site: Path, scratch: Path) -> None:
    """Each translation of one version, from the gallery its English build just executed."""
    for language, folder in TRANSLATIONS.items():
        if not has_translation(checkout, language):
            print(f"  {version}: no {language} sources; no {folder}/{version}/")
            continue
        start = time.monotonic()
        out = scratch / f"{language}-{version}"
        shutil.rmtree(out, ignore_errors=True)
        sphinx_build(
            checkout, version, out, scratch / "doctrees" / f"{language}-{version}", language
        )
        install_build(out, site / folder / version)
        print(f"  {version}: {language} built in {time.monotonic() - start:.0f} s")


def built_version(out: Path) -> str:
    """The ``VERSION`` Sphinx wrote into the page options (what the banner compares)."""
    text = (out / "_static" / "documentation_options.js").read_text(encoding="utf-8")
    match = re.search(r"VERSION:\s*'([^']*)'", text)
    if not match:
        raise PublishError(f"{out}: no VERSION in documentation_options.js")
    return match.group(1)


def install_build(out: Path, dest: Path) -> None:
    """Move a finished build into place: a version folder exists only when complete."""
    shutil.rmtree(out / ".doctrees", ignore_errors=True)
    (out / ".buildinfo").unlink(missing_ok=True)
    for path in [out, *out.rglob("*")]:  # world-readable: a web server runs as another user
        path.chmod(0o755 if path.is_dir() else 0o644)
    if dest.exists():
        shutil.rmtree(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(out), str(dest))


def build_dev(site: Path) -> None:
    """The working tree into ``site/dev``, reusing its executed gallery (docs/auto_examples)."""
    scratch = ROOT / "docs" / "_build" / "publish"
    out = scratch / DEV
    shutil.rmtree(out, ignore_errors=True)
    translated = all(has_translation(ROOT, language) for language in TRANSLATIONS)
    sphinx_build(ROOT, DEV, out, scratch / "doctrees" / DEV, translated=translated)
    shown = built_version(out)
    if "dev" not in shown:
        raise PublishError(f"dev build shows version {shown!r}; expected a development version")
    install_build(out, site / DEV)
    build_translations(ROOT, DEV, site, scratch)


def build_release(release: Release, site: Path, install: bool) -> None:
    """One release from its own worktree into ``site/<version>``."""
    ensure_commit(release)
    declared = version_at(release.rev)
    if declared != release.version:
        raise PublishError(
            f"release {release.version}: pyproject.toml at {release.rev} says {declared}"
        )
    with tempfile.TemporaryDirectory(prefix=f"explainer-{release.version}-") as tmp:
        tree = Path(tmp) / "tree"
        git("worktree", "add", "--detach", "--force", str(tree), release.rev)
        try:
            if same_example_inputs(release.rev) and (ROOT / "docs" / "auto_examples").is_dir():
                print(f"  {release.version}: same examples as the working tree; reusing them")
                shutil.copytree(ROOT / "docs" / "auto_examples", tree / "docs" / "auto_examples")
            if install:
                pip_install(tree)
            out = Path(tmp) / "html"
            translated = all(has_translation(tree, language) for language in TRANSLATIONS)
            sphinx_build(tree, release.version, out, Path(tmp) / "doctrees", translated=translated)
            shown = built_version(out)
            if shown != release.version:
                raise PublishError(f"release {release.version}: its pages show {shown!r}")
            install_build(out, site / release.version)
            build_translations(tree, release.version, site, Path(tmp))
        finally:
            git("worktree", "remove", "--force", str(tree), check=False)
            git("worktree", "prune", check=False)


def releases_to_build(releases: Sequence[Release], newest: int | None) -> list[Release]:
    """The releases a build considers: all, or only the ``newest`` ones (newest first)."""
    ordered = sorted(releases, key=lambda r: parse_version(r.version), reverse=True)
    if newest is None:
        return ordered
    if newest < 0:
        raise PublishError(f"--releases must be 0 or more, not {newest}")
    return ordered[:newest]


def build_site(
    site: Path, base: str, install: bool, dev: bool = True, newest: int | None = None
) -> list[dict[str, Any]]:
    """Build dev and every missing release (or the ``newest`` few), then write the switcher
    (the versions ``site`` holds) and the redirect."""
    base = normalize_base(base)
    known = known_releases()
    releases = releases_to_build(known, newest)
    for skipped in known[len(releases) :] if newest is not None else []:
        state = (
            "kept"
            if (site / skipped.version).is_dir()
            else "not built (no --releases limit builds it)"
        )
        print(f"publish: {skipped.version} is older than the {newest} newest: {state}")
    site.mkdir(parents=True, exist_ok=True)
    if dev:
        start = time.monotonic()
        print(f"publish: building {DEV} from the working tree")
        build_dev(site)
        print(f"publish: {DEV} built in {time.monotonic() - start:.0f} s")
    installed_other = False
    try:
        for release in releases:
            if (site / release.version).is_dir():
                print(f"publish: {release.version} exists in {site}; kept (delete it to rebuild)")
                continue
            start = time.monotonic()
            print(f"publish: building {release.version} from {release.rev[:12]}")
            installed_other = install
            build_release(release, site, install)
            print(f"publish: {release.version} built in {time.monotonic() - start:.0f} s")
    finally:
        if installed_other:
            pip_install(ROOT)  # leave the session's environment on the current checkout
    present = [r.version for r in known if (site / r.version / "index.html").is_file()]
    entries = write_site_index(site, present, base)
    names = ", ".join(e["name"] for e in entries)
    print(f"publish: {site} holds {names}; served under {base}")
    return entries


def record_release(version: str, rev: str | None = None) -> Release:
    """Add ``version`` with the commit of its tag (or ``rev``) to the committed release list."""
    parse_version(version)
    rev = rev or f"{TAG_PREFIX}{version}"
    if not has_commit(rev):
        raise PublishError(f"{rev} is not a commit in this repository; tag the release first")
    commit = git("rev-parse", f"{rev}^{{commit}}").stdout.strip()
    declared = version_at(commit)
    if declared != version:
        raise PublishError(f"pyproject.toml at {rev} says version {declared}, not {version}")
    recorded = read_releases_file()
    if recorded.get(version, commit) != commit:
        raise PublishError(f"release {version} is already recorded as {recorded[version]}")
    recorded[version] = commit
    write_releases_file(recorded)
    return Release(version=version, commit=commit, tag=rev if rev.startswith(TAG_PREFIX) else None)


# -- Command line ----------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="publish", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    default_base = os.environ.get("EXPLAINER_SITE_BASE", "/")
    p_build = sub.add_parser("build", help="build dev and missing releases into the site")
    p_switch = sub.add_parser("switcher", help="rewrite switcher.json and index.html only")
    for p in (p_build, p_switch):
        p.add_argument("--site", type=Path, default=ROOT / "site")
        p.add_argument(
            "--base",
            default=default_base,
            help="URL path the site is served under (default $EXPLAINER_SITE_BASE or /)",
        )
    p_build.add_argument(
        "--install", action="store_true", help="pip install each release before building it"
    )
    p_build.add_argument("--no-dev", action="store_true", help="keep the existing dev build")
    p_build.add_argument(
        "--releases",
        type=int,
        default=None,
        metavar="N",
        help="build only the N newest releases (CI: 1); older ones are kept if present",
    )
    p_record = sub.add_parser("record", help="add a tagged release to docs/releases.json")
    p_record.add_argument("version")
    p_record.add_argument("--commit", help="commit to record (default: the tag v<version>)")
    sub.add_parser("list", help="print the releases known from tags and docs/releases.json")
    args = parser.parse_args(argv)

    try:
        if args.command == "build":
            build_site(
                args.site.resolve(),
                args.base,
                args.install,
                dev=not args.no_dev,
                newest=args.releases,
            )
        elif args.command == "switcher":
            releases = [r.version for r in known_releases()]
            entries = write_site_index(args.site.resolve(), releases, args.base)
            print(json.dumps(entries, indent=2))
        elif args.command == "record":
            release = record_release(args.version, args.commit)
            print(f"recorded {release.version} at {release.commit} in {RELEASES_FILE}")
        elif args.command == "list":
            for release in known_releases():
                print(f"{release.version}\t{release.commit}\t{release.tag or '(no tag)'}")
    except (PublishError, subprocess.CalledProcessError) as err:
        print(f"publish: error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
