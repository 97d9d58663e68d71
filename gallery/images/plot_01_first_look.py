"""
A first look: digits in, a guess out
====================================

Before we look *inside* a network we look at what goes in and what comes out. This chapter
shows the real MNIST digits, trains the simplest network that can classify them (every pixel
connected straight to ten outputs, one per digit) on all 60,000 training images, and measures
how often it is right on the 10,000 test images it never saw.

Everything the later chapters do follows the same path: load real data with
:mod:`explainer.datasets`, describe a network as a recipe in :mod:`explainer.models`, train it
through the cache in :mod:`explainer.training`, read it with :mod:`explainer.probe` and draw it
with :mod:`explainer.plot`.
"""

# %%
# The data
# --------
# MNIST holds 70,000 handwritten digits, 28 × 28 pixels of grey from 0 (background) to 255
# (ink). Here are the first 40 training images with their labels. Note how different two
# people's 4s or 7s are: that variety is what the network has to cope with.

from explainer import datasets, metrics, models, plot, probe, references, training

mnist = datasets.load_mnist()
print(f"train {mnist.x_train.shape}, test {mnist.x_test.shape}")

plot.tile_grid(
    mnist.x_train[:40],
    ncols=10,
    titles=[str(y) for y in mnist.y_train[:40]],
    suptitle="The first 40 MNIST training digits with their labels",
)

# %%
# The simplest classifier
# -----------------------
# The network flattens the 28 × 28 image into 784 numbers, multiplies them by a 784 × 10 weight
# matrix, adds a bias and turns the ten scores into probabilities with a softmax. There is no
# hidden layer: each digit's score is a weighted sum of pixels, nothing more. The recipe is
# shared with the Templates chapter, which looks at these very weights.

recipe = models.mnist_softmax()
trained = training.train(recipe, mnist.x_train, mnist.y_train)
trained.model.summary()

# %%
# How good is it?
# ---------------
# We predict all 10,000 test digits and count how often the most probable class is the right
# one. ml4a's "Looking inside neural nets" reports an accuracy for this network too; the line
# below prints it beside ours.

pred = probe.predict(trained.model, mnist.x_test)
accuracy = pred.accuracy(mnist.y_test)
metrics.record(
    "mnist_softmax.test_accuracy",
    accuracy,
    reference=references.ML4A_MNIST_SOFTMAX,
)
n_wrong = int((pred.labels != mnist.y_test).sum())
print(f"{n_wrong} of {len(mnist.y_test)} test digits are misclassified")

# %%
# What it answers
# ---------------
# Twenty test digits with the network's guess and its confidence. Titles in red are mistakes.
# Why a weighted sum of pixels works this well, and where it breaks, is the subject of the
# next chapter.

picks = slice(0, 20)
titles = [f"{p} ({c:.0%})" for p, c in zip(pred.labels[picks], pred.confidence[picks])]
colors = ["tab:red" if p != y else "black" for p, y in zip(pred.labels[picks], mnist.y_test[picks])]
plot.tile_grid(
    mnist.x_test[picks],
    ncols=10,
    titles=titles,
    title_colors=colors,
    suptitle="Twenty test digits with the predicted class and its probability",
)
