"""Brute-force many-body references in a number-truncated Fock space (numpy/scipy only).

H conserves the total particle number, so the evolution of every sector with at most
``nmax`` particles is exact; the only approximation is dropping the thermal weight above
``nmax``.
"""

from __future__ import annotations

import itertools

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp


def fock_basis(n_modes, nmax):
    """Occupation tuples with total <= nmax, and their index map."""
    states = [s for s in itertools.product(range(nmax + 1), repeat=n_modes) if sum(s) <= nmax]
    return states, {s: i for i, s in enumerate(states)}


def annihilators(n_modes, nmax):
    """Sparse (CSR) annihilation operators on the number-truncated space."""
    states, index = fock_basis(n_modes, nmax)
    dim = len(states)
    ops = []
    for m in range(n_modes):
        rows, cols, vals = [], [], []
        for j, s in enumerate(states):
            if s[m] > 0:
                t = list(s)
                t[m] -= 1
                rows.append(index[tuple(t)])
                cols.append(j)
                vals.append(np.sqrt(s[m]))
        ops.append(sp.csr_matrix((vals, (rows, cols)), shape=(dim, dim)))
    return states, ops


def quadratic(h, ops):
    """Many-body c^dag h c (dense)."""
    n = h.shape[0]
    out = sum(h[i, j] * (ops[i].conj().T @ ops[j]) for i in range(n) for j in range(n))
    return np.asarray(out.toarray())


def partial_trace_first(rho, states, n1, nmax):
    """Reduced state of the first n1 modes (embedding the joint sectors in a product basis)."""
    xs, xidx = fock_basis(n1, nmax)
    ys, yidx = fock_basis(len(states[0]) - n1, nmax)
    emb = np.zeros((len(xs), len(ys), len(states)))
    for i, s in enumerate(states):
        emb[xidx[s[:n1]], yidx[s[n1:]], i] = 1.0
    p = emb.reshape(len(xs) * len(ys), len(states))
    full = (p @ rho @ p.T).reshape(len(xs), len(ys), len(xs), len(ys))
    return np.einsum("xyzy->xz", full)


def apply_quadratic_generator(k, a_mat, b_mat, ops, rho):
    """-i[a^dag k a, rho] + sum A_ij (a_j rho a_i^dag - {a_i^dag a_j, rho}/2)
    + sum B_ij (a_i^dag rho a_j - {a_j a_i^dag, rho}/2), with (sparse) truncated operators."""
    n = len(ops)
    dense = [o.toarray() for o in ops]
    kmb = quadratic(k, ops)
    out = -1j * (kmb @ rho - rho @ kmb)
    for i in range(n):
        ai = dense[i]
        for j in range(n):
            aj = dense[j]
            x = ai.conj().T @ aj
            out = out + a_mat[i, j] * (aj @ rho @ ai.conj().T - 0.5 * (x @ rho + rho @ x))
            y = aj @ ai.conj().T
            out = out + b_mat[i, j] * (ai.conj().T @ rho @ aj - 0.5 * (y @ rho + rho @ y))
    return out


def thermal_product(h1, h2, t1, t2, nmax):
    """(rho0, H, ops) for the product Gibbs state, truncated to total number <= nmax."""
    n1, n2 = h1.shape[0], h2.shape[0]
    _, ops = annihilators(n1 + n2, nmax)
    hm1 = quadratic(h1, ops[:n1])
    hm2 = quadratic(h2, ops[n1:])
    expo = np.zeros_like(hm1, dtype=complex)
    if t1 > 0:
        expo = expo - hm1 / t1
    else:
        expo = expo - 1e4 * hm1  # vacuum of side 1 (h1 > 0): weight exp(-1e4 e) = 0
    if t2 > 0:
        expo = expo - hm2 / t2
    else:
        expo = expo - 1e4 * hm2
    expo = 0.5 * (expo + expo.conj().T)
    w, v = np.linalg.eigh(expo)
    rho = (v * np.exp(w - w.max())) @ v.conj().T
    rho /= np.trace(rho)
    return rho, ops


def evolve(hmb, rho0, ts):
    w, v = np.linalg.eigh(hmb)
    out = []
    for t in ts:
        u = (v * np.exp(-1j * w * t)) @ v.conj().T
        out.append(u @ rho0 @ u.conj().T)
    return np.array(out)


def md_hamiltonian_finite(superop, d):
    """Minimal-dissipation Hamiltonian of a finite-dim generator (row-major superoperator).

    With traceless jump operators, X = sum_mn L(E_mn) E_nm = -i(d H - Tr H) - (Hermitian),
    so the traceless part of H is i (X - X^dag) / (2 d).
    """
    x = np.zeros((d, d), dtype=complex)
    for m in range(d):
        for n in range(d):
            e = np.zeros((d, d))
            e[m, n] = 1.0
            le = (superop @ e.reshape(-1)).reshape(d, d)
            x += le @ e.T
    return 1j * (x - x.conj().T) / (2 * d)


def gksl_superop(hmat, jumps, rates):
    """Row-major superoperator of -i[H, .] + sum rate (L . L^dag - 1/2 {L^dag L, .})."""
    d = hmat.shape[0]
    eye = np.eye(d)
    sup = -1j * (np.kron(hmat, eye) - np.kron(eye, hmat.T))
    for c, r in zip(jumps, rates):
        cdc = c.conj().T @ c
        sup = sup + r * (np.kron(c, c.conj()) - 0.5 * np.kron(cdc, eye) - 0.5 * np.kron(eye, cdc.T))
    return sup


def expm(a):
    return sla.expm(a)
