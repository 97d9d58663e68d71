"""
Weights under pressure: L1, L2, dropout and the initial spread
==============================================================

Regularisation is usually explained with a formula: add λ·Σ|w| (L1) or λ·Σw² (L2) to the loss,
or switch off random units during training (dropout). This chapter *looks* at what each of
them does to a network's weights. The trick, taken from sections 2–4 of JK's blog post
"Deep LearningをKerasで可視化したい" ("Visualising deep learning with Keras", GMO internet
次世代システム研究室, 2017), is a data set whose answer we planted ourselves: we know which
inputs matter, so we can check which weights the network keeps.

We train the same small network five times on the same data, once with no pressure and once
under each of L1, L2 and two dropout rates, then three more times from different initial
weight spreads, and read the first layer's 10 × 30 weight matrix every time.
"""

# %%
# The check data: an answer hidden in two inputs
# ----------------------------------------------
# Each sample has 10 inputs. The label (0 or 1) is planted in **inputs 3 and 6, counting
# from 0** (the 4th and 7th columns if you count from 1; the article's "3rd and 6th" are the
# same two columns of a 0-based array). Their *sum* is exactly the label: x₃ = y/2 + u and
# x₆ = y/2 − u, with a hidden u drawn uniformly from [−1, 1], so x₃ + x₆ = y. The other
# eight inputs are uniform noise from [−1, 1] that has nothing to do with the label. Neither
# informative input decides the label on its own; together they always do. A test set drawn
# with another seed checks every model.

import numpy as np

from explainer import datasets, metrics, models, plot, probe, references, training

train = datasets.make_checkdata(n=5000, seed=0)
test = datasets.make_checkdata(n=5000, seed=1)
informative = list(train.informative)
print(f"train {train.x.shape}, test {test.x.shape}")
print(f"informative inputs (0-based): {informative}")
print(f"noise inputs (0-based): {list(train.noise)}")
rule_error = np.abs(train.x[:, 3] + train.x[:, 6] - train.y).max()
print(f"largest |x3 + x6 - y| over the training set: {rule_error:.1e}")

plot.feature_pairs(
    train.x,
    train.y,
    [(3, 6), (0, 1)],
    suptitle="Inputs 3 and 6 put the labels on two separate lines; inputs 0 and 1 are noise",
)

# %%
# On the left the two classes lie on two parallel lines, x₃ + x₆ = 0 and x₃ + x₆ = 1: one
# straight cut separates them perfectly. On the right, two of the noise inputs: the labels are
# mixed evenly, there is nothing to learn there.
#
# The network and its training
# ----------------------------
# As in the article: 10 inputs, a hidden layer of 30 ReLU units, then the output (here a
# softmax over the two labels). The first layer has 10 × 30 = 300 weights; these are the ones
# we look at. Every variant trains for the same 15 epochs with SGD with momentum (see
# :data:`explainer.models.CHECKDATA_OPTIMIZER` for why not Adam) from the same seed. The
# penalties act on the first layer's kernel only, with the strengths printed below.

variants = models.checkdata_variants()
print("penalty strengths:", models.CHECKDATA_PENALTIES)
runs: dict[str, training.TrainedModel] = {}
accuracy: dict[str, float] = {}
kernels: dict[str, np.ndarray] = {}
for name, recipe in variants.items():
    runs[name] = training.train(recipe, train.x, train.y)
    accuracy[name] = probe.predict(runs[name].model, test.x).accuracy(test.y)
    kernels[name] = probe.layer_weights(runs[name].model, "hidden").kernel
    print(f"{name:12s} test accuracy {accuracy[name]:.2%}")
runs["none"].model.summary()

# %%
# Every variant answers the test set perfectly. The article reports a perfect score for no
# regularisation, L1 and L2 (it gives no number for dropout):

assert min(accuracy.values()) == 1.0, "the prose: every variant answers the test set perfectly"
for name in ("none", "l1", "l2"):
    metrics.record(
        f"checkdata.{name}.accuracy", accuracy[name], reference=references.JK_CHECKDATA_ACCURACY
    )
metrics.record("checkdata.dropout.accuracy", accuracy["dropout"])
metrics.record("checkdata.dropout_0.2.accuracy", accuracy["dropout_0.2"])

# %%
# So accuracy cannot tell the variants apart. The weights can.
#
# No penalty, L1, L2: the weight matrices
# ---------------------------------------
# Each column below is one trained network. The top panel is its first-layer weight matrix
# as magnitudes \|w\|: one row per input (0 to 9, the informative 3 and 6 in orange), one
# column per hidden unit; white is zero, dark is large. The bars under it give each input's
# mean \|w\| over the 30 hidden units. The columns share one colour scale and one bar axis, so
# a colour or a bar height means the same weight in all of them (and in the dropout figure
# further down, which reuses both).

trio = {k: kernels[k] for k in ("none", "l1", "l2")}
titles = {"none": "no penalty", "l1": "L1 penalty", "l2": "L2 penalty"}
maps = plot.weight_maps(
    trio,
    informative=informative,
    norm=plot.magnitude_norm(kernels.values()),  # all five variants
    bar_limits=plot.mean_abs_limits(kernels.values()),
    titles=titles,
    suptitle="First-layer |weights| without a penalty, with L1 and with L2",
)

# %%
# The numbers behind the pictures. A hidden unit counts as connected to an input when their
# weight has \|w\| ≥ ``0.001``; "units ← 3 or 6" counts the hidden units that still receive at
# least one of the two informative inputs.

pressure = {k: probe.kernel_pressure(w, informative) for k, w in kernels.items()}
print(probe.pressure_table({k: pressure[k] for k in trio}, informative, accuracy))
for name in ("none", "l1", "l2"):
    s = pressure[name]
    metrics.record(f"checkdata.{name}.share_below_1e-3", s.share_below)
    metrics.record(f"checkdata.{name}.informative_to_noise", s.informative_to_noise, fmt=".1f")
for name in ("l1", "l2"):
    metrics.record(
        f"checkdata.{name}.surviving_units",
        pressure[name].surviving_units,
        reference=references.JK_CHECKDATA_L1_SURVIVING_UNITS if name == "l1" else None,
        fmt=".0f",
    )
# What the next section says about this table, checked.
none, l1, l2 = pressure["none"], pressure["l1"], pressure["l2"]
assert none.share_below < 0.02 and l2.share_below < 0.1  # practically none / few below 1e-3
assert l1.share_below > 0.9 and l1.max_abs_noise < l1.threshold  # L1: nearly all, noise too
assert l1.surviving_units < references.JK_CHECKDATA_L1_SURVIVING_UNITS.value  # a handful
assert l1.exact_zeros == 0  # "none is exactly zero"
assert l2.surviving_units == 30 and l2.mean_abs_noise < none.mean_abs_noise / 2

# %%
# What the table says, variant by variant:
#
# - **No penalty.** Rows 3 and 6 are the darkest and their bars the tallest: the network
#   found the planted inputs by itself. But every noise row is tinted too. Nothing asks the
#   network to clean up: a noise weight that does no harm stays close to where the random
#   initialisation put it, and practically no weight is below ``0.001``.
# - **L1.** The picture empties. The eight noise rows are white and so is most of rows 3
#   and 6: nearly all weights are below ``0.001``, the largest noise weight included, and only
#   the handful of hidden units counted in "units ← 3 or 6" still receive the answer. The
#   article saw the same thing (it counts five surviving units; our count is printed
#   above). A handful is plenty: a single unit that adds inputs 3 and 6 carries the whole
#   decision. L1 pushes every weight towards zero by the same fixed amount per step however
#   small it already is, so a weight that the data does not defend goes all the way down.
#   Strictly, none is exactly zero ("weights exactly 0"): each step overshoots zero a little,
#   so the removed weights jitter around it at the size of one penalty step (learning rate
#   × L1 strength), far below anything the data uses.
# - **L2.** Everything is paler than without a penalty, yet nothing is white. All 30 hidden
#   units still receive inputs 3 and 6, and the noise weights are many times smaller than
#   without a penalty but not gone: few weights fall below ``0.001``. L2's pull is proportional
#   to the weight itself, so it weakens as the weight shrinks and never quite reaches zero.
#   The informative weights stay spread over many units instead of concentrating in a few:
#   L2 prefers many small weights to a few large ones.
#
# A linear colour scale draws ``0.01`` and ``0.00001`` both as white. On a logarithmic scale the
# difference between "small" (L2) and "removed" (L1) becomes visible:

plot.weight_maps(
    trio,
    informative=informative,
    log=True,
    titles=titles,
    suptitle="The same weights on a log scale: L2 keeps small weights, L1 removes them",
)

# %%
# Under L1 the noise rows sit at the bottom of the scale, thousands of times below the
# surviving weights; under L2 the noise rows are lighter than without a penalty but clearly
# present, and their bars stay far above L1's.
#
# Dropout: pressure of another kind
# ---------------------------------
# Dropout adds no term to the loss. During training it switches off each hidden unit with
# probability *rate* (here ``0.2`` and ``0.5``) for each sample, so no unit can rely on particular
# partners. The article only sketches this experiment; it notes that the weights look
# clearly different from the penalised ones. Same colour scale and bar axis as above:

dropout_titles = {"none": "no dropout", "dropout_0.2": "dropout 0.2", "dropout": "dropout 0.5"}
plot.weight_maps(
    {k: kernels[k] for k in dropout_titles},
    informative=informative,
    norm=maps.norm,
    bar_limits=maps.bar_limits,
    titles=dropout_titles,
    suptitle="First-layer |weights| with dropout 0.2 and 0.5, on the same scale",
)
dropout_rows = ("none", "l2", "dropout_0.2", "dropout")
print(probe.pressure_table({k: pressure[k] for k in dropout_rows}, informative, accuracy))
metrics.record("checkdata.dropout.share_below_1e-3", pressure["dropout"].share_below)
metrics.record(
    "checkdata.dropout.informative_to_noise",
    pressure["dropout"].informative_to_noise,
    fmt=".1f",
)
# The prose below: the informative weights grow with the dropout rate, the noise ones shrink,
# and all 30 units still receive inputs 3 and 6.
rates = [pressure[k] for k in ("none", "dropout_0.2", "dropout")]
assert rates[0].mean_abs_informative < rates[1].mean_abs_informative < rates[2].mean_abs_informative
assert rates[2].mean_abs_noise < rates[0].mean_abs_noise and rates[2].surviving_units == 30

# %%
# Dropout does the opposite of a penalty to the useful weights: rows 3 and 6 get *darker*
# as the rate rises, and their mean \|w\| in the table grows, while the noise weights still
# shrink. With half of the units missing at any moment, each unit has to be able to carry
# the answer without its partners, so every unit learns to read inputs 3 and 6 strongly:
# the network builds redundancy instead of economy. Nothing is cut off: all 30 hidden units
# still receive inputs 3 and 6.
#
# Histograms make the difference in shape plain. Below, all 300 first-layer weights (signed,
# not magnitudes) of the networks trained without pressure, with L2 and with dropout ``0.5``,
# counted on the same bins; the counts are on a logarithmic axis so that the few large
# weights stay visible next to the many small ones.

plot.weight_histograms(
    {"no penalty": kernels["none"], "L2": kernels["l2"], "dropout 0.5": kernels["dropout"]},
    bins=60,
    log=True,
    suptitle="First-layer weights: L2 squeezes them all, dropout keeps a few large ones",
)

# %%
# L2 squeezes the whole distribution into a narrow peak around zero: every weight pays the
# penalty, so every weight shrinks, the largest ones included. Dropout also gathers most
# weights near zero (the noise weights shrink, though less than under L2) but puts more
# weights far out in the tails than the unpenalised network: the informative weights grow.
# Both fight over-fitting, but a penalty does it by making the weights small, dropout by
# making the units independent of each other.
#
# The initial spread
# ------------------
# Before training, Keras draws the weights at random, by default from a Glorot distribution
# whose spread depends on the layer's size. Section 4 of the article asks how much that
# starting spread matters. We train the unpenalised network three more times with both
# kernels drawn from a normal distribution with standard deviation σ = ``0.001``, ``0.05``
# and ``1.0``, and compare the first layer's weights before and after the same 15 epochs.

pairs: dict[str, tuple[np.ndarray, np.ndarray]] = {}
spread_titles: dict[str, str] = {}
for sigma, recipe in models.checkdata_init_spreads((0.001, 0.05, 1.0)).items():
    before = probe.layer_weights(training.initial_model(recipe), "hidden").kernel
    run = training.train(recipe, train.x, train.y)
    runs[f"init_{sigma:g}"] = run
    after = probe.layer_weights(run.model, "hidden").kernel
    acc = probe.predict(run.model, test.x).accuracy(test.y)
    key = f"σ = {sigma:g}"
    pairs[key] = (before, after)
    spread_titles[key] = f"{key}\ntest accuracy {acc:.1%}"
    epochs_1_3 = " ".join(f"{a:.1%}" for a in run.history["accuracy"][:3])
    print(f"{key:9s} std of the weights before {before.std():.4f}, after {after.std():.4f}")
    print(f"{'':9s} training accuracy in epochs 1, 2, 3: {epochs_1_3}")
    metrics.record(f"checkdata.init_{sigma:g}.accuracy", acc)

plot.before_after_histograms(
    pairs,
    titles=spread_titles,
    suptitle="First-layer weights before and after training, from three initial spreads",
)

# %%
# Read the panels against the printed standard deviations:
#
# - **σ = 1.** The histogram barely moves: the trained weights still look like the random
#   ones they started from. Training adjusts what the loss needs and leaves the rest alone,
#   so the large weights on the noise inputs stay large. The test accuracy is perfect all
#   the same. The test set's noise inputs are fresh random numbers, so the network's answer
#   cannot depend on them enough to flip a single decision: the output layer balances out
#   what the first layer passes on. Large first-layer weights on an input do not prove that
#   the network *uses* it.
# - **σ = ``0.05``.** A narrow start; training grows the few weights that matter (the tails
#   after training) and leaves the noise weights near their small starting values.
# - **σ = ``0.001``.** Practically every weight starts at zero. There, each layer's gradient is
#   proportional to the other layer's weights, so the signal has to grow out of a product of
#   two tiny numbers: in the printed training accuracy the first epoch lags well behind the
#   wider starts. Once the signal has grown, the network learns as fast as the others and
#   ends with a weight histogram much like that of σ = ``0.05``.
#
# The article found that a very narrow start keeps the network from learning properly. In
# our runs it costs time, not the result: with momentum SGD and 15 epochs all three spreads
# reach the accuracies printed above, and the narrowest start loses only part of its first
# epoch. The lag grows when the steps are smaller (plain SGD without momentum, a lower
# learning rate), which is how a short training can make a narrow start look like a failure.
# The article's other finding holds: the spread of the weights changes surprisingly little
# during training, so the starting spread stays visible in the trained network.
#
# The same pressures on MNIST
# ---------------------------
# Does the picture survive real inputs? We give MNIST digits the same treatment: a
# 784 → 30 (ReLU) → 10 network, trained the same way (SGD with momentum, 5 epochs on all
# 60,000 training images), without a penalty, with L1 and with L2 on the first layer. There
# is no planted answer here, but one thing we know in advance: some pixels, mostly along the
# border, are blank in every single training image. Their weights get no gradient from the
# data at all.

mnist = datasets.load_mnist()
blank = mnist.x_train.reshape(len(mnist.x_train), -1).max(axis=0) == 0
print(f"pixels blank in every training image: {blank.sum()} of {blank.size}")
mnist_kernels: dict[str, np.ndarray] = {}
for penalty in (None, "l1", "l2"):
    name = penalty or "none"
    run = training.train(models.mnist_pressure(penalty), mnist.x_train, mnist.y_train)
    runs[f"mnist_{name}"] = run
    acc = probe.predict(run.model, mnist.x_test).accuracy(mnist.y_test)
    w = probe.layer_weights(run.model, "hidden").kernel
    mnist_kernels[name] = w
    cut = float(np.mean(probe.units_per_input(w) == 0))
    print(f"{name}: test accuracy {acc:.2%}, pixels no hidden unit listens to {cut:.1%}")
    print(f"  mean |w| on blank pixels {np.abs(w[blank]).mean():.1e}", end=", ")
    print(f"on the others {np.abs(w[~blank]).mean():.1e}")
    metrics.record(f"mnist_pressure.{name}.test_accuracy", acc)
    if name == "l1":
        metrics.record("mnist_pressure.l1.share_pixels_cut", cut)
print("penalty strengths:", models.MNIST_PENALTIES)
start = probe.layer_weights(training.initial_model(models.mnist_pressure()), "hidden").kernel
moved = np.abs(mnist_kernels["none"][blank] - start[blank]).max()
print(f"no penalty: largest change of a blank pixel's weight in training: {moved}")

plot.input_maps(
    mnist_kernels,
    (28, 28),
    log=True,
    titles={"none": "no penalty", "l1": "L1 penalty", "l2": "L2 penalty"},
    suptitle="MNIST: mean |w| of each pixel's 30 first-layer weights (log scale)",
)

# %%
# Each panel is the bar chart of the heat maps above folded back into a 28 × 28 image: how
# strongly the first layer listens to each pixel, on a logarithmic scale.
#
# - **No penalty.** The border is almost as dark as the centre, although its outermost
#   pixels are blank in every image. Their weights are still exactly the random values they
#   started with (the printed largest change is zero): a weight on an input that is always 0
#   gets a zero gradient (compare σ = 1 above). Harmless, since those pixels are always 0,
#   and meaningless.
# - **L2** fades that frame: its pull towards zero acts on every weight at every step,
#   whether the data pushes back or not, so the weights of the blank pixels decay steadily
#   (their printed mean \|w\| is far below the unpenalised one) but are not gone.
# - **L1** cuts them, and more: the share of pixels that no hidden unit listens to any more,
#   printed above, is several times the share of blank pixels, so pixels that are inked only
#   rarely lose all their weights too. The white frame is wider than the blank one, at a
#   test accuracy close to the unpenalised one: the network now reads the digits through a
#   smaller window, chosen by the penalty.
#
# What to take away
# -----------------
# - **L1** deletes: unused inputs and most hidden units lose their weights entirely. Use it
#   when you want to know which inputs matter, or want a sparse model.
# - **L2** shrinks: every weight gets smaller, none disappears, the work stays spread over
#   many units. The safer default against over-fitting.
# - **Dropout** does not shrink the useful weights, it multiplies them: many units learn the
#   same job, so losing some does no harm.
# - **The initial spread** sticks: training changes few weights much. Too narrow a start
#   slows the beginning of training; between reasonable spreads the accuracy is the same.
#
# The eleven trainings of this chapter, timed when they were first run (afterwards they come
# from the model cache):

for name, run in runs.items():
    print(f"{name:12s} fit {run.fit_seconds:5.1f} s")
print(f"total        fit {sum(r.fit_seconds for r in runs.values()):5.1f} s")
