"""The interface every alternative distribution implements, and the registry that finds it.

An alternative is a discrete distribution on the integers ``x >= xmin``, with a few
parameters fitted by maximum likelihood, that :func:`~netgraph.compare.compare_tpl`
compares the truncated power law with. Each is one small class, a subclass of
:class:`Alternative` in a module of its own in :mod:`netgraph.compare`, decorated
with :func:`register`. The public functions (:func:`~netgraph.compare.fit_alternative`,
:func:`~netgraph.compare.alternative_logpmf`, ...) find it here by its name, check the
caller's input, and call its methods; they hold nothing specific to any alternative.

Examples
--------
>>> from netgraph.compare.base import get_alternative, registered_alternatives
>>> registered_alternatives()
('power_law', 'cutoff_power_law', 'lognormal', 'exponential')
>>> law = get_alternative("lognormal")
>>> law.parameters, law.n_params
(('mu', 'sigma'), 2)
"""

from __future__ import annotations

import abc
import inspect
from typing import ClassVar

import numpy as np

from netgraph.exceptions import FitError, InvalidParameterError
from netgraph.utils.check import check_choice, check_real

__all__ = ["Alternative", "register", "unregister", "get_alternative", "registered_alternatives"]


class Alternative(abc.ABC):
    """A discrete distribution on ``x >= xmin`` that the TPL can be compared with.

    A subclass sets the class attributes ``name`` and ``parameters`` (and, if it is
    to come before others in a comparison, ``order``), implements :meth:`fit`,
    :meth:`logpmf` and :meth:`logsf`, and narrows :meth:`check_params` to its
    parameters' domain. The input checks, the comparison and the results are the same
    for every alternative and live in ``netgraph/compare/comparison.py``.

    The methods work on checked input: ``x`` a float array of integers ``>= xmin``,
    ``xmin`` a positive int, ``params`` a tuple of floats in the order of
    ``parameters`` that :meth:`check_params` accepts (or that :meth:`fit` returned).

    Attributes
    ----------
    name : str
        The name users pass (``fit_alternative(name, ...)``); it keys the result of
        :func:`~netgraph.compare.compare_tpl`.
    parameters : tuple of str
        The parameter names, in the order of the tuples :meth:`fit` returns and
        :meth:`logpmf` and :meth:`logsf` take; the keys of ``alt_params``.
    order : int, default 100
        The place in the default order of a comparison: lower first, ties by name.
        The four alternatives of netgraph use 10 to 40.
    n_params : int
        The number of parameters.

    Examples
    --------
    A shifted Poisson law, as a new alternative would be written (it is not registered
    here; :func:`register` would make :func:`~netgraph.compare.compare_tpl` use it):

    >>> import numpy as np
    >>> from scipy import stats
    >>> class ShiftedPoisson(Alternative):
    ...     name = "shifted_poisson"
    ...     parameters = ("mu",)
    ...     def fit(self, x, xmin):
    ...         return (float(np.mean(x)) - xmin,)
    ...     def logpmf(self, x, params, xmin):
    ...         return stats.poisson.logpmf(x - xmin, params[0])
    ...     def logsf(self, x, params, xmin):
    ...         return float(stats.poisson.logsf(x - xmin - 1, params[0]))
    >>> law = ShiftedPoisson()
    >>> law.fit(np.array([3.0, 4.0, 5.0, 8.0]), 3)
    (2.0,)
    >>> law.read_params({"mu": 2.0}), law.n_params
    ((2.0,), 1)
    """

    name: ClassVar[str]
    parameters: ClassVar[tuple[str, ...]]
    order: ClassVar[int] = 100

    @property
    def n_params(self) -> int:
        """The number of parameters, ``len(parameters)``."""
        return len(self.parameters)

    @abc.abstractmethod
    def fit(self, x: np.ndarray, xmin: int) -> tuple:
        """The maximum-likelihood parameters on the points ``x`` (not empty).

        Parameters
        ----------
        x : ndarray of float
            The data, integers ``>= xmin``.
        xmin : int
            The lower bound of the support.

        Returns
        -------
        tuple of float
            The parameters, in the order of ``parameters``.

        Raises
        ------
        FitError
            When the estimate does not exist for these data (:meth:`degenerate`).
        """

    @abc.abstractmethod
    def logpmf(self, x: np.ndarray, params: tuple, xmin: int) -> np.ndarray:
        """``log p(x)`` at each point of ``x``.

        Parameters
        ----------
        x : ndarray of float
            Points, integers ``>= xmin``.
        params : tuple of float
            The parameters, in the order of ``parameters``.
        xmin : int
            The lower bound of the support.

        Returns
        -------
        ndarray of float
            The log-probabilities, in the order of ``x``.
        """

    @abc.abstractmethod
    def logsf(self, x: float, params: tuple, xmin: int) -> float:
        """``log P(X >= x)`` for an integer ``x > xmin`` (the callers answer 0 for ``x <= xmin``).

        Parameters
        ----------
        x : float
            A point, an integer ``> xmin``.
        params : tuple of float
            The parameters, in the order of ``parameters``.
        xmin : int
            The lower bound of the support.

        Returns
        -------
        float
        """

    def check_params(self, values: tuple) -> tuple:
        """Check parameter values against the domain; return them as floats.

        The default accepts any finite numbers; subclasses narrow it with the checks
        of :mod:`netgraph.utils.check`, so that the message names the parameter.

        Parameters
        ----------
        values : tuple
            The values, in the order of ``parameters``.

        Returns
        -------
        tuple of float

        Raises
        ------
        InvalidParameterError
            If a value is outside the domain.
        """
        return tuple(check_real(v, p) for v, p in zip(values, self.parameters))

    def read_params(self, params) -> tuple:
        """The checked parameter tuple of a mapping such as ``{"alpha": 2.0}``.

        Parameters
        ----------
        params : mapping of str to float
            Every name of ``parameters`` (other keys are ignored).

        Returns
        -------
        tuple of float
            The values in the order of ``parameters``.

        Raises
        ------
        InvalidParameterError
            If a parameter is missing or outside the domain (:meth:`check_params`).
        """
        try:
            values = tuple(params[p] for p in self.parameters)
        except (KeyError, TypeError, IndexError):
            raise InvalidParameterError(
                f"params must be a mapping with {', '.join(self.parameters)} (the parameters of {self.name}); "
                f"got {params!r}"
            ) from None
        return self.check_params(values)

    def degenerate(self, x: np.ndarray) -> FitError:
        """The error :meth:`fit` raises when the maximum-likelihood estimate does not exist."""
        return FitError(
            f"cannot fit {self.name} to {x.size} point(s) with {np.unique(x).size} distinct value(s): "
            f"the maximum-likelihood estimate does not exist"
        )


#: The registered alternatives by name: one instance of each class.
_REGISTRY: dict[str, Alternative] = {}


def register(cls: type) -> type:
    """Register an alternative class (a class decorator): it is then found by its name.

    Parameters
    ----------
    cls : type
        A concrete subclass of :class:`Alternative` with a ``name`` no other
        registered alternative has.

    Returns
    -------
    type
        ``cls`` itself.

    Raises
    ------
    InvalidParameterError
        If ``cls`` is not a concrete subclass of :class:`Alternative`, lacks a
        ``name`` or ``parameters``, or its name is taken.

    Examples
    --------
    >>> from netgraph.compare.exponential import Exponential
    >>> register(Exponential)
    Traceback (most recent call last):
    ...
    netgraph.exceptions.InvalidParameterError: the alternative 'exponential' is already registered (Exponential)
    """
    if not (isinstance(cls, type) and issubclass(cls, Alternative)) or inspect.isabstract(cls):
        raise InvalidParameterError(f"cls must be a concrete subclass of Alternative; got {cls!r}")
    name, parameters = getattr(cls, "name", None), getattr(cls, "parameters", None)
    if not (isinstance(name, str) and name):
        raise InvalidParameterError(f"{cls.__qualname__}.name must be a non-empty string; got {name!r}")
    if not (isinstance(parameters, tuple) and all(isinstance(p, str) for p in parameters)):
        raise InvalidParameterError(f"{cls.__qualname__}.parameters must be a tuple of str; got {parameters!r}")
    if name in _REGISTRY:
        raise InvalidParameterError(
            f"the alternative {name!r} is already registered ({type(_REGISTRY[name]).__qualname__})"
        )
    _REGISTRY[name] = cls()
    return cls


def unregister(name: str) -> type:
    """Remove a registered alternative; return its class.

    Parameters
    ----------
    name : str
        A registered name.

    Returns
    -------
    type
        The class that was registered under ``name``.

    Raises
    ------
    InvalidParameterError
        If no alternative is registered under ``name``.

    Examples
    --------
    >>> unregister("gamma")
    Traceback (most recent call last):
    ...
    netgraph.exceptions.InvalidParameterError: name must be one of 'power_law', ..., 'exponential'; got 'gamma'
    """
    check_choice(name, "name", registered_alternatives())
    return type(_REGISTRY.pop(name))


def registered_alternatives() -> tuple[str, ...]:
    """The names of the registered alternatives, in their default order.

    Returns
    -------
    tuple of str
        Sorted by each class's ``order``, then by name.

    Examples
    --------
    >>> registered_alternatives()[0]
    'power_law'
    """
    return tuple(sorted(_REGISTRY, key=lambda name: (_REGISTRY[name].order, name)))


def get_alternative(name, label: str = "name") -> Alternative:
    """The registered alternative called ``name``.

    Parameters
    ----------
    name : str
        Its name.
    label : str, default "name"
        The name of the caller's parameter, for the message.

    Returns
    -------
    Alternative

    Raises
    ------
    InvalidParameterError
        If no alternative is registered under ``name``.

    Examples
    --------
    >>> get_alternative("power_law").parameters
    ('alpha',)
    >>> get_alternative("gamma", "alternatives[0]")
    Traceback (most recent call last):
    ...
    netgraph.exceptions.InvalidParameterError: alternatives[0] must be one of 'power_law', ...; got 'gamma'
    """
    check_choice(name, label, registered_alternatives())
    return _REGISTRY[name]
