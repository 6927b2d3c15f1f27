"""Bootstrap goodness-of-fit tests of a TPL fit, and Deluca & Corral's range rule (private).

* The fixed-range test of Deluca & Corral (:func:`_fixed_range_pvalue`): synthetic samples
  of ``n_tail`` values drawn from the fitted TPL on its range, only alpha refitted, the KS
  distance taken on that range (:func:`_fixed_range_ks`; for supports of up to 4096
  integers from multinomial counts per value, :func:`_fixed_range_ks_dense`).
* Deluca & Corral's rule (:func:`_deluca_corral_scan`): the widest candidate range whose
  fixed-range p-value exceeds a threshold; :func:`_fit_search` runs the range search with
  either rule.
* The semi-parametric bootstrap of Clauset, Shalizi & Newman (:func:`_clauset_replicates`):
  synthetic data sets of the layer's size, the TPL inside the range and the observed
  degrees outside it, on which the whole search is run again; :func:`_map_replicates`
  spreads the replicates over worker processes.

* Whole-model p-values (:func:`clauset_pvalues`, public; :func:`supported` says which fits
  it takes): the same replicates as :func:`_clauset_replicates`, but only *decided* (is the
  replicate's KS distance at least the observed one?) by ``netgraph.tpl._decisions``, on one
  pool for every layer of a model, with Besag & Clifford's sequential p-value as an option.
  :func:`_clauset_replicates` stays as it was: the estimator's own bootstrap, today's
  algorithm, which the tests and ``benchmarks/bench_fit_model.py`` compare with.

Every replicate has its own child seed (:func:`netgraph.utils.seeds.child_seed`), so a
p-value does not depend on the number of processes.
"""

from __future__ import annotations

import math
import os
import sys

import numpy as np

from netgraph.exceptions import FitError, InvalidParameterError
from netgraph.tpl._decisions import _clauset_decisions
from netgraph.tpl.distribution import _Sampler
from netgraph.tpl.ks import _ks_padded, _Sample
from netgraph.tpl.mle import _solve_alpha
from netgraph.tpl.search import _Search
from netgraph.utils.check import check_int
from netgraph.utils.seeds import child_seed

__all__ = ["clauset_pvalues", "supported"]

#: Fixed-range bootstraps on supports up to this many integers draw counts per value
#: (multinomial) and compare the CCDFs at every integer directly.
_DENSE_MAX = 4096

#: Linux's prctl option: the signal a process gets when its parent dies.
_PR_SET_PDEATHSIG = 1


def _fixed_range_ks(sampler: _Sampler, n_tail: int, reps: int, rng) -> np.ndarray:
    """KS distances of ``reps`` samples of size ``n_tail`` drawn from ``sampler``, each
    refitted (alpha only) on the sampler's range."""
    a = float(sampler.a)
    b = float(sampler.b)
    size = sampler.b - sampler.a + 1
    if size <= _DENSE_MAX and sampler.table is not None:
        return _fixed_range_ks_dense(sampler, n_tail, reps, rng)
    x = sampler(reps * n_tail, rng).reshape(reps, n_tail)
    x.sort(axis=1)
    d = np.zeros(reps)
    # A sample all at xmin (or all at xmax) is fitted exactly by alpha -> +inf (-inf): D = 0.
    fit = ~((x[:, 0] == x[:, -1]) & ((x[:, 0] == sampler.a) | (x[:, 0] == sampler.b)))
    if not fit.any():
        return d
    x = x[fit]
    reps_fit = x.shape[0]
    xf = x.astype(float)
    mrel = np.log1p((xf - a) / a).mean(axis=1)
    new = np.ones(x.shape, dtype=bool)
    new[:, 1:] = x[:, 1:] != x[:, :-1]
    rank = np.cumsum(new, axis=1) - 1
    nu = rank[:, -1] + 1
    width = int(nu.max())
    rows, cols = np.nonzero(new)
    v = np.empty((reps_fit, width))
    cge = np.zeros((reps_fit, width))
    v[rows, rank[rows, cols]] = xf[rows, cols]
    cge[rows, rank[rows, cols]] = n_tail - cols
    valid = np.arange(width)[None, :] < nu[:, None]
    v = np.where(valid, v, xf[:, -1:])
    ones = np.ones(reps_fit)
    alpha = _solve_alpha(mrel, a * ones, b * ones, math.log1p((b - a) / a) * ones)
    d[fit] = _ks_padded(alpha, a * ones, b * ones, v, cge, valid, float(n_tail) * ones)
    return d


def _fixed_range_ks_dense(sampler: _Sampler, n_tail: int, reps: int, rng) -> np.ndarray:
    """As _fixed_range_ks for short supports: counts per value (multinomial), and the CCDFs
    at every integer of the support."""
    a = float(sampler.a)
    b = float(sampler.b)
    counts = rng.multinomial(n_tail, sampler.pmf, size=reps)
    d = np.zeros(reps)
    fit = (counts[:, 0] < n_tail) & (counts[:, -1] < n_tail)  # else fitted exactly by alpha = +-inf
    if not fit.any():
        return d
    counts = counts[fit]
    k = np.arange(sampler.a, sampler.b + 1, dtype=float)
    ell = np.log1p((k - a) / a)  # log(k / a)
    lam = math.log1p((b - a) / a)
    mrel = counts @ ell / n_tail
    ones = np.ones(counts.shape[0])
    alpha = _solve_alpha(mrel, a * ones, b * ones, lam * ones)
    # (k / r)^-alpha with r = a for alpha >= 0 and r = b below, so that no term exceeds 1
    shift = np.where(alpha >= 0.0, 0.0, lam)
    w = np.exp(-alpha[:, None] * (ell[None, :] - shift[:, None]))
    tail = np.cumsum(w[:, ::-1], axis=1)[:, ::-1]
    semp = np.cumsum(counts[:, ::-1], axis=1)[:, ::-1] / n_tail
    d[fit] = np.abs(semp - tail / tail[:, :1]).max(axis=1)
    return d


def _fixed_range_pvalue(alpha, a, b, n_tail, ks, n_rep, ss, threshold=None, bar=None):
    """Deluca & Corral's p-value of a fit on a fixed range: the fraction of ``n_rep``
    synthetic samples (size ``n_tail``, from the fitted TPL, alpha refitted) whose KS
    distance is at least ``ks``.

    With ``threshold``, stops as soon as p > threshold has become impossible and returns
    None (the replicates are drawn in the same order either way, so a completed p-value
    does not depend on it). Returns ``(p, distances)``.
    """
    sampler = _Sampler(alpha, a, b)
    rng = np.random.default_rng(ss)
    batch = int(max(1, min(n_rep, 50, 2_000_000 // max(n_tail, 1))))
    need = math.floor(threshold * n_rep) + 1 if threshold is not None else None
    out = []
    exceed = 0
    done = 0
    while done < n_rep:
        reps = min(batch, n_rep - done)
        d = _fixed_range_ks(sampler, n_tail, reps, rng)
        out.append(d)
        exceed += int(np.count_nonzero(d >= ks))
        done += reps
        if bar is not None:
            bar.update(reps)
        if need is not None and exceed + (n_rep - done) < need:
            return None, np.concatenate(out)
    return exceed / n_rep, np.concatenate(out)


def _deluca_corral_scan(search: _Search, n_rep: int, threshold: float, ss) -> tuple[int | None, float | None]:
    """Deluca & Corral's rule: the widest range (largest xmax / xmin) whose fixed-range
    p-value exceeds ``threshold``; ties by more data, then smaller xmin. Ranges are tried
    from the widest down, so only the rejected ones and the chosen one are tested."""
    order = np.lexsort((search.a, -search.n_tail, -(search.b / search.a)))
    step = 16
    for s in range(0, order.size, step):
        sel = order[s:s + step]
        ks = search.exact(sel)
        for i, d in zip(sel, ks):
            a = int(search.a[i])
            b = int(search.b[i])
            p, _ = _fixed_range_pvalue(search.alpha[i], a, b, int(search.n_tail[i]), d, n_rep,
                                       child_seed(ss, 1, a, b), threshold)
            if p is not None and p > threshold:
                return int(i), p
    return None, None


def _fit_search(sample: _Sample, k: float, rule: str, range_bootstrap: int, p_threshold: float, ss,
                xmin=None, xmax=None):
    """The search with either rule: (search, chosen index, dc index or None, dc p-value)."""
    search = _Search(sample, k, xmin, xmax)
    if rule == "ks":
        return search, search.best, None, None
    dc, p = _deluca_corral_scan(search, range_bootstrap, p_threshold, ss)
    return search, (search.best if dc is None else dc), dc, p


def _clauset_replicates(payload, seeds):
    """KS distances of Clauset's semi-parametric bootstrap replicates (one per seed).

    Each synthetic data set has the size of the layer: each value is, with probability
    n_tail / n, drawn from the fitted TPL, else drawn from the observed values outside
    [xmin, xmax] (zeros included); the whole search is then run on it again.
    """
    sorted_deg, alpha, a, b, n_tail, k, rule, range_bootstrap, p_threshold, xmin, xmax = payload
    n = sorted_deg.size
    outside = sorted_deg[(sorted_deg < a) | (sorted_deg > b)]
    sampler = _Sampler(alpha, a, b)
    out = np.empty(len(seeds))
    for t, ss in enumerate(seeds):
        rng = np.random.default_rng(ss)
        n_in = int(rng.binomial(n, n_tail / n))
        syn = sampler(n_in, rng)
        if n_in < n:
            syn = np.concatenate([syn, outside[rng.integers(0, outside.size, n - n_in)]])
        try:
            search, i, _, _ = _fit_search(_Sample(syn), k, rule, range_bootstrap, p_threshold, ss, xmin, xmax)
            out[t] = search.exact([i])[0]
        except FitError:
            out[t] = np.nan
    return out


def _map_replicates(func, payload, seeds, n_jobs: int, bar) -> np.ndarray:
    """``func(payload, seeds[i:j])`` over chunks, in worker processes when n_jobs > 1.

    Each replicate has its own seed, so the result does not depend on n_jobs. The
    workers ignore Ctrl-C, take SIGTERM's default action and, on Linux, are sent
    SIGTERM when the parent dies (:func:`_worker_init`). When anything stops the parent
    (Ctrl-C, the command line's SIGTERM, an error in a worker), the pool is stopped at
    once by :func:`_stop_pool`: the pending chunks cancelled, the workers terminated.
    So no worker outlives the work, even when the parent is killed."""
    total = len(seeds)
    out = np.empty(total)
    chunk = max(1, min(25, total // (8 * n_jobs) or 1))
    bounds = [(i, min(i + chunk, total)) for i in range(0, total, chunk)]
    if n_jobs == 1 or len(bounds) == 1:
        for i, j in bounds:
            out[i:j] = func(payload, seeds[i:j])
            bar.update(j - i)
        return out
    from concurrent.futures import ProcessPoolExecutor, as_completed

    pool = ProcessPoolExecutor(max_workers=min(n_jobs, len(bounds)), initializer=_worker_init,
                               initargs=(os.getpid(),))
    try:
        futures = {pool.submit(func, payload, seeds[i:j]): (i, j) for i, j in bounds}
        for fut in as_completed(futures):
            i, j = futures[fut]
            out[i:j] = fut.result()
            bar.update(j - i)
    except BaseException:
        _stop_pool(pool)
        raise
    pool.shutdown(wait=True)
    return out


def _worker_init(parent: int) -> None:
    """In a worker: leave Ctrl-C to the parent, die at once on SIGTERM and with the parent.

    SIGINT is ignored (a Ctrl-C reaches the whole process group; the parent stops the
    pool) and SIGTERM gets its default action back (a forked worker inherits the
    parent's handlers, the command line's among them), so :func:`_stop_pool` ends it at
    once. On Linux the worker asks to be sent SIGTERM when its parent dies
    (``prctl(PR_SET_PDEATHSIG)``), so a parent killed outright leaves no orphan; if the
    parent ``parent`` died before that request, the worker exits."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM))
        except (OSError, AttributeError):  # no libc to ask: _stop_pool still ends the workers
            pass
    if os.getppid() != parent:
        os._exit(1)


def _stop_pool(pool, timeout: float = 1.0) -> None:
    """Stop a ProcessPoolExecutor now: cancel what is pending, terminate and reap the workers.

    ``shutdown(wait=True)`` (what leaving a ``with`` block does) would wait for every
    submitted chunk; this returns within about ``timeout`` seconds. The workers are
    the executor's own processes (its ``_processes``); one that outlives SIGTERM for
    ``timeout`` seconds is killed."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        if process.is_alive():
            process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.join(timeout)
        if process.is_alive():
            process.kill()
            process.join(timeout)


# ---------------------------------------------------------------------- whole-model p-values
def _payload(est) -> tuple:
    """What a worker needs to decide the Clauset replicates of the fitted estimator ``est``."""
    space = est._space() if hasattr(est, "_space") else est.k  # k, with the rest of the search space if any
    return (est._sample.sorted, est.alpha_, est.xmin_, est.xmax_, est.n_tail_, space, est.xmin, est.xmax, est.ks_)


class _Layer:
    """The replicates of one fit: decisions filled in seed order, and the sequential stop."""

    def __init__(self, n_rep: int, sequential: bool, threshold: float, h: int):
        self.codes = np.full(n_rep, -1.0)  # -1: not yet computed
        self.n_rep = n_rep
        self.sequential = sequential
        self.threshold = threshold
        self.h = h
        self.used = 0  # the replicates taken, a prefix in seed order
        self.stopped = False

    def add(self, i: int, j: int, codes) -> None:
        self.codes[i:j] = codes
        if self.stopped:
            return
        while self.used < self.n_rep and self.codes[self.used] != -1.0:  # (NaN, unfitted, counts)
            self.used += 1
            if self.sequential and self._settled():
                self.stopped = True
                return
        self.stopped = self.used == self.n_rep

    def _settled(self) -> bool:
        """Besag & Clifford's stop (h exceedances), or the decision p > threshold settled
        whatever the replicates left would give."""
        c = self.codes[:self.used]
        e = int(np.count_nonzero(c == 1.0))
        ok = int(np.count_nonzero(~np.isnan(c)))
        rest = self.n_rep - self.used
        if e >= self.h:
            return True
        return ok + rest > 0 and (e / (ok + rest) > self.threshold or (e + rest) / (ok + rest) <= self.threshold)

    def result(self) -> dict:
        c = self.codes[:self.used]
        ok = int(np.count_nonzero(~np.isnan(c)))
        if not ok:  # (the estimator's own bootstrap raises FitError)
            return {"p_value": None, "mc_error": None, "replicates": self.used, "unfitted": self.used,
                    "stopped_early": self.used < self.n_rep}
        e = int(np.count_nonzero(c == 1.0))
        p = e / ok
        return {"p_value": p, "mc_error": math.sqrt(p * (1.0 - p) / ok), "replicates": self.used,
                "unfitted": self.used - ok, "stopped_early": self.used < self.n_rep}


def supported(est) -> bool:
    """Whether :func:`clauset_pvalues` takes the estimator ``est``: fitted, rule ``"ks"``, a finite range.

    Examples
    --------
    >>> from netgraph.tpl import TruncatedPowerLaw
    >>> supported(TruncatedPowerLaw())
    False
    """
    return (getattr(est, "rule", None) == "ks" and "_search" in getattr(est, "__dict__", {})
            and math.isfinite(float(est.xmax_)))


def clauset_pvalues(fits, n_bootstrap: int, *, n_jobs: int = 1, sequential: bool = False,
                    threshold: float = 0.1, h: int = 10, progress=None) -> list:
    """Clauset's bootstrap p-values of many fits at once (every layer of a model), on one pool.

    The p-value of each fit is the one of ``fit.goodness_of_fit(n_bootstrap)`` (method
    ``"clauset"``, the fit's own seed): the same synthetic data sets from the same seeds.
    It is computed faster: a replicate is only *decided* (is its KS distance at least the
    observed one?), which most replicates settle on a few candidate ranges or after a few
    rounds of lower bounds, without the search for their best range; every process keeps the
    sampler of a fit's support between its chunks; and the replicates of all the fits share
    one pool of ``n_jobs`` processes, so that no core waits for a layer to finish.

    Parameters
    ----------
    fits : sequence of TruncatedPowerLaw
        Fitted with ``rule="ks"`` on a finite range (:func:`supported`; for the others,
        the estimator's own :meth:`~netgraph.tpl.TruncatedPowerLaw.goodness_of_fit`).
    n_bootstrap : int
        Replicates per fit (at most, with ``sequential``).
    n_jobs : int, default 1
        Worker processes; 1 computes in this process. The p-values do not depend on it.
    sequential : bool, default False
        Besag & Clifford's sequential Monte Carlo p-value: a fit's replicates are taken in
        seed order and stop once ``h`` of them reach the observed distance (p is then
        ``h / L`` after ``L`` replicates), or once the decision ``p > threshold`` of the full
        run is settled whatever the replicates left would give.
    threshold, h : float and int, default 0.1 and 10
        The decision threshold and the number of exceedances of ``sequential``.
    progress : bool or None
        One progress bar over every fit's replicates (see
        :func:`netgraph.utils.progress.show_progress`).

    Returns
    -------
    list of dict
        Per fit: ``p_value``, ``mc_error`` (the binomial standard error
        ``sqrt(p (1 - p) / m)`` of ``p`` over the ``m`` fitted replicates), ``replicates``
        (taken), ``unfitted`` (synthetic data sets without a candidate range, left out
        of ``p``) and ``stopped_early``. ``p_value`` and ``mc_error`` are None when no
        synthetic data set of a fit could be fitted.

    Raises
    ------
    InvalidParameterError
        On a fit that is not fitted, or not with rule ``"ks"``, or a bad ``n_bootstrap``
        or ``n_jobs``.

    Examples
    --------
    >>> from netgraph.tpl import DiscreteTPL, TruncatedPowerLaw
    >>> est = TruncatedPowerLaw(seed=3).fit(DiscreteTPL(1.6, 2, 80).sample(300, seed=1))
    >>> r = clauset_pvalues([est], 40)[0]
    >>> r["p_value"] == est.goodness_of_fit(40, progress=False), r["replicates"]
    (True, 40)
    >>> clauset_pvalues([est], 400, sequential=True)[0]["replicates"] < 400
    True
    """
    from netgraph.utils.progress import progress_bar
    from netgraph.utils.seeds import seed_sequence

    n_bootstrap = check_int(n_bootstrap, "n_bootstrap", minimum=1)
    n_jobs = check_int(n_jobs, "n_jobs", minimum=1)
    for est in fits:
        if not supported(est):
            raise InvalidParameterError(f"clauset_pvalues takes fitted TruncatedPowerLaw estimators of rule 'ks' and "
                                        f"a finite xmax; got {est!r}: use its goodness_of_fit")
    layers, tasks = [], []
    for f, est in enumerate(fits):
        layers.append(_Layer(n_bootstrap, sequential, threshold, h))
        ss = seed_sequence(est.seed)
        seeds = [child_seed(ss, 0, i) for i in range(n_bootstrap)]
        chunk = max(1, min(10 if sequential else 25, n_bootstrap // (8 * n_jobs) or 1))
        payload = _payload(est)
        tasks += [(f, i, min(i + chunk, n_bootstrap), payload, seeds[i:i + chunk])
                  for i in range(0, n_bootstrap, chunk)]
    with progress_bar(n_bootstrap * len(layers), desc="bootstrap", unit="replicate", progress=progress) as bar:
        if n_jobs == 1 or len(tasks) <= 1:
            for f, i, j, payload, seeds in tasks:
                if not layers[f].stopped:
                    layers[f].add(i, j, _clauset_decisions(payload, seeds))
                    bar.update(j - i if not layers[f].stopped else n_bootstrap - i)
        else:
            _pool_decisions(tasks, layers, n_jobs, bar)
    return [layer.result() for layer in layers]


def _pool_decisions(tasks, layers, n_jobs: int, bar) -> None:
    """The tasks of :func:`clauset_pvalues` on a pool; a fit that stops cancels its pending chunks."""
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    pool = ProcessPoolExecutor(max_workers=min(n_jobs, len(tasks)), initializer=_worker_init,
                               initargs=(os.getpid(),))
    try:
        futures = {pool.submit(_clauset_decisions, payload, seeds): (f, i, j) for f, i, j, payload, seeds in tasks}
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for fut in done:
                if fut.cancelled():
                    continue
                f, i, j = futures[fut]
                layer = layers[f]
                was = layer.stopped
                layer.add(i, j, fut.result())
                if was:
                    continue  # counted on the bar when its fit stopped
                bar.update(j - i)
                if layer.stopped:
                    for other in [o for o in pending if futures[o][0] == f]:
                        bar.update(futures[other][2] - futures[other][1])
                        if other.cancel():
                            pending.discard(other)
    except BaseException:
        _stop_pool(pool)
        raise
    pool.shutdown(wait=True)
