"""
A deeper network: what cifar10_quick sees
=========================================

The Filters chapter looked at one convolutional layer on digits. Photos need more: here three
convolution + pooling stages are stacked, the small "cifar10_quick" network of Caffe's CIFAR-10
example, and trained on the 50,000 CIFAR-10 training photos. We look at the first layer's
colour filters, then follow a test photo through the network's feature maps layer by layer,
and finally show it a picture that is no photo at all, to see what it makes of it.

The idea comes from kivantium's blog post "Deep Learningの気持ちになって考えてみる"
("Thinking like deep learning", 2015), which trained this very layout in Caffe and printed the
outputs of conv1, conv2, conv3 and pool3 for photos and for inputs that fooled the network.
"""

# %%
# The network
# -----------
# Three stages of a 5 × 5 convolution (32, 32 and 64 filters, ReLU, padded so the size is kept)
# each followed by 2 × 2 max-pooling take the 32 × 32 colour photo down to 64 maps of 4 × 4;
# a dense layer of 64 and a softmax over the ten classes follow. The recipe's first layer
# standardises each colour channel with the mean and spread of the training photos (Caffe's
# example subtracts the mean image). We train with Adam on a one-cycle learning-rate schedule,
# like the MNIST network of the Filters chapter, which gets this net to a useful accuracy in a
# few epochs on a CPU.

import numpy as np

from explainer import datasets, metrics, models, plot, probe, training

cifar = datasets.load_cifar10()
recipe = models.cifar10_quick()
trained = training.train(recipe, cifar.x_train, cifar.y_train)
trained.model.summary()
print(f"{recipe.epochs} epochs, batch {recipe.batch_size}: fit took {trained.fit_seconds:.1f} s")

# %%
# Caffe's documentation gives about 75 % test accuracy for cifar10_quick. Ours:

pred = probe.predict(trained.model, cifar.x_test)
metrics.record(
    "cifar10_quick.test_accuracy",
    pred.accuracy(cifar.y_test),
    reference=0.75,
    source="Caffe, CIFAR-10 example (cifar10_quick)",
)
wrong = int((pred.labels != cifar.y_test).sum())
print(f"{wrong} of {len(cifar.y_test)} test photos are misclassified")

# %%
# The first layer's filters
# -------------------------
# The 32 filters of ``conv1`` look at 5 × 5 pixels in three colours. Each tile shows one filter
# as a colour picture: grey is a zero weight, a coloured pixel weights that colour up, its
# complementary colour weights it down (each filter is stretched to its own range).
# PROSE-FILTERS

plot.filters_grid(
    probe.layer_weights(trained.model, "conv1").kernel,
    ncols=8,
    suptitle="The 32 colour filters of conv1 after training",
)

# %%
# A photo, layer by layer
# -----------------------
# A test photo the network classifies correctly and confidently, with the probabilities it
# gives each class, and the feature maps after ``conv1``, ``conv2`` and ``conv3`` (each after
# its ReLU) and after ``pool3``, the 64 maps of 4 × 4 that the dense layers see. Black is zero;
# each layer has its own grey scale.

layers = ["conv1", "conv2", "conv3", "pool3"]
confident = np.flatnonzero((pred.labels == cifar.y_test) & (pred.confidence > 0.9))
photo = int(confident[0])
photo_maps = probe.activations(trained.model, cifar.x_test[[photo]], layers)
drawn = plot.layer_maps_figure(
    cifar.x_test[photo],
    {name: maps[0] for name, maps in photo_maps.items()},
    proba=pred.proba[photo],
    class_names=cifar.class_names,
    image_title=f"test photo #{photo}: {cifar.class_names[cifar.y_test[photo]]}",
    suptitle="A correctly classified test photo through conv1, conv2, conv3 and pool3",
)

# %%
# PROSE-PHOTO

# %%
# What does it think this is?
# ---------------------------
# Now an input that belongs to none of the ten classes: a smiley face drawn with matplotlib
# (:func:`explainer.datasets.drawn_picture`) at the same 32 × 32 pixels. The network has no
# "none of these" answer; its softmax must share all the probability among its ten classes.
# The feature maps are drawn on the same grey scale per layer as the photo above.

smiley = datasets.drawn_picture("smiley")
odd_proba = probe.predict(trained.model, smiley[np.newaxis]).proba[0]
for name, p in sorted(zip(cifar.class_names, odd_proba, strict=True), key=lambda t: -t[1])[:3]:
    print(f"{name:>10s}: {p:.1%}")
odd_maps = probe.activations(trained.model, smiley[np.newaxis], layers)
plot.layer_maps_figure(
    smiley,
    {name: maps[0] for name, maps in odd_maps.items()},
    proba=odd_proba,
    class_names=cifar.class_names,
    norms=drawn.norms,
    image_title="a smiley drawn with matplotlib",
    suptitle="A drawn smiley through the same layers, and what the network thinks it is",
)

# %%
# PROSE-ODD
