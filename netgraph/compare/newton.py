"""A damped Newton minimiser of smooth functions of two variables, for the two-parameter fits.

The power law with exponential cutoff and the lognormal are fitted by minimising
their negative log-likelihood with :func:`minimize_2d`.
"""

from __future__ import annotations

import math

__all__ = ["minimize_2d"]


def minimize_2d(f, x0, scale, bounds, *, max_iter: int = 200):
    """Minimise a smooth function of two variables by Levenberg-Marquardt-damped Newton steps.

    Gradient and Hessian by central differences (steps ``2e-5 * scale``), each step
    accepted only if it lowers ``f`` (the damping grows by 4 until one does, and
    shrinks by 4 after it), iterates clipped to ``bounds``. It stops when no step
    lowers ``f``, when a step moves less than 1e-11 scale units or gains less than
    1e-16 relative, or after ``max_iter`` steps. Pure Python on floats: no BLAS
    call, so no thread start-up cost on tiny matrices, and the same result on every
    machine.

    Parameters
    ----------
    f : callable
        ``f([x0, x1]) -> float``, the function to minimise.
    x0 : pair of float
        The starting point.
    scale : pair of float
        The typical size of each variable (difference steps and convergence test).
    bounds : pair of (low, high)
        The box the iterates stay in.
    max_iter : int, default 200
        The largest number of Newton steps.

    Returns
    -------
    x : list of float
        The last accepted point.
    fx : float
        ``f(x)``.

    Examples
    --------
    >>> x, fx = minimize_2d(lambda p: (p[0] - 1) ** 2 + 10 * (p[1] + 2) ** 2, (0.0, 0.0), (1.0, 1.0),
    ...                     [(-5, 5), (-5, 5)])
    >>> [round(v, 6) for v in x], round(fx, 12) + 0.0
    ([1.0, -2.0], 0.0)
    >>> x, _ = minimize_2d(lambda p: (p[0] - 9) ** 2 + p[1] ** 2, (0.0, 1.0), (1.0, 1.0),
    ...                    [(-5.0, 5.0), (-5.0, 5.0)])
    >>> [round(v, 6) + 0.0 for v in x]  # against the bound
    [5.0, 0.0]
    """
    lo = [b[0] for b in bounds]
    hi = [b[1] for b in bounds]

    def clip(p):
        return [min(max(p[0], lo[0]), hi[0]), min(max(p[1], lo[1]), hi[1])]

    x = clip([float(x0[0]), float(x0[1])])
    fx = f(x)
    nu = 0.0
    for _ in range(max_iter):
        h0, h1 = 2e-5 * scale[0], 2e-5 * scale[1]
        fpp = [f([x[0] + h0, x[1]]), f([x[0] - h0, x[1]]), f([x[0], x[1] + h1]), f([x[0], x[1] - h1])]
        fxy = [f([x[0] + h0, x[1] + h1]), f([x[0] + h0, x[1] - h1]), f([x[0] - h0, x[1] + h1]),
               f([x[0] - h0, x[1] - h1])]
        g0 = (fpp[0] - fpp[1]) / (2 * h0)
        g1 = (fpp[2] - fpp[3]) / (2 * h1)
        H00 = (fpp[0] - 2 * fx + fpp[1]) / h0**2
        H11 = (fpp[2] - 2 * fx + fpp[3]) / h1**2
        H01 = (fxy[0] - fxy[1] - fxy[2] + fxy[3]) / (4 * h0 * h1)
        if not all(map(math.isfinite, (g0, g1, H00, H11, H01))):
            break
        d0, d1 = max(abs(H00), 1e-12), max(abs(H11), 1e-12)
        moved = False
        for _ in range(60):
            A00, A11 = H00 + nu * d0, H11 + nu * d1
            det = A00 * A11 - H01 * H01
            if A00 <= 0 or det <= 0:
                nu = max(4.0 * nu, 1e-4)
                continue
            s0 = -(A11 * g0 - H01 * g1) / det
            s1 = -(A00 * g1 - H01 * g0) / det
            xn = clip([x[0] + s0, x[1] + s1])
            fn = f(xn)
            if fn < fx:
                moved = True
                break
            nu = max(4.0 * nu, 1e-4)
        if not moved:
            break
        step = max(abs(xn[0] - x[0]) / scale[0], abs(xn[1] - x[1]) / scale[1])
        gain = fx - fn
        x, fx = xn, fn
        nu /= 4.0
        if step < 1e-11 or gain <= 1e-16 * max(1.0, abs(fx)):
            break
    return x, fx
