"""Shared pytest configuration: the ``--runslow`` option and ONNX export fixtures.

Tests marked ``@pytest.mark.slow`` (full-size architectures, the dynamo exporter on
every family, the calibration of the bootstrap p-values) are skipped unless pytest runs
with ``--runslow``, as in networkx; ``make test-all`` runs them with the rest, ``make
test-slow`` alone.

Fixtures
--------
tmp_onnx
    Export a torch model to a ``.onnx`` file in the test's ``tmp_path``.
zoo_onnx
    Export a :mod:`zoo` family (``tests/zoo/``) once per session (cached) and give its
    path.

:mod:`zoo` is imported inside the fixtures, and it imports torch only when a family is
built, so that test modules that do not export anything do not pay for it.
"""

import pytest


def pytest_addoption(parser):
    parser.addoption(
        "--runslow", action="store_true", default=False,
        help="run the slow tests (full-size architectures, dynamo exports, bootstrap calibration)",
    )


def pytest_configure(config):
    # Also declared in setup.cfg; repeated here so the marker is known whatever the
    # configuration file pytest picked.
    config.addinivalue_line(
        "markers",
        "slow: heavy tests (full-size architectures, dynamo exports, bootstrap calibration); run with --runslow",
    )


def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow"):
        return
    skip_slow = pytest.mark.skip(reason="slow test: run with --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip_slow)


@pytest.fixture
def tmp_onnx(tmp_path):
    """Export a model to ONNX under ``tmp_path`` and return the file's path.

    The fixture's value is a function
    ``export(model, example_input, name="model", *, dynamo=False, opset=None)``
    returning the :class:`pathlib.Path` of ``tmp_path / f"{name}.onnx"``; see
    :func:`zoo.export_onnx` for the arguments.

    Examples
    --------
    In a test module (not a doctest: it needs pytest's fixtures)::

        def test_something(tmp_onnx):
            model, x = zoo.build("resnet18")
            path = tmp_onnx(model, x, "resnet18")
            graph = exporters.read_onnx(path)
    """
    import zoo

    def export(model, example_input, name="model", *, dynamo=False, opset=None):
        path = tmp_path / f"{name}.onnx"
        zoo.export_onnx(model, example_input, path, dynamo=dynamo, opset=opset)
        return path

    return export


@pytest.fixture(scope="session")
def zoo_onnx(tmp_path_factory):
    """Export a zoo family to ONNX once per session and return the file's path.

    The fixture's value is a function
    ``export(name, *, dynamo=False, opset=None, **build_kwargs)`` that builds
    ``zoo.build(name, **build_kwargs)`` (small variant unless ``full=True``), exports
    it, and returns the :class:`pathlib.Path` of the ``.onnx`` file. Calls with the
    same arguments return the same file, so tests must not modify it.

    Examples
    --------
    In a test module (not a doctest: it needs pytest's fixtures)::

        def test_something(zoo_onnx):
            path = zoo_onnx("densenet121", dynamo=True)
    """
    import zoo

    root = tmp_path_factory.mktemp("zoo")
    cache = {}

    def export(name, *, dynamo=False, opset=None, **build_kwargs):
        key = (name, dynamo, opset, tuple(sorted(build_kwargs.items())))
        if key not in cache:
            model, example_input = zoo.build(name, **build_kwargs)
            path = root / f"{name}-{len(cache)}.onnx"
            zoo.export_onnx(model, example_input, path, dynamo=dynamo, opset=opset)
            cache[key] = path
        return cache[key]

    return export
