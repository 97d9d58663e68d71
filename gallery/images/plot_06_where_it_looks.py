"""
Where the network looks: attribution maps you can check
=======================================================

The chapters so far showed what the weights and the feature maps of a network *are*. A reader
with one decision in front of them asks something else: *which pixels made the network say
"8"?* An attribution map answers with one number per pixel. There are many recipes for it, and
they disagree. This chapter computes six well-known ones on the book's two trained networks
(the MNIST CNN of the Filters chapter and cifar10_quick), and then does what the pictures
alone cannot: it *measures* how faithful each one is to the network, by deleting and by
inserting the pixels a map calls important, and by checking whether the map changes at all
when the network's weights are replaced by random ones. Every measurement is also made for
three maps that do not look at the network at all, the *controls*: a method that cannot beat
them has not shown that it reads the network.

The methods follow their papers: gradient saliency (Simonyan, Vedaldi & Zisserman 2014),
SmoothGrad (Smilkov et al. 2017), integrated gradients (Sundararajan, Taly & Yan 2017),
Grad-CAM (Selvaraju et al. 2017), HiResCAM (Draelos & Carin 2020) and occlusion (Zeiler &
Fergus 2014); the tests are the deletion and insertion curves of Petsiuk, Das & Saenko (2018)
and the sanity check of Adebayo et al. (2018).
"""

# %%
# The two networks
# ----------------
# No training here: both networks come from the model cache, trained exactly as in the Filters
# chapter and in "A deeper network". Their test accuracies are printed below.

import contextlib
import io

import numpy as np

from explainer import attribution, datasets, faithfulness, metrics, models, plot, probe, training
from explainer.plot.text import percent

mnist = datasets.load_mnist()
cifar = datasets.load_cifar10()
nets = {
    "mnist_cnn": (mnist, training.train(models.mnist_cnn(), mnist.x_train, mnist.y_train).model),
    "cifar10_quick": (
        cifar,
        training.train(models.cifar10_quick(), cifar.x_train, cifar.y_train).model,
    ),
}
preds = {name: probe.predict(model, data.x_test) for name, (data, model) in nets.items()}
for name, (data, _) in nets.items():
    print(f"{name}: test accuracy {preds[name].accuracy(data.y_test):.1%}")

# %%
# Six ways to ask "which pixels?", and three maps that do not ask
# ---------------------------------------------------------------
# Every method below explains the score of one class for one image. We take the class's score
# *before* the softmax (its logit): the softmax couples the classes, so the gradient of a
# probability near 1 all but vanishes however the pixels got it there, and the gradient of any
# probability mixes in every other class's score.
#
# - **Gradients** (Simonyan et al.): how much a tiny change of each pixel would move the
#   score, ``|∂ score / ∂ pixel|`` (the largest over the colour channels). A local
#   sensitivity: it says nothing about whether the pixel's actual value helped.
# - **SmoothGrad** (Smilkov et al.): the same gradient averaged over noisy copies of the
#   image, which removes much of its pixel-to-pixel jitter.
# - **Integrated gradients** (Sundararajan et al.): the gradient averaged along the straight
#   path from a *baseline* image to the image, times the pixel's difference from the
#   baseline. It is signed, and it adds up: the map's sum is the score of the image minus the
#   score of the baseline. It also depends on that baseline: a pixel equal to the baseline
#   gets no credit whatever the network makes of it, so on a black baseline the black
#   background of a digit is zero by construction, not by measurement.
# - **Grad-CAM** (Selvaraju et al.): the feature maps of the last layer that still has a
#   spatial layout, each weighted by the gradient of the score with respect to it *averaged
#   over the positions*, summed, with negative values cut off. As coarse as that layer
#   (12 × 12 for the MNIST CNN, 4 × 4 for cifar10_quick).
# - **HiResCAM** (Draelos & Carin): the same feature maps times their gradient *at each
#   position*, summed over the maps, signed. Averaging the gradient over positions, as
#   Grad-CAM does, is exact when the network pools its last maps globally (a "global average
#   pooling" head, the CAM networks Grad-CAM generalises). Both of our networks instead
#   flatten the maps into a dense layer, which gives every position its own weights; the
#   average then mixes what one position contributed with what the others did. HiResCAM
#   keeps them apart: with a flatten-and-dense head its cells add up to the class score.
# - **Occlusion** (Zeiler & Fergus): cover a small square of the image with the baseline and
#   see how much the score drops, square by square. No gradients at all, one forward pass per
#   position: slow, but it measures the network's actual response.
#
# Both CAMs place each cell of the coarse layer at the centre of the patch of pixels it sees
# (its receptive field, the subject of the next chapter) before smoothing it up to the image's
# size: the MNIST CNN's unpadded convolution makes its cells see the middle of the image more
# than the border, so a plain resize would shift the map towards the corners.
#
# The three **controls** read no network: the **image** itself (its brightness), its **edges**
# (the Sobel gradient magnitude, an edge detector) and a **random** order. On the digits the
# image is a strong guess at "what matters", since only the ink carries anything; Adebayo et
# al. showed that several saliency maps look much like the edge map.
#
# The baseline stands for "no information": black for the digits (their background), and for
# the photos the mean colour of the training photos, which the network's first layer turns
# into all zeros. Signed maps (integrated gradients, HiResCAM, occlusion) are drawn red where
# a pixel speaks *for* the class and blue where it speaks against it; unsigned ones in yellow
# to red. Each map has its own scale. The options of each method are printed below.

baselines = {"mnist_cnn": 0.0, "cifar10_quick": cifar.x_train.mean(axis=(0, 1, 2))}
options = {
    "mnist_cnn": {
        "occlusion": {"patch": 4, "stride": 3, "baseline": baselines["mnist_cnn"]},
        "smoothgrad": {"samples": 16, "noise": 0.15, "seed": 0},
        "integrated_gradients": {"steps": 16, "baseline": baselines["mnist_cnn"]},
    },
    "cifar10_quick": {
        "occlusion": {"patch": 8, "stride": 6, "baseline": baselines["cifar10_quick"]},
        "smoothgrad": {"samples": 8, "noise": 0.15, "seed": 0},
        "integrated_gradients": {"steps": 32, "baseline": baselines["cifar10_quick"]},
    },
}
METHODS, CONTROLS = attribution.METHODS, attribution.CONTROLS
ALL = (*METHODS, *CONTROLS)
for name, opts in options.items():
    for method, o in opts.items():
        sizes = ", ".join(f"{k}={v}" for k, v in o.items() if k != "baseline")
        print(f"{name:>13s}  {attribution.REGISTRY[method].label:21s} {sizes}")
cam_sizes = {}
for name, (_, model) in nets.items():
    layer = attribution.last_spatial_layer(model)[-1]
    cam_sizes[name] = tuple(model.get_layer(layer).output.shape[1:3])
    print(f"{name}: the CAMs read layer {layer!r}, {cam_sizes[name][0]} × {cam_sizes[name][1]}")
assert cam_sizes == {"mnist_cnn": (12, 12), "cifar10_quick": (4, 4)}


def maps_of(
    name: str, x: np.ndarray, targets: np.ndarray | None = None, names: tuple = METHODS
) -> dict:
    """The maps of ``x`` on network ``name``, for the methods (and controls) in ``names``."""
    model = nets[name][1]
    return attribution.compute_maps(model, x, targets, methods=names, options=options[name])


def label(name: str, k: int) -> str:
    """How class ``k`` of network ``name`` is called: a digit or a CIFAR-10 class name."""
    data = nets[name][0]
    return str(k) if name == "mnist_cnn" else data.class_names[k]


# %%
# Correctly classified images
# ---------------------------
# Six test images per network that the network gets right, the first of six different
# classes, each with the maps of its (true and predicted) class, and below them the three
# controls.

# sphinx_gallery_multi_image_block = "single"
rng = np.random.default_rng(0)
shown, correct_maps = {}, {}
for name, (data, _) in nets.items():
    right = np.flatnonzero(preds[name].labels == data.y_test)
    picks: list[int] = []
    for i in right:
        if data.y_test[i] not in {data.y_test[j] for j in picks}:
            picks.append(int(i))
        if len(picks) == 6:
            break
    shown[name] = picks
    correct_maps[name] = maps_of(name, data.x_test[picks], names=ALL)
    plot.attribution_grid(
        data.x_test[picks],
        correct_maps[name],
        titles=[f"#{i}: {label(name, data.y_test[i])}" for i in picks],
        suptitle=f"{name}: six attribution maps and three controls of six correctly "
        "classified test images",
    )

# %%
# On the digits the methods agree on little beyond "somewhere on the stroke". Integrated
# gradients is zero on the black background by construction (a black pixel does not differ
# from the black baseline). Occlusion is not: a square that covers background next to the
# stroke also covers some of the stroke, so part of the background gets that square's drop
# (the share of background pixels with a non-zero occlusion value is printed below). Both
# mark a few places on the stroke where the digit is decided, with blue where ink argues for
# another digit. The gradient maps light up the background too, more than half as strongly
# as the digit: the network *would* react if ink appeared there (the ratio printed below
# compares their mean on the background with their mean on the ink). Grad-CAM marks broad
# bands of the digit, and for some images nothing at all, when the evidence at that layer is
# all negative; HiResCAM, at the same layer, is sharper and signed. The image control is the
# digit itself, and the edge control its outline, which the gradient maps resemble.
#
# On the photos the pixel-level maps look like noise scattered over the object and the
# background alike, and the CAMs' few coarse blobs are hard to read. Pictures alone do not
# say which of these is right; the tests below do.

digits = mnist.x_test[shown["mnist_cnn"]][..., 0]
ink = digits > 0
m = correct_maps["mnist_cnn"]
assert np.all(m["integrated_gradients"][~ink] == 0)
background = float(np.mean(m["occlusion"][~ink] != 0))
print(f"share of background pixels where occlusion is not zero: {background:.0%}")
assert background > 0.1
ratio = m["gradients"][~ink].mean() / m["gradients"][ink].mean()
print(f"mean gradient saliency on the background / on the ink: {ratio:.2f}")
assert ratio > 0.5
assert any(cam.max() == 0 for cam in m["grad_cam"])

# %%
# The most confident mistakes
# ---------------------------
# The Filters chapter looked at the digits the MNIST CNN gets wrong most confidently. Here are
# the three most confident mistakes of each network, each twice: the maps for the class the
# network *predicted* (red title), then for the *true* class (dark blue title). Where does the
# evidence for the wrong answer sit, and what does the true class find?

# sphinx_gallery_multi_image_block = "single"
agreement: dict[str, list[float]] = {}
for name, (data, _) in nets.items():
    wrong = probe.most_confident_mistakes(data.y_test, preds[name].proba, 3)
    x = np.repeat(data.x_test[wrong], 2, axis=0)
    guess, true = preds[name].labels[wrong], data.y_test[wrong]
    targets = np.stack([guess, true], axis=1).ravel()
    titles = []
    for i, g, t in zip(wrong, guess, true, strict=True):
        p = preds[name].proba[i]
        titles += [f"#{i}\n{label(name, k)}\np = {percent(p[k])}" for k in (g, t)]
    mistake_maps = maps_of(name, x, targets)
    plot.attribution_grid(
        x,
        mistake_maps,
        titles=titles,
        title_colors=[plot.PRED_LABEL_COLOR, plot.TRUE_LABEL_COLOR] * 3,
        suptitle=f"{name}: its three most confident mistakes, maps for the predicted and the "
        "true class",
    )
    ig = mistake_maps["integrated_gradients"]
    agreement[name] = [
        float(np.corrcoef(a.ravel(), b.ravel())[0, 1])
        for a, b in zip(ig[0::2], ig[1::2], strict=True)
    ]
    for i, g, t, r in zip(wrong, guess, true, agreement[name], strict=True):
        print(
            f"{name} #{i}: true {label(name, t)}, predicted {label(name, g)}; integrated "
            f"gradients for the two classes correlate at {r:+.2f}"
        )

# %%
# For a mistake the two columns of one image are two different questions about the same
# pixels. On the digits the signed maps show it best: strokes that are red for the wrong class
# are often white or blue for the true one, and the correlations printed above between the two
# integrated-gradients maps of each digit are close to zero or negative. On the photos the two
# maps are more alike (positive correlations): much of the same texture counts for both
# classes, and the map cannot say what tipped the balance. Where a map does point at the part
# of the image that decided, it still does not say *why* those pixels look like the other
# class to the network; the Filters chapter's feature maps come closer to that.

assert max(agreement["mnist_cnn"]) < 0.1
assert min(agreement["cifar10_quick"]) > 0

# %%
# Deletion and insertion, on two canvases
# ---------------------------------------
# A map is *faithful* if the pixels it ranks highest are the ones the network needs. The
# deletion test (Petsiuk et al.) takes that literally: replace the pixels in the map's order,
# most important first, an eighth of the image per step, and follow the probability of the
# class the network predicted on the intact image. A faithful map makes the curve fall fast,
# so the *area under the curve* is small. The insertion test runs the other way: start from
# an image with nothing in it and put the pixels back in the map's order; a faithful map makes
# the probability rise fast, so its area is *large*. Signed maps are ranked by their signed
# value, the evidence *for* the class first.
#
# Where do deleted pixels go, and where do inserted ones come from? Each test runs on two
# *canvases*: the **baseline** (black for the digits, the mean colour for the photos) and a
# **blurred** copy of the image. Neither is innocent. An image with squares of it set to black
# or smeared is not an image the network was trained on; the probability can fall because
# the input has left the data the network knows, not because the pixels that carried the
# evidence are gone (the *off-manifold* problem, which Hooker et al. 2019 address by
# retraining, too costly here). The two canvases leave the data in different ways, so a
# conclusion that holds on both is worth more than one that holds on one. The black canvas
# also favours the methods that use the same black baseline (integrated gradients,
# occlusion) and the image control, which all rank the ink first.
#
# We run both tests on a seeded random sample of test images (300 digits, 48 photos: the
# photo network is much slower, and these areas differ between methods far more than
# between samples), for the six methods and the three controls.

sample_sizes = {"mnist_cnn": 300, "cifar10_quick": 48}
KINDS = ("deletion", "insertion")
tests: dict[str, dict[tuple[str, str], dict]] = {}
completeness = {}
for name, (data, model) in nets.items():
    sample = np.sort(rng.choice(len(data.x_test), sample_sizes[name], replace=False))
    x = data.x_test[sample]
    maps = maps_of(name, x, names=ALL)
    tests[name] = {
        (kind, canvas): faithfulness.curves(
            model, x, maps, kind=kind, canvas=canvas, baseline=baselines[name], steps=8
        )
        for kind in KINDS
        for canvas in faithfulness.CANVASES
    }
    completeness[name] = attribution.completeness_error(
        model, x, maps["integrated_gradients"], baseline=baselines[name]
    )
    with contextlib.redirect_stdout(io.StringIO()):  # recorded here, printed as a table below
        for (kind, canvas), curves in tests[name].items():
            for method, c in curves.items():
                metrics.record(f"where.{name}.{kind}_auc.{canvas}.{method}", c.auc)

# sphinx_gallery_multi_image_block = "single"
for name in nets:
    plot.deletion_figure(
        {f"{kind}, {canvas} canvas": tests[name][kind, canvas] for kind, canvas in tests[name]},
        ncols=2,
        suptitle=f"{name}: deletion (lower is better) and insertion (higher is better), "
        f"{sample_sizes[name]} test images",
    )

aucs = {
    n: {key: {m: c.auc for m, c in curves.items()} for key, curves in t.items()}
    for n, t in tests.items()
}
beat = {
    n: {key: faithfulness.beats_controls(a, key[0]) for key, a in per.items()}
    for n, per in aucs.items()
}
for name in nets:
    columns = list(tests[name])
    print(f"\n{name}: area under the curve (* beats all three controls)")
    print(f"{'':24s}" + "".join(f"{k[:3]}., {c:8s}  " for k, c in columns))
    for method in ALL:
        cells = "".join(
            f"{aucs[name][key][method]:8.3f}{'*' if method in beat[name][key] else ' '}    "
            for key in columns
        )
        print(f"{attribution.REGISTRY[method].label:24s}{cells}")

# %%
# The table and the curves say, per canvas:
#
# - **Integrated gradients beats every control** in all eight tests (two networks, two tests,
#   two canvases). **Occlusion** does too. These two are the methods the report on your own
#   model shows.
# - **On the digits with the black canvas, the image itself is the control to beat.**
#   Deleting the brightest pixels first, which needs no network at all, empties the digit
#   faster than the gradient maps, SmoothGrad or Grad-CAM do. Only integrated gradients,
#   occlusion and HiResCAM delete better than the image, and only integrated gradients and
#   occlusion insert better, by a small margin.
# - **On the blurred canvas the order changes.** The blur keeps a smudge of the digit, so
#   deleting the ink no longer removes everything, and the image control loses much of its
#   advantage: the gradient maps and SmoothGrad now beat every control in deletion, HiResCAM
#   does best, and occlusion, whose black squares matched the black canvas so well, is left
#   only just ahead of the image. A ranking of methods is a ranking *on a canvas*.
# - **On the photos the controls are weak**: the brightest pixels are not what tells a cat
#   from a dog, and deleting them first does worse than a random order, on both canvases.
#   Integrated gradients deletes best on both canvases, and in insertion it and occlusion
#   lead. The gradient maps and SmoothGrad beat the controls in deletion; the two CAMs, with
#   their 4 × 4 cells, delete worse than every other method.
# - **Grad-CAM loses to HiResCAM at the same layer** on the digits, by a wide margin on both
#   canvases. The cause is not the coarse layer, which both read, but Grad-CAM's averaging of
#   the gradient over positions: with a flatten-and-dense head each position has its own
#   weights, and the average throws that away. On the photos' 4 × 4 layer the two are close:
#   sixteen cells leave little for either to place.

both = [(n, key) for n in aucs for key in aucs[n]]
assert all("integrated_gradients" in beat[n][key] for n, key in both)
assert all(set(attribution.REPORT_METHODS) <= set(beat[n][key]) for n, key in both)
black = {k: aucs["mnist_cnn"][k, "baseline"] for k in KINDS}
assert black["deletion"]["image"] == min(black["deletion"][c] for c in CONTROLS)
assert set(beat["mnist_cnn"]["deletion", "baseline"]) == {
    "integrated_gradients",
    "occlusion",
    "hires_cam",
}
assert set(beat["mnist_cnn"]["insertion", "baseline"]) == {"integrated_gradients", "occlusion"}
blur = aucs["mnist_cnn"]["deletion", "blur"]
assert {"gradients", "smoothgrad"} <= set(beat["mnist_cnn"]["deletion", "blur"])
assert min(blur, key=blur.get) == "hires_cam"
assert 0 < blur["image"] - blur["occlusion"] < 0.05
assert black["deletion"]["image"] - black["deletion"]["occlusion"] > 0.02
photo = aucs["cifar10_quick"]
for canvas in faithfulness.CANVASES:
    d, i = photo["deletion", canvas], photo["insertion", canvas]
    assert d["image"] > d["random"]
    assert min(METHODS, key=d.get) == "integrated_gradients"
    assert "integrated_gradients" in sorted(METHODS, key=i.get)[-2:]
    assert set(sorted(METHODS, key=d.get)[-2:]) == {"grad_cam", "hires_cam"}
    assert {"gradients", "smoothgrad"} <= set(beat["cifar10_quick"]["deletion", canvas])
    digit = aucs["mnist_cnn"]["deletion", canvas]
    assert digit["hires_cam"] < digit["grad_cam"] - 0.2
    assert abs(d["hires_cam"] - d["grad_cam"]) < 0.1

# %%
# Completeness of integrated gradients
# ------------------------------------
# Integrated gradients promises that an image's attributions add up to the score of the image
# minus that of the baseline. The integral along the path is computed numerically, with
# Gauss–Legendre quadrature (as Captum does; its nodes avoid the two ends of the path, where a
# ReLU network's gradient is least typical), so the sum is only approximately right. The mean
# relative error over the images of each network is printed below; Sundararajan et al.
# suggest keeping it within five in a hundred, and it is.

for name, err in completeness.items():
    metrics.record(f"where.{name}.ig_completeness_error", float(err.mean()))
    assert err.mean() <= 0.05

# %%
# The sanity check
# ----------------
# Adebayo et al. asked a blunt question: if we destroy what the network has learnt, does the
# map change? We re-initialise the weights layer by layer from the top (the output layer
# first, then the one below, down to the first convolution), each layer with its own
# initializers and a fixed seed, on a copy of the network, and after each step recompute the
# maps for the same classes (on a few correctly classified test images, to keep the build
# short). Three similarities with the trained network's maps, each 1 if nothing changed:
#
# - the rank correlation (Spearman) of the magnitudes on the **support**, the pixels where
#   either map is non-zero. On all pixels, two maps that are both zero on the same black
#   background "agree" there, whatever they say about the digit: on the digits most of an
#   integrated-gradients map is such shared zeros, and that agreement says where the ink is,
#   not what the network learnt;
# - the rank correlation of the **signed** maps on all pixels (for an unsigned map the same as
#   of its magnitudes);
# - the **structural similarity** (SSIM) of the maps, each scaled to its largest magnitude.
#
# The edge control is the reference: it never looks at the weights, so it stays at 1
# whatever is randomised, which is what a method that fails the check looks like. The
# figure shows the support correlation; below it, one photo's maps through the cascade.

checks = {}
sanity_images = {"mnist_cnn": 12, "cifar10_quick": 6}
for name, (data, model) in nets.items():
    right = [
        int(i) for i in np.flatnonzero(preds[name].labels == data.y_test) if i not in shown[name]
    ]
    picks = (shown[name] + right)[: sanity_images[name]]
    print(f"{name}: {len(picks)} correctly classified test images")
    checks[name] = faithfulness.cascading_randomization(
        model, data.x_test[picks], methods=(*METHODS, "edges"), options=options[name], seed=0
    )
    with contextlib.redirect_stdout(io.StringIO()):  # printed as a table below
        for similarity in faithfulness.SIMILARITIES:
            for m, value in checks[name].final(similarity).items():
                metrics.record(f"where.{name}.sanity.{m}.{similarity}", value)

plot.sanity_figure(
    checks,
    image=cifar.x_test[shown["cifar10_quick"][0]],
    example="cifar10_quick",
    suptitle="Sanity check: how much each method's maps change as the weights are randomised",
)
final = {n: {s: c.final(s) for s in faithfulness.SIMILARITIES} for n, c in checks.items()}
for name in nets:
    print(f"\n{name}, every layer random: similarity with the trained maps")
    print(f"{'':24s}{'support ρ':>12s}{'signed ρ':>12s}{'SSIM':>12s}")
    for m in (*METHODS, "edges"):
        row = "".join(f"{final[name][s][m]:12.2f}" for s in faithfulness.SIMILARITIES)
        print(f"{attribution.REGISTRY[m].label:24s}{row}")

# %%
# Every method moves away from the edge control's flat line at 1, on both networks, so none
# of them simply draws the image's edges. How far they move differs by measure:
#
# - **Signed, integrated gradients and occlusion pass clearly**: once the network is random,
#   the sign pattern of their maps (which pixels speak for the class, which against it) is
#   unrelated to the trained one, on both networks. So does HiResCAM on the digits.
# - **Their magnitudes keep some resemblance on the digits** (support correlation and SSIM
#   well above zero, well below the edges' 1): both multiply by how far a pixel is from the
#   black baseline, so bright ink keeps large values under any weights. An older version of
#   this chapter measured the correlation on all pixels and concluded that these two methods
#   failed the check; that was the shared black background talking.
# - **HiResCAM's magnitude on the digits barely changes**: its cells are the first layer's
#   activations times a gradient, and a random first layer still responds to the ink where
#   the ink is. Its sign, which carries the class evidence, does change.
# - **The gradient maps keep a modest resemblance on the photos, signed too**: part of their
#   pattern is the photo's own edges and texture, which even a random network passes on.
#
# Passing the check is necessary, not sufficient: a random map passes it perfectly. It says
# the map depends on the weights, and the deletion and insertion tests say whether it
# depends on them in a way that finds the pixels the network uses.

assert all(final[n]["spearman_support"]["edges"] == 1 for n in final)
for name in final:
    for s in faithfulness.SIMILARITIES:
        assert max(final[name][s][m] for m in METHODS) < 0.9, (name, s)
for name in final:
    for m in ("integrated_gradients", "occlusion"):
        assert abs(final[name]["spearman_signed"][m]) < 0.15, (name, m)
assert abs(final["mnist_cnn"]["spearman_signed"]["hires_cam"]) < 0.15
for m in ("integrated_gradients", "occlusion"):
    assert 0.2 < final["mnist_cnn"]["spearman_support"][m] < 0.7
    assert 0.2 < final["mnist_cnn"]["ssim"][m] < 0.8
assert final["mnist_cnn"]["spearman_support"]["hires_cam"] > 0.6
assert all(final["cifar10_quick"]["spearman_signed"][m] > 0.1 for m in ("gradients", "smoothgrad"))

# %%
# What the maps can and cannot tell
# ---------------------------------
# - They **can** tell which pixels a decision depends on, and the deletion and insertion tests
#   say which methods do that better than maps that ignore the network: here integrated
#   gradients and occlusion, on both networks and both canvases; not the popular gradient
#   maps or Grad-CAM, which on the digits lose to the image itself.
# - They **can** show where the evidence for a wrong answer sits, and how the same pixels
#   read for the true class.
# - They **cannot** say *why* those pixels matter, what pattern the network sees in them.
# - They **cannot** vouch for themselves: a map that looks plausible may show the image (the
#   controls) or the method's own assumptions (the baseline, Grad-CAM's pooling). A map is a
#   measurement with an error bar, and this chapter has measured some of its sources.
# - Faithfulness tests are measurements too: they push the network off its data, and their
#   verdicts depend on the canvas and the controls. Measure on your own model, with controls,
#   before trusting one method.

# %%
# Try it: occlusion by hand
# -------------------------
# The CIFAR-10 network runs in this page, in your browser (exported by
# :func:`explainer.live.occlude`; nothing is sent anywhere). To keep the page small its
# weights are stored as 8-bit integers with one scale per unit, so its probabilities differ a
# little from those of the network above (``bench/live_bench.py`` measures by how much). Pick a
# test photo and drag the grey square over it (or focus the photo and use the arrow keys; Shift
# moves faster): the probabilities on the right follow the square. Beside the photo is the
# occlusion map the page computes for the class the network gives the whole photo: red where
# covering the photo lowers that probability. The square is filled with the training set's
# mean colour, the baseline used above.

from explainer import live

photos = [int(np.flatnonzero(cifar.y_test == c)[0]) for c in (3, 5, 1, 8, 2, 7)]
live.occlude(
    nets["cifar10_quick"][1],
    cifar.x_test[photos],
    cifar.y_test[photos],
    class_names=list(cifar.class_names),
    fill=cifar.x_train.mean(axis=(0, 1, 2)),
    dtype="int8",
    label="cifar10_quick, live: drag a grey square over a test photo",
)
