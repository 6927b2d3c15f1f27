"""Names of the trainers' models and data sets, importable without torch (for the command line)."""

__all__ = ["MODELS", "DATASETS"]

#: Model name to the optimiser the paper trains it with.
MODELS = {"mlp": "sgd", "cnn": "sgd", "cifar-cnn": "rmsprop"}

#: Data sets that :func:`trainers.data.load_dataset` reads.
DATASETS = ("digits", "mnist", "cifar10")
