"""Names of the trainers' models, data sets and paddings, importable without torch (for the command line)."""

__all__ = ["MODELS", "DATASETS", "PADDINGS"]

#: Model name to the optimiser the paper trains it with.
MODELS = {"mlp": "sgd", "cnn": "sgd", "cifar-cnn": "rmsprop"}

#: Data sets that :func:`trainers.data.load_dataset` reads.
DATASETS = ("digits", "mnist", "cifar10")

#: Paddings of the convolutional models (:func:`trainers.models.mnist_cnn`, :func:`trainers.models.cifar_cnn`).
PADDINGS = ("auto", "valid", "same")

#: Connection patterns of pre-defined sparse junctions (:func:`trainers.predefined.sparse_masks`).
PATTERNS = ("random", "windowed")

#: One sample's shape and the number of classes of each of :data:`DATASETS`, known before the data are read.
DATASET_SHAPES = {"digits": ((1, 8, 8), 10), "mnist": ((1, 28, 28), 10), "cifar10": ((3, 32, 32), 10)}

__all__ += ["PATTERNS", "DATASET_SHAPES"]
