"""The pure parts of the versioned-site tooling and of the book's HTML fixes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import html_fixes  # docs/_ext/html_fixes.py and tools/publish.py, on the path by conftest.py
import publish
import pytest

ROOT = Path(__file__).resolve().parent.parent


SHA_A = "a" * 40
SHA_B = "b" * 40


# -- Release list ------------------------------------------------------------------------------


def test_committed_release_file_parses_and_documents_its_format() -> None:
    text = (ROOT / "docs" / "releases.json").read_text()
    assert "record VERSION" in json.loads(text)["about"]
    recorded = publish.read_releases_file(ROOT / "docs" / "releases.json")
    assert all(len(commit) == 40 for commit in recorded.values())


def test_release_file_round_trip_newest_first(tmp_path: Path) -> None:
    path = tmp_path / "releases.json"
    publish.write_releases_file({"0.2.0": SHA_B, "0.10.0": SHA_A, "0.1.0": SHA_A}, path)
    data = json.loads(path.read_text())
    assert [r["version"] for r in data["releases"]] == ["0.10.0", "0.2.0", "0.1.0"]
    assert publish.read_releases_file(path) == {"0.2.0": SHA_B, "0.10.0": SHA_A, "0.1.0": SHA_A}


def test_absent_release_file_means_no_releases(tmp_path: Path) -> None:
    assert publish.read_releases_file(tmp_path / "missing.json") == {}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not valid JSON"),
        ('{"versions": []}', "expected"),
        ('{"releases": [{"version": "0.1.0"}]}', "needs a version and a commit"),
        ('{"releases": [{"version": "one", "commit": "abcdef1"}]}', "not a valid version"),
        ('{"releases": [{"version": "0.1.0", "commit": "main"}]}', "not a commit hash"),
        (
            '{"releases": [{"version": "0.1.0", "commit": "abcdef1"},'
            ' {"version": "0.1.0", "commit": "abcdef2"}]}',
            "listed twice",
        ),
    ],
)
def test_bad_release_files_are_rejected(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "releases.json"
    path.write_text(content)
    with pytest.raises(publish.PublishError, match=message):
        publish.read_releases_file(path)


def test_tag_refs_peel_annotated_tags_and_skip_other_tags() -> None:
    lines = [
        f"v0.1.0 {'c' * 40} {SHA_A}",  # annotated: tag object, then the commit
        f"v0.2.0 {SHA_B} ",  # lightweight: the commit itself
        f"vnext {SHA_B}",  # not a version
        f"release-1 {SHA_B}",  # not v*
    ]
    assert publish.parse_tag_refs(lines) == {
        "0.1.0": ("v0.1.0", SHA_A),
        "0.2.0": ("v0.2.0", SHA_B),
    }


def test_merge_prefers_the_tag_and_falls_back_to_the_recorded_commit() -> None:
    releases = publish.merge_releases(
        {"0.1.0": SHA_A[:12], "0.2.0": SHA_B},  # an abbreviated hash matches the tag's
        {"0.1.0": ("v0.1.0", SHA_A)},
    )
    assert [(r.version, r.rev) for r in releases] == [("0.2.0", SHA_B), ("0.1.0", "v0.1.0")]
    assert releases[1].commit == SHA_A


def test_merge_rejects_a_tag_that_disagrees_with_the_file() -> None:
    with pytest.raises(publish.PublishError, match=r"tag v0\.1\.0 is commit aaaa"):
        publish.merge_releases({"0.1.0": SHA_B}, {"0.1.0": ("v0.1.0", SHA_A)})


def test_preferred_is_the_newest_final_release() -> None:
    assert publish.preferred_release(["0.9.0", "0.10.0", "0.11.0rc1"]) == "0.10.0"
    assert publish.preferred_release(["1.0.0rc1", "1.0.0rc2"]) == "1.0.0rc2"
    assert publish.preferred_release([]) is None


# -- switcher.json and the site root ------------------------------------------------------------


def test_switcher_before_the_first_release_has_dev_only_and_no_preferred() -> None:
    assert publish.switcher_entries([]) == [{"name": "dev", "version": "dev", "url": "/dev/"}]


def test_switcher_lists_dev_then_releases_with_one_preferred() -> None:
    entries = publish.switcher_entries(["0.1.0", "0.10.0", "0.2.0"], base="explainer")
    assert [e["version"] for e in entries] == ["dev", "0.10.0", "0.2.0", "0.1.0"]
    assert [e["url"] for e in entries] == [
        "/explainer/dev/",
        "/explainer/0.10.0/",
        "/explainer/0.2.0/",
        "/explainer/0.1.0/",
    ]
    preferred = [e for e in entries if e.get("preferred")]
    assert preferred == [
        {
            "name": "0.10.0 (stable)",
            "version": "0.10.0",
            "url": "/explainer/0.10.0/",
            "preferred": True,
        }
    ]
    assert all(set(e) <= {"name", "version", "url", "preferred"} for e in entries)


@pytest.mark.parametrize(
    ("base", "expected"),
    [("/", "/"), ("", "/"), ("explainer", "/explainer/"), ("/a/b", "/a/b/"), ("//x//", "/x/")],
)
def test_base_path_is_normalised(base: str, expected: str) -> None:
    if base.startswith("//"):
        with pytest.raises(publish.PublishError, match="not a full URL"):
            publish.normalize_base(base)
    else:
        assert publish.normalize_base(base) == expected


def test_full_urls_are_refused_as_base() -> None:
    with pytest.raises(publish.PublishError, match="not a full URL"):
        publish.normalize_base("https://example.org/explainer/")


def _fake_build(site: Path, version: str) -> None:
    (site / version).mkdir(parents=True)
    (site / version / "index.html").write_text("<html></html>")


def test_site_index_redirects_to_the_preferred_release(tmp_path: Path) -> None:
    for version in ("dev", "0.1.0", "0.2.0"):
        _fake_build(tmp_path, version)
    entries = publish.write_site_index(tmp_path, ["0.1.0", "0.2.0"], base="/book/")
    assert json.loads((tmp_path / "switcher.json").read_text()) == entries
    index = (tmp_path / "index.html").read_text()
    assert 'content="0; url=0.2.0/"' in index and 'location.replace("0.2.0/"' in index
    assert '<html lang="en">' in index and "<title>" in index
    assert (tmp_path / ".nojekyll").is_file()
    assert (tmp_path / "favicon.ico").read_bytes() == publish.favicon_ico()


def test_favicon_is_a_valid_one_pixel_icon() -> None:
    import struct

    from PIL import Image

    ico = publish.favicon_ico()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind, count) == (0, 1, 1)
    width, height, *_rest, size, offset = struct.unpack("<BBBBHHII", ico[6:22])
    assert (width, height, offset, offset + size) == (1, 1, 22, len(ico))
    png = Image.open(io.BytesIO(ico[offset:]))
    assert png.size == (1, 1) and png.getpixel((0, 0)) == (0, 0, 0, 0)


def test_site_index_without_releases_redirects_to_dev(tmp_path: Path) -> None:
    _fake_build(tmp_path, "dev")
    publish.write_site_index(tmp_path, [])
    assert 'url=dev/"' in (tmp_path / "index.html").read_text()


def test_site_index_refuses_a_version_that_was_not_built(tmp_path: Path) -> None:
    _fake_build(tmp_path, "dev")
    with pytest.raises(publish.PublishError, match=r"no built book for 0\.1\.0"):
        publish.write_site_index(tmp_path, ["0.1.0"])


def test_releases_to_build_keeps_the_newest() -> None:
    rels = [
        publish.Release(v, c) for v, c in (("0.1.0", SHA_A), ("0.3.0", SHA_B), ("0.2.0", SHA_A))
    ]
    assert [r.version for r in publish.releases_to_build(rels, 1)] == ["0.3.0"]
    assert [r.version for r in publish.releases_to_build(rels, None)] == ["0.3.0", "0.2.0", "0.1.0"]
    assert publish.releases_to_build(rels, 0) == []
    with pytest.raises(publish.PublishError, match="0 or more"):
        publish.releases_to_build(rels, -1)


def test_ci_build_makes_dev_and_the_newest_release_and_lists_only_built_versions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    known = [publish.Release("0.2.0", SHA_B), publish.Release("0.1.0", SHA_A)]
    built: list[str] = []
    monkeypatch.setattr(publish, "known_releases", lambda: known)

    def fake(site: Path, version: str) -> None:
        (site / version).mkdir(parents=True, exist_ok=True)
        (site / version / "index.html").write_text("<html></html>")

    monkeypatch.setattr(publish, "build_dev", lambda site: fake(site, "dev"))

    def build_release(release, site, install):
        built.append(release.version)
        fake(site, release.version)

    monkeypatch.setattr(publish, "build_release", build_release)
    entries = publish.build_site(tmp_path, "/", install=False, newest=1)
    assert built == ["0.2.0"]  # 0.1.0 is not built: CI time does not grow with releases
    assert [e["version"] for e in entries] == ["dev", "0.2.0"]  # the switcher lists what exists
    assert "0.1.0 is older than the 1 newest: not built" in capsys.readouterr().out
    # A maintainer's full build adds the old release; a later CI build keeps it and lists it.
    publish.build_site(tmp_path, "/", install=False)
    assert built == ["0.2.0", "0.1.0"]
    entries = publish.build_site(tmp_path, "/", install=False, newest=1)
    assert built == ["0.2.0", "0.1.0"]
    assert [e["version"] for e in entries] == ["dev", "0.2.0", "0.1.0"]
    assert "0.1.0 is older than the 1 newest: kept" in capsys.readouterr().out


def test_publish_command_line_takes_the_release_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = {}
    monkeypatch.setattr(publish, "build_site", lambda *a, **kw: seen.update(kw) or [])
    assert publish.main(["build", "--releases", "1"]) == 0
    assert seen == {"dev": True, "newest": 1}
    ci = (ROOT / ".ci" / "run").read_text()
    assert "nox -s publish -- --releases 1" in ci


def test_version_number_alone_does_not_change_the_example_inputs() -> None:
    before = '[project]\nname = "x"\nversion = "0.1.0"\ndependencies = ["numpy"]\n'
    after = before.replace('"0.1.0"', '"0.2.0.dev0"')
    assert publish.project_table(before) == publish.project_table(after)
    assert publish.project_table(before) != publish.project_table(after.replace("numpy", "scipy"))


# -- HTML fixes of the book ---------------------------------------------------------------------


def test_bare_toctree_toggles_get_a_name() -> None:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(
        '<ul><li class="has-children"><a class="reference internal" href="a.html">Part <em>I</em>'
        '</a><details><summary><span class="toctree-toggle"><i></i></span></summary></details>'
        '</li><li><details><summary><p class="caption">Named</p></summary></details></li></ul>',
        "html.parser",
    )
    html_fixes.label_summaries(soup)
    first, second = soup.select("summary")
    assert first["aria-label"] == "Pages under Part I"
    assert "aria-label" not in second.attrs  # its text already names it


def test_toctree_toggles_are_named_in_the_books_language() -> None:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(
        '<ul><li><a href="a.html">第 I 部</a>'
        "<details><summary><i></i></summary></details></li></ul>",
        "html.parser",
    )
    html_fixes.label_summaries(soup, html_fixes.SUMMARY_LABELS["ja"])
    assert soup.select_one("summary")["aria-label"] == "「第 I 部」のページ一覧"


def test_animation_html_loses_the_cdn_and_gains_alt_text_and_a_slider_label() -> None:
    rst = (
        '     <link rel="stylesheet"\n'
        '     href="https://maxcdn.bootstrapcdn.com/font-awesome/4.4.0/css/font-awesome.min.css">\n'
        '     <img id="_anim_img0a1b">\n     <input id="_anim_slider0a1b" type="range">\n'
        '     <img id="_anim_img2c3d">\n'
    )
    fixed = html_fixes.fix_animation_html(rst, ['Waves & "ripples"'])
    assert "maxcdn" not in fixed
    assert '<img id="_anim_img0a1b" alt="Waves &amp; &quot;ripples&quot;">' in fixed
    assert f'<img id="_anim_img2c3d" alt="{html_fixes.DEFAULT_ANIMATION_ALT}">' in fixed
    assert '<input id="_anim_slider0a1b" aria-label="Animation frame" type="range">' in fixed


# -- The Japanese edition's site layout ---------------------------------------------------------


def test_japanese_edition_gets_its_own_switcher_and_redirect(tmp_path: Path) -> None:
    # 0.1.0 predates the Japanese edition: English only, listed in the Japanese switcher too,
    # opening its English book. 0.2.0 and dev exist in both.
    for version in ("dev", "0.1.0", "0.2.0"):
        _fake_build(tmp_path, version)
    for version in ("dev", "0.2.0"):
        _fake_build(tmp_path / "ja", version)
    publish.write_site_index(tmp_path, ["0.1.0", "0.2.0"], base="/book/")
    ja = json.loads((tmp_path / "ja" / "switcher.json").read_text())
    assert [(e["version"], e["url"]) for e in ja] == [
        ("dev", "/book/ja/dev/"),
        ("0.2.0", "/book/ja/0.2.0/"),
        ("0.1.0", "/book/0.1.0/"),
    ]
    assert ja[2]["name"] == "0.1.0 (英語版)" and not ja[2].get("preferred")
    assert [e["version"] for e in ja if e.get("preferred")] == ["0.2.0"]
    index = (tmp_path / "ja" / "index.html").read_text()
    assert '<html lang="ja">' in index and 'url=0.2.0/"' in index
    en = json.loads((tmp_path / "switcher.json").read_text())
    assert [e["version"] for e in en] == ["dev", "0.2.0", "0.1.0"]


def test_japanese_edition_before_its_first_release_has_dev_only(tmp_path: Path) -> None:
    for version in ("dev", "0.1.0"):
        _fake_build(tmp_path, version)
    _fake_build(tmp_path / "ja", "dev")
    publish.write_site_index(tmp_path, ["0.1.0"])
    ja = json.loads((tmp_path / "ja" / "switcher.json").read_text())
    assert ja == [
        {"name": "dev", "version": "dev", "url": "/ja/dev/"},
        {"name": "0.1.0 (英語版)", "version": "0.1.0", "url": "/0.1.0/"},
    ]
    assert 'url=dev/"' in (tmp_path / "ja" / "index.html").read_text()


def test_no_japanese_folder_without_a_japanese_dev_book(tmp_path: Path) -> None:
    _fake_build(tmp_path, "dev")
    publish.write_site_index(tmp_path, [])
    assert not (tmp_path / "ja").exists()


@pytest.mark.parametrize(
    ("version", "language", "translated", "expected"),
    [
        ("dev", "en", True, "ja=../ja/dev/"),  # site/dev/ -> site/ja/dev/
        ("0.2.0", "ja", True, "en=../../0.2.0/"),  # site/ja/0.2.0/ -> site/0.2.0/
        ("0.1.0", "en", False, ""),  # no Japanese book: no language switch
    ],
)
def test_language_switch_points_at_the_other_books_root(
    version: str, language: str, translated: bool, expected: str
) -> None:
    env = publish.build_env(version, language, translated)
    assert env["EXPLAINER_OTHER_LANGUAGE"] == expected
    assert env["EXPLAINER_LANGUAGE"] == language
    assert env["EXPLAINER_SWITCHER_URL"] == "../switcher.json"
    assert "EXPLAINER_GALLERY_PATTERN" not in env
