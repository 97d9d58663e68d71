from __future__ import annotations

import json
from types import SimpleNamespace

import metrics_table
import pytest

from explainer import metrics


@pytest.fixture
def metrics_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(metrics.METRICS_DIR_ENV, str(tmp_path))
    metrics.set_current_example("plot_99_demo")
    yield tmp_path
    metrics.set_current_example(None, clear=False)


def test_record_prints_and_stores(metrics_dir, capsys):
    m = metrics.record("demo.accuracy", 0.98765, reference=0.99, source="an article")
    assert capsys.readouterr().out.strip() == (
        "demo.accuracy = 0.9877  (published: 0.9900, an article)"
    )
    assert m.example == "plot_99_demo"
    stored = json.loads((metrics_dir / "plot_99_demo.json").read_text())["metrics"]
    assert stored == [
        {
            "example": "plot_99_demo",
            "name": "demo.accuracy",
            "value": 0.98765,
            "reference": 0.99,
            "source": "an article",
        }
    ]


def test_same_name_replaced_other_names_merged(metrics_dir):
    metrics.record("a", 1.0)
    metrics.record("b", 2.0)
    metrics.record("a", 3.0)
    got = {m.name: m.value for m in metrics.collect(metrics_dir)}
    assert got == {"a": 3.0, "b": 2.0}


def test_new_run_of_example_forgets_old_numbers(metrics_dir):
    metrics.record("old", 1.0)
    metrics.set_current_example("plot_99_demo")  # the example runs again
    metrics.record("new", 2.0)
    assert [m.name for m in metrics.collect(metrics_dir)] == ["new"]


def test_collect_merges_examples_and_skips_garbage(metrics_dir):
    metrics.record("x", 0.5)
    metrics.set_current_example("plot_01_other")
    metrics.record("y", 0.25, reference=0.3)
    (metrics_dir / "broken.json").write_text("{not json")
    rows = metrics.collect(metrics_dir)
    assert [(m.example, m.name, m.value) for m in rows] == [
        ("plot_01_other", "y", 0.25),
        ("plot_99_demo", "x", 0.5),
    ]


def test_not_finite_is_refused(metrics_dir):
    with pytest.raises(ValueError, match="not a finite number"):
        metrics.record("nan", float("nan"))


def test_build_writes_metrics_json(metrics_dir, tmp_path):
    metrics.record("demo.accuracy", 0.9, reference=0.92, source="ml4a")
    out = tmp_path / "html"
    out.mkdir()
    app = SimpleNamespace(
        builder=SimpleNamespace(format="html"),
        config=SimpleNamespace(explainer_metrics_dir=str(metrics_dir)),
        outdir=str(out),
    )
    metrics_table._write_metrics_json(app, None)
    data = json.loads((out / "metrics.json").read_text())
    assert set(data) == {"metrics"}
    (row,) = data["metrics"]
    assert row["name"] == "demo.accuracy" and row["value"] == 0.9
    assert set(row) == {"example", "name", "value", "reference", "source"}


def test_table_formats_accuracies_as_percent_and_ratios_as_numbers():
    assert metrics_table._fmt(0.9255, "mnist_softmax.test_accuracy") == "92.55\u00a0%"
    assert metrics_table._fmt(0.987, "checkdata.l1.share_below_1e-3") == "98.70\u00a0%"
    assert metrics_table._fmt(0.16, "checkdata.l1.mean_noise") == "0.16"
    assert metrics_table._fmt(376.0, "checkdata.l1.informative_to_noise") == "376"
    assert metrics_table._fmt(None, "x") == "—"


def test_difference_is_in_percentage_points_for_percentages():
    assert (
        metrics_table._fmt_difference(0.7035, 0.75, "cifar10_quick.test_accuracy")
        == "−4.65\u00a0pp"
    )
    assert metrics_table._fmt_difference(2.0, 5.0, "checkdata.l1.surviving_units") == "−3"
    assert metrics_table._fmt_difference(0.5, None, "x.accuracy") == "—"


def test_reproducibility_groups_by_chapter_in_book_order_with_sources_once(tmp_path):
    gallery = tmp_path / "gallery"
    for section, stem, title in [
        ("images", "plot_01_first", "A first look: digits"),
        ("images", "plot_02_second", "Templates: weights"),
        ("dense", "plot_01_bending", "Bending space: tanh"),
    ]:
        (gallery / section).mkdir(parents=True, exist_ok=True)
        underline = "=" * len(title)
        (gallery / section / f"{stem}.py").write_text(f'"""\n{title}\n{underline}\n"""\n')
    chapters = metrics_table.book_chapters(gallery, ["images", "dense"], "auto_examples")
    assert [c.title for c in chapters] == [
        "A first look: digits",
        "Templates: weights",
        "Bending space: tanh",
    ]
    assert chapters[2].docname == "auto_examples/dense/plot_01_bending"
    M = metrics.Metric
    recorded = [
        M("plot_01_bending", "b.accuracy", 0.9, 1.0, "Yasui"),
        M("plot_01_bending", "a.accuracy", 0.8, 0.9, "Yasui"),
        M("plot_01_first", "x.accuracy", 0.92, 0.92, "ml4a, https://ml4a.example/"),
        M("plot_01_first", "y.count", 3.0, None, None),
        M("plot_77_gone", "z.accuracy", 0.5, None, None),
    ]
    groups = metrics_table.group_by_chapter(recorded, chapters)
    assert [g.chapter.stem if g.chapter else None for g in groups] == [
        "plot_01_first",
        "plot_01_bending",
        None,
    ]
    bending = groups[1]
    assert [(m.name, n) for m, n in bending.rows] == [("b.accuracy", 1), ("a.accuracy", 1)]
    assert bending.sources == ["Yasui"]  # one citation for the chapter
    assert [(m.name, n) for m, n in groups[0].rows] == [("x.accuracy", 1), ("y.count", 0)]


def test_record_keeps_the_order_and_the_references_address(metrics_dir):
    from explainer import references

    metrics.record("b.accuracy", 0.97, reference=references.KNN_MNIST_PIXELS)
    metrics.record("a.accuracy", 0.5)
    rows = metrics.collect(metrics_dir, order="recorded")
    assert [m.name for m in rows] == ["b.accuracy", "a.accuracy"]
    assert rows[0].source.endswith(", http://yann.lecun.com/exdb/mnist/")
    assert [m.name for m in metrics.collect(metrics_dir)] == ["a.accuracy", "b.accuracy"]
