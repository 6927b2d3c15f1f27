"""Names of the trainers' models, data sets and paddings, importable without torch (for the command line)."""

__all__ = ["MODELS", "DATASETS", "PADDINGS"]

#: Model name to the optimiser the paper trains it with.
MODELS = {"mlp": "sgd", "cnn": "sgd", "cifar-cnn": "rmsprop"}

#: Data sets that :func:`trainers.data.load_dataset` reads.
DATASETS = ("digits", "mnist", "cifar10")

#: Paddings of the convolutional models (:func:`trainers.models.mnist_cnn`, :func:`trainers.models.cifar_cnn`).
PADDINGS = ("auto", "valid", "same")
