"""
Templates: what a single layer of weights learns
================================================

The network of :doc:`plot_01_first_look` has no hidden layer: each digit's score is a
weighted sum of the 784 pixels. That makes its weights easy to read. Put the 784 weights of
one output back on the 28 × 28 grid and you get a picture, a *template* that the digit is
compared against. This chapter follows the first half of ml4a's "Looking inside neural nets"
(Japanese translation by Kynd): the templates, the mistakes they lead to, a confusion matrix
that shows images instead of only counts, and what changes when a hidden layer of ten units
sits between pixels and classes.
"""

# %%
# The same network as in "A first look"
# --------------------------------------
# We ask for the very recipe of the previous chapter. The training cache recognises it, so
# nothing is retrained: the weights we look at are the ones whose accuracy that chapter
# recorded.

import numpy as np

from explainer import datasets, metrics, models, plot, probe, training

mnist = datasets.load_mnist()
softmax = training.train(models.mnist_softmax(), mnist.x_train, mnist.y_train)
pred = probe.predict(softmax.model, mnist.x_test)
print(f"mnist_softmax test accuracy: {pred.accuracy(mnist.y_test):.4f}")
print(f"trained in {softmax.fit_seconds:.1f} s (loaded from the cache now: {softmax.from_cache})")

# %%
# Weights as templates
# --------------------
# The output layer's kernel has shape 784 × 10: column *d* holds the weights of the unit that
# scores digit *d*. Reshaped to 28 × 28, red pixels add to the digit's score when they carry
# ink, blue pixels subtract from it. All ten pictures share one colour scale centred at zero,
# so a deep red in one template means as much as in another.

output = probe.layer_weights(softmax.model, "output")
print(f"kernel {output.kernel.shape}, bias {output.bias.shape}")
plot.template_grid(
    output.kernel,
    (28, 28),
    class_names=mnist.class_names,
    ncols=5,
    tile_size=1.35,
    suptitle="The ten weight templates of the 784 → 10 network, red positive, blue negative",
)
# The prose below: the 0, 1, 2, 3 and 6 templates look most like their own digit. Checked as:
# each of them correlates best with its own class's deviation from the average digit.
class_means = probe.class_means(mnist.x_train, mnist.y_train, mnist.n_classes)
deviation = (class_means - class_means.mean(axis=0)).reshape(10, -1)
corr = np.corrcoef(output.kernel.T, deviation)[:10, 10:]  # template d vs class c
assert all(int(np.argmax(corr[d])) == d for d in (0, 1, 2, 3, 6))

# %%
# Squint and several of them look like blurred digits: the 0, 1, 2, 3 and 6 most clearly.
# No one told the network what a digit looks like; the shapes come out of training alone.
# Blue marks where ink argues *against* a digit, as the next section shows for the 0.
#
# Why is the "0" template's centre negative?
# ------------------------------------------
# Look at the "0" unit large, next to two averages of the training images: all the 0s, and
# all the other digits. The unit must score high for 0s and low for everything else. Where 0s
# usually have ink (the ring) the weights are positive. The middle of a 0 is its hole, and
# that is where the other digits put their strokes, so ink there is evidence *against* a 0
# and the weights turn blue. The numbers below check this on the central 8 × 8 pixels,
# outlined by the dashed box in the figure: the mean weight there, and how much ink each
# digit carries there on average (0 = blank, 1 = full ink).

means = probe.class_means(mnist.x_train, mnist.y_train, mnist.n_classes)
others = (mnist.x_train[mnist.y_train != 0]).mean(axis=0)
zero = output.kernel[:, 0].reshape(28, 28)
centre = (slice(10, 18), slice(10, 18))
print(f"mean weight of the '0' unit, central 8x8: {zero[centre].mean():+.4f}")
print(f"mean weight of the '0' unit, whole image: {zero.mean():+.4f}")
print(f"mean ink in the centre, 0s: {means[0][centre].mean() / 255:.3f}")
print(f"mean ink in the centre, other digits: {others[centre].mean() / 255:.3f}")
ink = [f"{d}: {means[d][centre].mean() / 255:.2f}" for d in range(10)]
print("centre ink per digit:", ", ".join(ink[:5]))
print("                     ", ", ".join(ink[5:]))
# The prose: the centre of the "0" template is negative, and 0s have less ink there than others.
assert zero[centre].mean() < 0
assert means[0][centre].mean() < others[centre].mean()

plot.template_closeup(
    zero,
    title='weights of the "0" unit',
    references=[("mean of all 0s", means[0]), ("mean of all other digits", others)],
    region=centre,
    annotation="centre: ink here is rare in 0s\nbut common in other digits → negative",
    suptitle='The "0" template beside the average 0 and the average of the other digits',
)

# %%
# Confusion: how often, and on what
# ---------------------------------
# A confusion matrix counts the test digits for every pair (true class, predicted class):
# rows are the truth, columns the network's answer, the green diagonal the right answers.
# Only the mistakes are coloured, otherwise the thousand-odd correct answers per class would
# swamp the colour scale.

display = plot.ConfusionExamplesDisplay.from_test_set(mnist, pred.proba)
display.plot_counts(suptitle="Confusion matrix of the 784 → 10 network on the 10,000 test digits")
t, p, times = display.most_frequent_mistake()
print(f"most frequent mistake: a true {t} read as {p}, {times} times")

# %%
# Counts say how often a 4 is taken for a 9, not which 4s. The same matrix drawn with
# images: each cell shows the test digit the network was *most confident* about among those
# with that true / predicted pair, with the cell's count in the corner. Empty cells are pairs
# that never occur. Reading a column top to bottom shows what the network takes for that
# digit. ml4a reads its version of this figure as "large rings become 0, thin strokes
# become 1". Ours agrees: in our build the mistakes in the 0 column are wide digits that
# fill the frame around an open middle (a looped 2, a 5 and a 6 with big bowls, a broad 8),
# while the 1 column holds narrow, thin, slanted strokes of every digit.

display.plot(suptitle="For each true / predicted pair, the test digit the network was surest of")

# %%
# 0op5: hesitant and blatant mistakes
# -----------------------------------
# ml4a shows four mistakes: two a person could make too and two that no person would. We let
# the probabilities choose them. *Hesitant*: wrong answers where the true digit was the
# runner-up and the top two probabilities were closest. *Blatant*: wrong answers given with
# the highest probability. Under each digit, its three most probable classes (green: the
# true class, red: the network's answer).

hesitant, blatant = probe.mistakes_by_margin(mnist.y_test, pred.proba, n_hesitant=2, n_blatant=2)
picked = [*hesitant, *blatant]
for kind, i in zip(["hesitant"] * 2 + ["blatant"] * 2, picked, strict=True):
    print(
        f"{kind:8s} test #{i}: true {mnist.y_test[i]}, predicted {pred.labels[i]} "
        f"({pred.confidence[i]:.1%}), margin {pred.margin[i]:.3f}"
    )
plot.top_k_figure(
    mnist.x_test[picked],
    pred.proba[picked],
    mnist.y_test[picked],
    k=3,
    class_names=mnist.class_names,
    titles=["hesitant", "hesitant", "blatant", "blatant"],
    suptitle="Two hesitant and two blatant mistakes with their three most probable classes",
)
# The prose below: the hesitant pair are coin tosses with the truth as runner-up, the blatant
# pair put nearly all the probability on a wrong digit.
assert all(pred.margin[i] < 0.1 for i in hesitant)
assert all(pred.confidence[i] > 0.9 for i in blatant)

# %%
# Chosen this way, the hesitant pair are coin tosses: the network splits its belief almost
# evenly between its answer and the truth, and in our build both digits are untidy enough
# that a person might pause too. The blatant pair are another matter: in our build both are
# digits a person reads without much trouble, yet the network puts nearly all its
# probability on a wrong digit. A template network has no notion of strokes or loops: a
# digit drawn with its ink in unusual places simply lands on another class's template.

# %%
# A hidden layer of ten
# ---------------------
# Now put ten ReLU units between the pixels and the classes (784 → 10 → 10). The pixels no
# longer connect to a class directly, so there is no reason for a hidden unit's weights to
# look like a digit: each class score is now a weighted sum of ten hidden "parts".

hidden = training.train(models.mnist_hidden10(), mnist.x_train, mnist.y_train)
hidden_pred = probe.predict(hidden.model, mnist.x_test)
metrics.record("mnist_hidden10.test_accuracy", hidden_pred.accuracy(mnist.y_test))
print(f"trained in {hidden.fit_seconds:.1f} s (loaded from the cache now: {hidden.from_cache})")
gain = hidden_pred.accuracy(mnist.y_test) - pred.accuracy(mnist.y_test)
print(f"hidden-layer network minus template network: {gain:+.4f}")
assert 0 < gain < 0.05, "the prose below calls the hidden layer's gain on digits 'a little'"

# %%
# First the ten hidden units on their own, large. They share one colour scale centred at
# zero, like the templates above.

h = probe.layer_weights(hidden.model, "hidden")
o = probe.layer_weights(hidden.model, "output")
plot.template_grid(
    h.kernel,
    (28, 28),
    class_names=[f"h{j}" for j in range(10)],
    ncols=5,
    tile_size=1.35,
    suptitle="Input weights of the ten hidden units of the 784 → 10 → 10 network",
)

# %%
# Then how the classes use them. The top row repeats the ten units small; under them, one
# row per digit: bar *j* is that digit's weight from hidden unit *j*, red when the unit's
# activity raises the digit's score, blue when it lowers it. A digit "likes" the parts with
# red bars and "dislikes" those with blue ones.

plot.hidden_layer_figure(
    h.kernel,
    o.kernel,
    (28, 28),
    class_names=mnist.class_names,
    suptitle="Ten hidden units (top) and how strongly each digit weighs them (bars)",
)
likes, dislikes = o.kernel.argmax(axis=0), o.kernel.argmin(axis=0)
for d in range(10):
    print(
        f"digit {d}: likes h{likes[d]} most ({o.kernel[likes[d], d]:+.2f}), "
        f"dislikes h{dislikes[d]} most ({o.kernel[dislikes[d], d]:+.2f})"
    )
print(f"the unit 0 likes most is the unit 1 dislikes most: {likes[0] == dislikes[1]}")
# The prose below, checked: the unit 0 likes most is the one 1 dislikes most, and it has a
# negative (blue) centre; the 1's favourite unit is a vertical stroke through the middle.
assert likes[0] == dislikes[1]
ring = h.kernel[:, likes[0]].reshape(28, 28)
assert ring[centre].mean() < 0
stroke = h.kernel[:, likes[1]].reshape(28, 28)
assert stroke[4:24, 12:16].mean() > stroke[4:24].mean()

# %%
# Which unit is which depends on the random start, so the unit numbers are in the printout,
# not in this text. What we see in our build: the digit 1's favourite unit is a red vertical
# stroke through the middle of the image, and the unit the 0 likes most, a loose ring with a
# blue centre, is the one the 1 dislikes most (the last line of the printout checks this).
# That is ml4a's observation: 0 rewards ink along an outer ring and penalises the middle,
# 1 does the opposite. Most units are not whole digits any more but strokes, arcs and
# blobs that several digits share, and each digit's score is built from several of them,
# some counting for it and some against. The difference printed after the accuracy shows
# what ten shared parts buy over ten fixed templates on digits: a little. The next chapters
# show where hidden layers, and above all convolutions, matter more.

# %%
# Try it: draw a digit for the hidden units
# -----------------------------------------
# The hidden-layer network runs in this page too, from the weights trained above (exported by
# :func:`explainer.live.draw`; it runs in your browser and sends nothing). Draw a digit in the
# black square, or pick a test image. Under each of the ten hidden units' weights you see how
# strongly your digit activates it, and on the right the probabilities the output layer makes
# of those ten numbers. Draw a 1, then a 0, and watch the ring unit and the stroke unit trade
# places; then draw a 1 off to one side and see the stroke unit miss it.

from explainer import live

firsts = [int(np.flatnonzero(mnist.y_test == d)[0]) for d in range(10)]
live.draw(
    hidden.model,
    mnist.x_test[firsts],
    mnist.y_test[firsts],
    templates=["hidden"],
    label="The hidden-layer network, live: draw a digit and watch its ten units",
)
