"""
What a unit wants
=================

The Filters and Deeper-network chapters showed what a filter's weights are and what it does to
one image. They cannot answer "what does channel 12 of conv2 respond to?", nor "has the network
learned a space in which the classes are easy?". Three views answer these, each in its own way
and each misleading in its own way: the real inputs that excite a unit most (Zeiler & Fergus
2014), an input optimised to excite it (Distill's "Feature Visualization", Olah et al. 2017),
and a map of the learned representation (t-SNE, van der Maaten & Hinton 2008, drawn as in
Karpathy's CS231n notes). The last view gets a number: how well a nearest-neighbour vote
classifies in each space.

We look at the two cached networks of the earlier chapters, ``mnist_cnn`` and
``cifar10_quick``; nothing is trained here.
"""

# %%
# Where a unit looks
# ------------------
# A unit of a convolution layer sees only part of the image: its *receptive field*. It follows
# from the layers' kernel sizes, strides and padding alone. Each 5 × 5 convolution widens the
# field by four steps of the layer below, and each 2 × 2 pooling doubles the step between
# neighbouring units. The printout gives each layer's field, the step between units
# (in input pixels) and the size of its map.

import numpy as np

from explainer import datasets, metrics, models, plot, probe, references, training, units

mnist = datasets.load_mnist()
cifar = datasets.load_cifar10()
mnist_net = training.train(models.mnist_cnn(), mnist.x_train, mnist.y_train).model
cifar_net = training.train(models.cifar10_quick(), cifar.x_train, cifar.y_train).model

fields = {
    "conv": units.receptive_field(mnist_net, "conv"),
    **{name: units.receptive_field(cifar_net, name) for name in ("conv1", "conv2", "conv3")},
}
for net, name in [("mnist_cnn", "conv"), ("cifar10_quick", "conv1")] + [
    ("cifar10_quick", n) for n in ("conv2", "conv3")
]:
    f = fields[name]
    print(
        f"{net:>13s} {name:>5s}: field {f.size[0]:2d} × {f.size[1]:2d} px, "
        f"stride {f.stride[0]} px, map {f.output_shape[0]} × {f.output_shape[1]}"
    )
assert fields["conv"].size == (5, 5) and fields["conv3"].size[0] >= 32
conv3 = fields["conv3"]
rows, cols = np.meshgrid(*(np.arange(n) for n in conv3.output_shape), indexing="ij")
boxes = conv3.boxes(np.stack([rows, cols], axis=-1).reshape(-1, 2), clip=False)
overhang = (boxes[:, :2] < 0).any(axis=1) | (boxes[:, 2:] > 32).any(axis=1)
print(f"conv3 positions whose field overhangs the photo: {overhang.sum()} of {len(boxes)}")
assert overhang.all()

# %%
# By ``conv3`` a unit's field is as large as the whole photo. It is centred on the unit's
# position, though, so part of it lies beyond the border, in the zero padding, and for
# ``conv3`` that holds for *every* position: no field of it fits inside the photo (the count
# is printed below). In the patches below the pixels beyond the border are drawn as a light
# checkerboard.
#
# Top-activating patches
# ----------------------
# For every channel we look for the test images that excite it most. An image scores the
# channel's largest value over all positions, and we cut out the receptive field around that
# position. The search runs over all 10,000 test images in batches, keeping only a running
# top eight per channel (:class:`explainer.units.TopActivations`): memory stays the same
# however many images there are. Each row is one channel, best image first.


def show_top_patches(
    net: str,
    layer: str,
    top: units.TopExamples,
    images: np.ndarray,
    kind: str,
    channels: list[int] | None = None,
    tile_size: float = 0.42,
) -> None:
    """One row per channel: the patches of ``images`` around its top activations."""
    h, w = fields[layer].size
    which = "channel" if channels is None else f"of its first {len(channels)} channels"
    plot.top_patches(
        top.patches(images, fields[layer], channels=channels),
        blocks=2,
        tile_size=tile_size,
        suptitle=f"{net} {layer}: the {h} × {w} test-{kind} patches that excite each {which} most",
    )


top_mnist = units.top_activations(mnist_net, mnist.x_test, ["conv"], k=8)["conv"]
show_top_patches("mnist_cnn", "conv", top_mnist, mnist.x_test, "image")

# %%
# The sixteen channels of the digit network respond to short strokes: bars at one angle, an
# edge with ink on one side, the end of a stroke. The patches in a row look alike, which is
# what a single layer of 5 × 5 filters can do: the top patches show its weights again, as
# pieces of real digits.
#
# The photo network has more to show. One pass over the test photos fills the running top-k
# of all three convolutions; we draw the first sixteen channels of each, so nothing is picked
# to look good.

cifar_layers = ["conv1", "conv2", "conv3"]
top_cifar = units.top_activations(cifar_net, cifar.x_test, cifar_layers, k=8, batch_size=500)
shown = list(range(16))
show_top_patches("cifar10_quick", "conv1", top_cifar["conv1"], cifar.x_test, "photo", shown)

# %%
# ``conv1``'s rows are colours and colour edges: a patch of saturated blue or red, a dark
# stripe on white, a light-dark edge at an angle. ``conv2`` sees 14 × 14 pixels:

show_top_patches("cifar10_quick", "conv2", top_cifar["conv2"], cifar.x_test, "photo", shown, 0.46)

# %%
# Here a row shares a small shape, often with its colour: a dark diagonal stroke on a light
# ground, a white corner, the red body of a car. And ``conv3``, whose field is the whole
# photo:

show_top_patches("cifar10_quick", "conv3", top_cifar["conv3"], cifar.x_test, "photo", shown, 0.46)

# %%
# Several of ``conv3``'s rows share a kind of object: fronts of cars and lorries, horses and
# other four-legged animals, birds and aeroplanes against the sky. Every patch has some
# checkerboard, because every ``conv3`` field overhangs the photo; the checkerboard does not
# mean that the channel's strongest response sits near the border. In fact it sits on the
# outer ring of the map less often than the ring's share of the positions (both printed
# below): the strongest responses lean towards the middle of the photo, not its border.
#
top3 = top_cifar["conv3"]
h3, w3 = conv3.output_shape
pos = top3.positions.reshape(-1, 2)
on_ring = np.mean((pos[:, 0] % (h3 - 1) == 0) | (pos[:, 1] % (w3 - 1) == 0))
ring_share = 1 - (h3 - 2) * (w3 - 2) / (h3 * w3)
print(
    f"conv3 top responses on the outer ring of its {h3} × {w3} map: {on_ring:.0%} "
    f"(the ring's share of positions: {ring_share:.0%})"
)
assert on_ring < ring_share

# %%
# What this view does not show: that the pattern *causes* the response. A top patch is a
# correlation in the test set. A channel whose top patches are all blue sky may respond to
# the sky, or to the aeroplane that usually sits in it and is also in the field. Only
# changing the input can tell these apart. And a unit's field is a bounding box: the pixels
# near its centre count far more than those at its edge (Luo et al. 2016's "effective
# receptive field").
#
# An input made to excite a unit
# ------------------------------
# Feature visualisation turns the question around: start from a plain image with a little
# seeded noise and follow the gradient of the channel's mean activation with respect to the
# pixels. Left alone this finds high-frequency noise that excites the unit and means nothing
# to us. Three priors keep the result readable (see :class:`explainer.units.Regularisers`):
# the image is shifted by a random pixel or two before each step, so that the pattern must
# work wherever it sits. Every pixel decays a little towards the start, so only pixels that
# keep earning their gradient stand out. And a slight blur every few steps removes the
# finest noise. Pixels stay within 0–255, the range the networks were trained on.
#
# One more change makes the ascent move at all, and it changes the network: a ReLU that is
# silent on the plain start image passes no gradient, so nothing would happen. The ascent
# therefore runs on a *surrogate*: the same weights, with every ReLU made leaky (it lets a
# tenth of a negative input through), in the forward pass and at every step
# (:func:`explainer.units.surrogate`). This is simpler than the "redirected ReLU" of Olah et
# al., which changes only the gradient and only early on. The images are optimal for the
# surrogate; how strongly they excite the *real* network is measured below. Here are the
# first eight channels of the digit network, each optimised input beside the channel's best
# real patches.

mnist_start = float(mnist.x_train[:10_000].mean())
cifar_start = float(cifar.x_train[:10_000].mean())
chosen = list(range(8))
vis_mnist = units.visualise_channels(mnist_net, "conv", chosen, start=mnist_start)
plot.visualisation_beside_examples(
    vis_mnist.images,
    top_mnist.patches(mnist.x_test, fields["conv"], channels=chosen),
    suptitle="mnist_cnn conv: optimised inputs beside the top test patches",
)

# %%
# The same for ``conv3`` of the photo network, beside its top patches from above:

vis_cifar = units.visualise_channels(cifar_net, "conv3", chosen, start=cifar_start)
plot.visualisation_beside_examples(
    vis_cifar.images,
    top_cifar["conv3"].patches(cifar.x_test, fields["conv3"], channels=chosen),
    suptitle="cifar10_quick conv3: optimised inputs beside the top test patches",
)

# %%
# How strongly does the made-up input excite its unit, compared with the best of the 10,000
# real test images? Both are scored the same way: the channel's largest value over all
# positions.

ratios = {}
for net, vis, top in [
    ("mnist_cnn conv", vis_mnist, top_mnist),
    ("cifar10_quick conv3", vis_cifar, top_cifar["conv3"]),
]:
    best_real = top.values[chosen, 0]
    ratios[net] = vis.peak / best_real
    print(net)
    for c, opt, real in zip(chosen, vis.peak, best_real):
        print(
            f"  channel {c}: optimised {opt:6.2f}   best real {real:6.2f}   ratio {opt / real:.2f}"
        )
    metrics.record(f"units.{net.split()[0]}.optimised_to_best_real", float(np.median(ratios[net])))
    assert (vis.final > vis.trace[:, 0]).all()  # every ascent ended higher than it began

# %%
# In ``conv3`` the optimised inputs excite their channels more than any test photo for most
# of the eight channels: the median ratio printed above is larger than one. The pictures are
# repeating textures in a few colours, each strongest pattern tiled over the whole field.
# The digit network's channels come out as stripes and strokes at the angle of the top
# patches, mostly with lower peaks than the best real strokes: the priors hold the pixels
# back, and a 5 × 5 filter's best input is a sharp ink edge, which real digits already have.
#
# The misleading part: an optimised image lives outside the data. No photo looks like the
# ``conv3`` textures, so they tell us what the unit *can* be driven by, not what it does on
# real inputs. The priors shape the picture too: with another blur or decay the same channel
# gives another image. Read this view beside the real patches, never alone.

assert (
    np.median(ratios["cifar10_quick conv3"]) > 1 and (ratios["cifar10_quick conv3"] > 1).sum() > 4
)
assert np.median(ratios["mnist_cnn conv"]) < 1

# %%
# The learned space
# -----------------
# Now the whole layer at once. Each test image becomes a point: its raw pixels (784 numbers
# for a digit, 3,072 for a photo), or the activations of the network's last hidden layer
# (``mnist_cnn``'s 2,304 pooled conv values, ``cifar10_quick``'s 64 dense units). t-SNE
# places these points in the plane so that close neighbours stay close. We use 2,000 test
# images of each set, drawn at random with a fixed seed. The colours are the true classes,
# added after t-SNE, which never sees them. Below the map, the same map twice more with the
# digits themselves in place of the points: each cell of a grid shows the digit nearest to
# its centre, framed in its class's colour; first the raw pixels' map, then the map of
# ``mnist_cnn``'s last hidden layer.

rng = np.random.default_rng(0)
spaces = {
    "mnist_cnn": (mnist, mnist_net, "flatten", "MNIST test digits"),
    "cifar10_quick": (cifar, cifar_net, "dense", "CIFAR-10 test photos"),
}
sample, space, tsne_maps = {}, {}, {}


def learned_space(net: str) -> None:
    """t-SNE of 2,000 test images of ``net``'s data, by raw pixels and by the network's last
    hidden layer: a scatter of both, then each as a mosaic of the images themselves."""
    data, model, layer, what = spaces[net]
    sample[net] = rng.choice(len(data.x_test), 2000, replace=False)
    x = data.x_test[sample[net]]
    space[net] = {
        "raw pixels": (units.pixels(data.x_train), units.pixels(x)),
        f"{net}, last hidden layer": (
            units.features(model, data.x_train, layer),
            units.features(model, x, layer),
        ),
    }
    tsne_maps[net] = {name: units.tsne(test) for name, (_, test) in space[net].items()}
    y = data.y_test[sample[net]]
    plot.embedding_scatter(
        tsne_maps[net],
        y,
        class_names=data.class_names,
        suptitle=f"t-SNE of 2,000 {what}: raw pixels and {net}'s last hidden layer",
    )
    for name, xy in tsne_maps[net].items():
        by = "their raw pixels" if name == "raw pixels" else f"{net}'s last hidden layer"
        plot.thumbnail_mosaic(
            x, xy, y=y, class_names=data.class_names, suptitle=f"{what} placed by t-SNE of {by}"
        )


# sphinx_gallery_multi_image_block = "single"
learned_space("mnist_cnn")

# %%
# The same for the photos: their map, then the photos placed by their raw pixels and by
# ``cifar10_quick``'s last hidden layer.

# sphinx_gallery_multi_image_block = "single"
learned_space("cifar10_quick")

# %%
# On raw pixels the digits already form clusters, with 4, 7 and 9 running into each other.
# In the network's space the clusters are tighter and further apart. The photos differ more:
# by raw pixels t-SNE sorts them by colour and brightness (dark photos and green or brown
# scenes on one side, blue and pale ones, sky, sea and white backgrounds, on the other), every
# class mixed in. In
# ``cifar10_quick``'s space the classes come apart: vehicles on one side, animals on the
# other, aeroplanes and ships next to each other, cats and dogs still mixed.
#
# Where t-SNE misleads: it keeps neighbours, not distances. The size of a cluster, the gaps
# between clusters and the empty cells of the mosaic say little. Another seed or perplexity
# moves the clusters around. So we measure what the pictures suggest.
#
# How easy are the classes? A nearest-neighbour vote
# --------------------------------------------------
# A k-nearest-neighbour classifier stores the training set's points and labels each test
# point by the majority among its five nearest training points (Euclidean distance). It needs
# no training, so its accuracy measures the space itself: high when images of a class lie
# next to each other. The training sets are stored whole (60,000 digits, 50,000 photos).
# Comparing each test image with every training image is the expensive part (for the digit
# network's 2,304 features, over a hundred billion multiply-adds per thousand test images), so to
# keep the book's build short each space is scored on a random 1,000 of the test images of the
# maps. The standard error this leaves is printed with each accuracy.

scored = 1000
knn = {}
for key, net, name in [
    ("mnist_pixels", "mnist_cnn", "raw pixels"),
    ("mnist_cnn", "mnist_cnn", "mnist_cnn, last hidden layer"),
    ("cifar_pixels", "cifar10_quick", "raw pixels"),
    ("cifar10_quick", "cifar10_quick", "cifar10_quick, last hidden layer"),
]:
    data = spaces[net][0]
    y_train, y_test = data.y_train, data.y_test[sample[net]]
    space_ = space[net][name]
    train, test = space_
    knn[key] = units.knn_accuracy(train, y_train, test[:scored], y_test[:scored], k=5)
    se = np.sqrt(knn[key] * (1 - knn[key]) / scored)
    print(f"{key:>13s}: {knn[key]:.1%} of {scored} test images (standard error {se:.1%})")

metrics.record(
    "units.mnist_pixels.knn_accuracy", knn["mnist_pixels"], reference=references.KNN_MNIST_PIXELS
)
metrics.record("units.mnist_cnn.knn_accuracy", knn["mnist_cnn"])
metrics.record(
    "units.cifar_pixels.knn_accuracy", knn["cifar_pixels"], reference=references.KNN_CIFAR10_PIXELS
)
metrics.record("units.cifar10_quick.knn_accuracy", knn["cifar10_quick"])

# %%
# For comparison, the networks' own accuracy on the same 1,000 test images:

own = {
    net: probe.predict(model, data.x_test[sample[net][:scored]]).accuracy(
        data.y_test[sample[net][:scored]]
    )
    for net, (data, model, _, _) in spaces.items()
}
for key, acc in own.items():
    print(
        f"{key:>13s}: the network itself {acc:.1%}, a vote in its last hidden layer {knn[key]:.1%}"
    )

# %%
# On raw MNIST pixels the vote is already right for nearly every digit, close to the k-NN
# entries of LeCun's MNIST table. In ``mnist_cnn``'s hidden layer it makes fewer mistakes, but
# not many fewer, and it stays below the network itself: the 2,304 values are the sixteen
# stroke detectors' pooled maps, still a picture of where the strokes are, and the Euclidean
# distance between two such pictures behaves much like the distance between the digits.
# The network's output layer weighs them; the vote cannot.
#
# On raw CIFAR-10 pixels the vote is right only about a third of the time, as in CS231n's
# nearest-neighbour experiment (our vote asks five neighbours; theirs asked one). In the space
# of ``cifar10_quick``'s 64 hidden units it is right about twice as often, within a few points
# of the network's own accuracy. Three convolution stages and a dense layer have made a space
# where photos of a class are each other's neighbours, which no distance between raw photos
# provides.

assert abs(knn["mnist_pixels"] - references.KNN_MNIST_PIXELS.value) < 0.03
assert knn["mnist_pixels"] < knn["mnist_cnn"] < own["mnist_cnn"]
assert abs(knn["cifar_pixels"] - references.KNN_CIFAR10_PIXELS.value) < 0.06
assert knn["cifar10_quick"] > 1.7 * knn["cifar_pixels"]
assert abs(knn["cifar10_quick"] - own["cifar10_quick"]) < 0.06
