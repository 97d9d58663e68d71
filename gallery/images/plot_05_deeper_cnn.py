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

from explainer import datasets, metrics, models, plot, probe, references, training

cifar = datasets.load_cifar10()
recipe = models.cifar10_quick()
trained = training.train(recipe, cifar.x_train, cifar.y_train)
trained.summary()

# %%
# Caffe's documentation gives a test accuracy for cifar10_quick, trained there with SGD and
# momentum for longer than our few epochs; it is printed below beside ours, with the
# number of test photos the network still gets wrong: far more than the digits of the Filters
# chapter.

pred = probe.predict(trained.model, cifar.x_test)
metrics.record(
    "cifar10_quick.test_accuracy",
    pred.accuracy(cifar.y_test),
    reference=references.CAFFE_CIFAR10_QUICK,
)
wrong = int((pred.labels != cifar.y_test).sum())
print(f"{wrong} of {len(cifar.y_test)} test photos are misclassified")

# %%
# The first layer's filters
# -------------------------
# The 32 filters of ``conv1`` look at 5 × 5 pixels in three colours. Each tile shows one filter
# as a colour picture: grey is a zero weight, a coloured pixel weights that colour up, its
# complementary colour weights it down (each filter is stretched to its own range, so only the
# patterns compare, not the strengths). Left the filters before training, right after it.

kernel_before = probe.layer_weights(training.initial_model(recipe), "conv1").kernel
kernel_after = probe.layer_weights(trained.model, "conv1").kernel
plot.filters_comparison(
    [kernel_before, kernel_after],
    ["before training", "after training"],
    suptitle="The 32 colour filters of conv1 before and after training",
)
similarity = np.corrcoef(kernel_before.ravel(), kernel_after.ravel())[0, 1]
print(f"correlation between conv1's weights before and after training: {similarity:.2f}")
assert similarity > 0.5, "the prose: most filters still look like the noise they started from"

# %%
# Unlike the MNIST filters of the previous chapter, these have not become clean edge
# detectors: after this short training most of them still look like the random colour noise
# they started from, and the correlation printed above says the same in one number. Each
# filter has moved a little towards a pattern (a few show a patch of one colour, reddish or
# greenish, against the rest), but the random start still dominates.
# Longer training sharpens first-layer filters; these few epochs are enough for the accuracy
# above, which is a reminder that a network can work well with filters that do not look like
# much to us.

# %%
# A photo, layer by layer
# -----------------------
# A test photo the network classifies correctly and confidently, with the probabilities it
# gives each class, and the feature maps after ``conv1``, ``conv2`` and ``conv3`` (each after
# its ReLU) and after ``pool3``, the 64 maps of 4 × 4 that the dense layers see. Black is zero;
# each layer has its own grey scale, which saturates at the brightest half-percent of its
# values.
#
# We pick the photo from the class that the network will give, in the next section, to a
# picture that is no photo at all, so that the two can be compared.

smiley = datasets.drawn_picture("smiley")
odd_proba = probe.predict(trained.model, smiley[np.newaxis]).proba[0]
odd_class = int(np.argmax(odd_proba))
candidates = np.flatnonzero(
    (cifar.y_test == odd_class) & (pred.labels == odd_class) & (pred.confidence > 0.9)
)
photo = int(candidates[0])
layers = ["conv1", "conv2", "conv3", "pool3"]
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
# In ``conv1`` each map is still a recognisable, full-size image: many maps pick out fine
# texture and edges all over the picture, in the background as much as on the frog, while a few
# respond to a colour and show the animal's body as one bright area. ``conv2`` works on
# pooled maps of 16 × 16 and is already sparser: short strokes in a few directions.
# ``conv3`` and ``pool3`` are no longer pictures for us at all. Where things are has shrunk to
# an 8 × 8 and then a 4 × 4 grid, and what they are is spread over 64 channels, each bright
# in only a few cells. kivantium made the same observation in his article: layer by layer
# the maps become harder for a person to read.

# %%
# What does it think this is?
# ---------------------------
# Now an input that belongs to none of the ten classes: a smiley face drawn with matplotlib
# (:func:`explainer.datasets.drawn_picture`) at the same 32 × 32 pixels. The network has no
# "none of these" answer; its softmax must share all the probability among its ten classes.
# Its three most probable classes:

for k in np.argsort(-odd_proba)[:3]:
    print(f"{cifar.class_names[k]:>10s}: {odd_proba[k]:.1%}")
# The prose: the network is nearly as sure of the smiley as of the photo, and names a frog.
assert odd_proba.max() > 0.75 and cifar.class_names[odd_class] == "frog"

# %%
# The feature maps are drawn on the photo's grey scale, layer by layer, so the two figures
# compare directly.

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
# The largest value in each layer's maps, for the photo and for the smiley:

for name in layers:
    print(f"{name:>6s}: photo {photo_maps[name].max():6.2f}   smiley {odd_maps[name].max():6.2f}")
    assert odd_maps[name].max() > photo_maps[name].max(), "the prose: brighter in every layer"

# %%
# The network is almost as sure about the smiley as about the photo above (which is why we picked a
# photo of this class), although nothing in the picture is a photo of anything. In ``conv1``
# we can still see what it sees: the outline, the eyes and the mouth come out crisply in the
# edge maps, and the colour maps fill the yellow disc or the blue background. On the photo's
# scale all four layers are much brighter than the photo's, up to saturation: the printed
# maxima show it.
# Flat areas of pure colour and hard black outlines excite the filters far more than the soft
# textures of the photos they were trained on.
#
# Why this class? We can only guess from the figures: a round, yellow-green shape with dark
# spots that fills the frame against a plain background is, among the ten classes, perhaps
# most like the frogs of CIFAR-10, which often sit large and centred in the photo. What the
# figures do show is the general lesson of kivantium's article: the softmax has to share the
# probability among the ten classes it knows, and a high probability says which class fits
# *best*, not that the input looks like any of them. The network has no way to answer "this
# is not a photo".
