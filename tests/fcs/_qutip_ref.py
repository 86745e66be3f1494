"""QuTiP reference for counted currents (independent implementation)."""

import numpy as np
import qutip as qt


def qutip_current_noise(h, jump_ops, rates, weights, weight_operators=None, sparse=False):
    """Means and noises of the currents (rows of ``weights``) from ``countstat_current_noise``.

    QuTiP's generic form takes the first/second counting-field derivatives of the
    jump superoperators as ``I_ops``/``J_ops``; they are built here from QuTiP's own
    ``sprepost``/``spre``/``spost`` (column-stacking convention).
    """
    h = qt.Qobj(np.asarray(h)).to("CSR")  # CSR: a dense Qobj keeps the Liouvillian dense
    cs = [qt.Qobj(np.asarray(c)).to("CSR") for c in jump_ops]
    rates = np.asarray(rates)
    lv = qt.liouvillian(h, [np.sqrt(r) * c for r, c in zip(rates, cs)])
    rhoss = qt.steadystate(lv)
    jsup = [r * qt.sprepost(c, c.dag()) for r, c in zip(rates, cs)]
    d1, d2 = [], []
    for k, j in enumerate(jsup):
        if weight_operators is None or weight_operators[k] is None:
            d1.append(j)
            d2.append(j)
        else:
            w = qt.Qobj(np.asarray(weight_operators[k]))
            a = 0.5 * (qt.spre(w) + qt.spost(w))
            ad = a * j - j * a
            d1.append(ad)
            d2.append(a * ad - ad * a)
    weights = np.atleast_2d(np.asarray(weights))
    i_ops, j_ops = [], []
    for wa in weights:
        i_ops.append(sum(float(x) * d for x, d in zip(wa, d1)))
        j_ops.append(sum(float(x) ** 2 * d for x, d in zip(wa, d2)))
    cur, noise, skew = qt.countstat_current_noise(lv, [], rhoss=rhoss, J_ops=j_ops, I_ops=i_ops, sparse=sparse)
    return np.asarray(cur), np.array([noise[a, a, 0] for a in range(len(weights))]), np.asarray(skew[:, 0])
