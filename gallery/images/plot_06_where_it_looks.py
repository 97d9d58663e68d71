"""
Where the network looks: attribution maps you can check
=======================================================

The chapters so far showed what the weights and the feature maps of a network *are*. A reader
with one decision in front of them asks something else: *which pixels made the network say
"8"?* An attribution map answers with one number per pixel. There are many recipes for it, and
they disagree. This chapter computes the five best known ones on the book's two trained
networks (the MNIST CNN of the Filters chapter and cifar10_quick), and then does what the
pictures alone cannot: it *measures* how faithful each one is to the network, by deleting the
pixels a map calls important, and by checking whether the map changes at all when the
network's weights are replaced by random ones.

The methods follow their papers: gradient saliency (Simonyan, Vedaldi & Zisserman 2014),
SmoothGrad (Smilkov et al. 2017), integrated gradients (Sundararajan, Taly & Yan 2017),
Grad-CAM (Selvaraju et al. 2017) and occlusion (Zeiler & Fergus 2014); the tests are the
deletion curve of Petsiuk, Das & Saenko (2018) and the sanity check of Adebayo et al. (2018).
"""

# %%
# The two networks
# ----------------
# No training here: both networks come from the model cache, trained exactly as in the Filters
# chapter and in "A deeper network". Their test accuracies are printed below.

import numpy as np

from explainer import attribution, datasets, metrics, models, plot, probe, training

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
# Five ways to ask "which pixels?"
# --------------------------------
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
#   score of the baseline.
# - **Grad-CAM** (Selvaraju et al.): the feature maps of the last layer that still has a
#   spatial layout, each weighted by the mean gradient of the score with respect to it,
#   summed, with negative values cut off and scaled up to the image's size. As coarse as that
#   layer (12 × 12 for the MNIST CNN, 4 × 4 for cifar10_quick), but it looks at what the
#   network has built rather than at single pixels.
# - **Occlusion** (Zeiler & Fergus): cover a small square of the image with the baseline and
#   see how much the score drops, square by square. No gradients at all, one forward pass per
#   position: slow, but it measures the network's actual response.
#
# The baseline stands for "no information": black for the digits (their background), and for
# the photos the mean colour of the training photos, which the network's first layer turns
# into all zeros. Signed maps (integrated gradients, occlusion) are drawn red where a pixel
# speaks *for* the class and blue where it speaks against it; unsigned ones in yellow to red.
# Each map has its own scale.

baselines = {"mnist_cnn": 0.0, "cifar10_quick": cifar.x_train.mean(axis=(0, 1, 2))}
options = {
    "mnist_cnn": {
        "occlusion": {"patch": 4, "stride": 3, "baseline": baselines["mnist_cnn"]},
        "smoothgrad": {"samples": 16, "noise": 0.15, "seed": 0},
        "integrated_gradients": {"steps": 32, "baseline": baselines["mnist_cnn"]},
    },
    "cifar10_quick": {
        "occlusion": {"patch": 8, "stride": 6, "baseline": baselines["cifar10_quick"]},
        "smoothgrad": {"samples": 8, "noise": 0.15, "seed": 0},
        "integrated_gradients": {"steps": 16, "baseline": baselines["cifar10_quick"]},
    },
}
for name, opts in options.items():
    for method, o in opts.items():
        sizes = ", ".join(f"{k}={v}" for k, v in o.items() if k != "baseline")
        print(f"{name:>13s}  {method:21s} {sizes}")
cam_sizes = {}
for name, (_, model) in nets.items():
    layer = attribution.last_spatial_layer(model)[-1]
    cam_sizes[name] = tuple(model.get_layer(layer).output.shape[1:3])
    print(f"{name}: Grad-CAM reads layer {layer!r}, {cam_sizes[name][0]} × {cam_sizes[name][1]}")
assert cam_sizes == {"mnist_cnn": (12, 12), "cifar10_quick": (4, 4)}


def maps_of(name: str, x: np.ndarray, targets: np.ndarray | None = None) -> dict:
    """All five methods' maps of ``x`` on network ``name``."""
    model = nets[name][1]
    return attribution.compute_maps(
        model, x, targets, methods=attribution.METHODS, options=options[name]
    )


def label(name: str, k: int) -> str:
    """How class ``k`` of network ``name`` is called: a digit or a CIFAR-10 class name."""
    data = nets[name][0]
    return str(k) if name == "mnist_cnn" else data.class_names[k]


# %%
# Correctly classified images
# ---------------------------
# Six test images per network that the network gets right, the first of six different
# classes, each with the maps of its (true and predicted) class.

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
    correct_maps[name] = maps_of(name, data.x_test[picks])
    plot.attribution_grid(
        data.x_test[picks],
        correct_maps[name],
        titles=[f"#{i}: {label(name, data.y_test[i])}" for i in picks],
        suptitle=f"{name}: five attribution maps of six correctly classified test images",
    )

# %%
# On the digits the methods agree on little beyond "somewhere on the stroke". Integrated
# gradients and occlusion are zero on the black background by construction (a black pixel
# does not differ from the black baseline, and covering black with black changes nothing),
# and both mark a few places on the stroke where the digit is decided, with blue where ink
# argues for another digit. The gradient maps light up the background too, more than half as
# strongly as the digit: the network *would* react if ink appeared there (the ratio printed
# below compares their mean on the background with their mean on the ink). Grad-CAM marks
# broad bands of the digit, and for some images nothing at all, when the evidence at that
# layer is all negative.
#
# On the photos the pixel-level maps look like noise scattered over the object and the
# background alike, and Grad-CAM's few coarse blobs are hard to read. Pictures alone do not
# say which of these is right; the tests below do.

digits = mnist.x_test[shown["mnist_cnn"]][..., 0]
ink = digits > 0
m = correct_maps["mnist_cnn"]
assert np.all(m["integrated_gradients"][~ink] == 0)
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
        titles += [f"#{i}\n{label(name, k)}\np = {p[k]:.2g}" for k in (g, t)]
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
# The deletion test
# -----------------
# A map is *faithful* if the pixels it ranks highest are the ones the network needs. The
# deletion test (Petsiuk et al.) takes that literally: delete the pixels in the map's order,
# most important first, by setting them to the baseline, an eighth of the image per step, and
# follow the probability of the class the network predicted on the intact image. A faithful map
# makes the curve fall fast, so the *area under the curve* is small; a random order of the
# pixels is the yardstick. We run it on 500 test images per network (a seeded random sample),
# with the signed maps ranked by their signed value (the evidence *for* the class first).
#
# One caution before the numbers: integrated gradients and occlusion use the same baseline as
# the deletion, so they are measured on their own terms; a blurred or noisy replacement
# instead of the baseline could rank the methods differently.

curves = {}
completeness = {}
for name, (data, model) in nets.items():
    sample = np.sort(rng.choice(len(data.x_test), 500, replace=False))
    x = data.x_test[sample]
    maps = maps_of(name, x)
    maps["random"] = attribution.random_maps(maps["gradients"].shape, seed=0)
    order = ("random", *attribution.METHODS)
    curves[name] = attribution.deletion_all(
        model, x, {m: maps[m] for m in order}, steps=8, baseline=baselines[name]
    )
    for m, c in curves[name].items():
        metrics.record(f"where.{name}.deletion_auc.{m}", c.auc)
    completeness[name] = attribution.completeness_error(
        model, x, maps["integrated_gradients"], baseline=baselines[name]
    )

plot.deletion_figure(
    curves,
    suptitle="Deletion test, 500 test images per network: most-attributed pixels deleted first",
)

print(f"{'area under the deletion curve':32s}" + "".join(f"{n:>15s}" for n in curves))
for m in ("random", *attribution.METHODS):
    row = "".join(f"{curves[n][m].auc:15.3f}" for n in curves)
    print(f"{plot.METHOD_LABELS[m]:32s}{row}")

# %%
# On both networks, integrated gradients and occlusion are the two most faithful methods by
# this test: their curves fall the fastest. The two gradient maps come next on the digits,
# far better than random, but on the photos they are only a little better than deleting
# pixels at random. Grad-CAM, whose map is as coarse as the layer it reads, is the
# least faithful here, and on the photos no better than the random order. These two are
# therefore the methods the report on your own model shows.

aucs = {n: {m: c.auc for m, c in curves[n].items()} for n in curves}
for name, a in aucs.items():
    best = min(attribution.METHODS, key=a.get)
    assert a[best] < 0.7 * a["random"], (name, best, a)  # clearly beats random
    two = sorted(attribution.METHODS, key=a.get)[:2]
    assert set(two) == set(attribution.REPORT_METHODS), (name, two)
    assert max(a["gradients"], a["smoothgrad"]) < a["random"], name
    assert a["grad_cam"] == max(a[m] for m in attribution.METHODS), name
assert (
    max(aucs["mnist_cnn"]["gradients"], aucs["mnist_cnn"]["smoothgrad"])
    < 0.6 * (aucs["mnist_cnn"]["random"])
)
assert (
    min(aucs["cifar10_quick"]["gradients"], aucs["cifar10_quick"]["smoothgrad"])
    > 0.75 * (aucs["cifar10_quick"]["random"])
)
assert aucs["cifar10_quick"]["grad_cam"] >= aucs["cifar10_quick"]["random"]

# %%
# Completeness of integrated gradients
# ------------------------------------
# Integrated gradients promises that an image's attributions add up to the score of the image
# minus that of the baseline. With a finite number of steps along the path the sum is only
# approximately right; the mean relative error over the 500 images of each network is
# printed below. It is small, so the maps above are close to an exact split of the score among
# the pixels.

for name, err in completeness.items():
    metrics.record(f"where.{name}.ig_completeness_error", float(err.mean()))
    assert err.mean() < 0.1

# %%
# The sanity check
# ----------------
# Adebayo et al. asked a blunt question: if we destroy what the network has learnt, does the
# map change? We re-initialise the weights layer by layer from the top (the output layer
# first, then the one below, down to the first convolution), each layer with its own
# initializers and a fixed seed, on a copy of the network, and after each step recompute the
# maps for the same classes (on the few correctly classified test images counted below, to
# keep the build short). The rank correlation (Spearman) between the trained network's
# map and the randomised one, on the magnitudes, is 1 if nothing changed and near 0 if the
# map is now unrelated. A method that passes this check falls towards 0; a method whose maps
# stay the same is drawing the image, not the network. Below the curves, one photo's maps
# through the cascade.

checks = {}
sanity_images = {"mnist_cnn": 32, "cifar10_quick": 16}
for name, (data, model) in nets.items():
    right = [
        int(i) for i in np.flatnonzero(preds[name].labels == data.y_test) if i not in shown[name]
    ]
    picks = (shown[name] + right)[: sanity_images[name]]
    print(f"{name}: {len(picks)} correctly classified test images")
    checks[name] = attribution.cascading_randomization(
        model, data.x_test[picks], options=options[name], seed=0
    )
    for m, value in checks[name].final.items():
        metrics.record(f"where.{name}.sanity_spearman.{m}", value)

plot.sanity_figure(
    checks,
    image=cifar.x_test[shown["cifar10_quick"][0]],
    example="cifar10_quick",
    suptitle="Sanity check: how much each method's maps change as the weights are randomised",
)

# %%
# On the photos occlusion and Grad-CAM pass the check: once all five layers are random, their
# maps are unrelated to the trained ones. Grad-CAM falls apart at the very first step: with a
# random output layer its map jumps to another place or vanishes. The gradient maps and
# integrated gradients change a lot too, but keep a weak resemblance to the trained maps,
# because part of their pattern is the photo's own edges and texture, which even a random
# network passes on.
#
# On the digits the check splits the methods cleanly. Gradients, SmoothGrad and Grad-CAM
# change a lot as soon as the output layer is random. Integrated gradients and occlusion
# hardly change at all: their maps are zero on the black background whatever the weights, so
# most of their ranking is fixed by where the ink is. The two methods that were the most
# faithful by deletion are the ones that fail this check most clearly on the digits. Both
# statements are true at once: these maps do find the pixels the network needs, and much of
# what they show would look the same for any network.

final = {n: c.final for n, c in checks.items()}
assert min(final["mnist_cnn"]["integrated_gradients"], final["mnist_cnn"]["occlusion"]) > 0.8
assert max(final["mnist_cnn"][m] for m in ("gradients", "smoothgrad", "grad_cam")) < 0.5
assert max(abs(final["cifar10_quick"][m]) for m in ("occlusion", "grad_cam")) < 0.15
assert all(
    0.1 < final["cifar10_quick"][m] < 0.5
    for m in ("gradients", "smoothgrad", "integrated_gradients")
)
assert checks["cifar10_quick"].spearman["grad_cam"][0] < 0.2
assert all(
    checks["mnist_cnn"].spearman[m][0] < 0.5 for m in ("gradients", "smoothgrad", "grad_cam")
)

# %%
# What the maps can and cannot tell
# ---------------------------------
# - They **can** tell which pixels a decision depends on, and the deletion test says which
#   methods do that well on a given network: here integrated gradients and occlusion, not the
#   popular gradient maps or Grad-CAM.
# - They **can** show where the evidence for a wrong answer sits, and how the same pixels
#   read for the true class.
# - They **cannot** say *why* those pixels matter, what pattern the network sees in them.
# - They **cannot** vouch for themselves: a map that looks plausible may mostly show the image
#   (the sanity check) or the method's own assumptions, here the baseline. A map is a
#   measurement with an error bar, and this chapter has measured two of its sources.
# - Methods disagree, and a different network, baseline or deletion rule may rank them
#   differently: measure on your own model before trusting one.

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

from explainer import datasets, live, models, training

cifar_live = datasets.load_cifar10()
quick = training.train(models.cifar10_quick(), cifar_live.x_train, cifar_live.y_train)
photos = [int(np.flatnonzero(cifar_live.y_test == c)[0]) for c in (3, 5, 1, 8, 2, 7)]
live.occlude(
    quick.model,
    cifar_live.x_test[photos],
    cifar_live.y_test[photos],
    class_names=list(cifar_live.class_names),
    fill=cifar_live.x_train.mean(axis=(0, 1, 2)),
    dtype="int8",
    label="cifar10_quick, live: drag a grey square over a test photo",
)
