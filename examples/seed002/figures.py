"""Figures testing the four claims of seed 002 (two interacting bosonic reservoirs).

    python -m examples.seed002.figures --out DIR [--quick]

Writes ``claim1_definitions_disagree.png``, ``claim2_dispersive_interaction_energy.png``,
``claim3_weak_coupling_heat.png``, ``claim4_md_work_peaks.png``, the data of each
(``.npz``), ``params.json`` (every parameter) and ``summary.json`` (the numbers that decide
each claim).  Model: the talk's all-to-all family (``all_to_all``), omega1 = 1 sets the unit.
"""

from __future__ import annotations

import json
import os
import time

import numpy as np

from .._cli import figure_parser


def _setup():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import jaxqtm  # noqa: F401  (float64)

    return plt


def _model(p, delta, big_gamma):
    """All-to-all model with given detuning Delta and effective coupling Gamma."""
    from jaxqtm.reservoirs import all_to_all

    n1, n2, g, w1 = p["N1"], p["N2"], p["g_intra"], p["omega1"]
    nu1 = w1 + (n1 - 1) * g
    w2 = nu1 - delta - (n2 - 1) * g
    gamma = big_gamma / (2 * np.sqrt(n1 * n2))
    return all_to_all(n1, n2, omega1=w1, omega2=w2, g=g, gamma=gamma, T1=p["T1"], T2=p["T2"]), nu1


def _run(model, ts):
    import jax.numpy as jnp

    from jaxqtm.reservoirs import energetics

    r = energetics(model, jnp.asarray(ts), throw=False)  # flagged times (singular G(t)) are data here
    return r


def _assign(side):
    out = {}
    for name in ("bare", "interaction", "minimal_dissipation"):
        a = getattr(side, name)
        out[name] = {k: np.asarray(getattr(a, k)) for k in ("dU", "Q", "W")}
    return out


LABEL = {"bare": "bare", "interaction": "interaction", "minimal_dissipation": "min. dissipation"}
STYLE = {"bare": "-", "interaction": "--", "minimal_dissipation": "-"}
COLOR = {"bare": "C0", "interaction": "C1", "minimal_dissipation": "C3"}


def _save(fig, plt, out, name, data):
    """Write one claim's figure (PNG) and data (npz)."""
    from jaxqtm.plot import save_figure  # after main() has configured jax

    fig.tight_layout()
    save_figure(fig, out, name, data=data, dpi=110)


def claim1(p, out, plt, quick):
    """The three definitions disagree (strong coupling Delta ~ Gamma)."""
    delta, big = p["claim1"]["Delta"], p["claim1"]["Gamma"]
    m, nu1 = _model(p, delta, big)
    om = np.hypot(delta, big)
    ts = np.linspace(0, p["claim1"]["periods"] * 2 * np.pi / om, 300 if quick else 1500)
    r = _run(m, ts)
    sides = [_assign(r.side1), _assign(r.side2)]
    fig, axes = plt.subplots(2, 3, figsize=(13, 6.5), sharex=True)
    data = {"t": ts}
    nums = {}
    for i, s in enumerate(sides):
        for j, q in enumerate(("dU", "Q", "W")):
            ax = axes[i, j]
            for name in s:
                ax.plot(om * ts / (2 * np.pi), s[name][q], STYLE[name], color=COLOR[name], label=LABEL[name])
                data[f"side{i + 1}_{name}_{q}"] = s[name][q]
            ax.set_title(f"reservoir {i + 1}: {'ΔU' if q == 'dU' else q}")
            ax.axhline(0, color="k", lw=0.5)
        scale = np.max(np.abs(s["bare"]["Q"]))
        nums[f"side{i + 1}"] = {
            f"max|{a}-{b}| / max|Q_bare| ({q})": float(np.max(np.abs(s[a][q] - s[b][q])) / scale)
            for q in ("dU", "Q", "W")
            for a, b in (
                ("bare", "interaction"),
                ("bare", "minimal_dissipation"),
                ("interaction", "minimal_dissipation"),
            )
        }
    for ax in axes[1]:
        ax.set_xlabel("Ω t / 2π")
    axes[0, 0].legend(fontsize=8)
    fig.suptitle(
        f"Claim 1: the three assignments disagree (Δ = {delta}, Γ = {big}, "
        f"N1 = N2 = {p['N1']}, T1 = {p['T1']}, T2 = {p['T2']})"
    )
    _save(fig, plt, out, "claim1_definitions_disagree", data)
    return nums


def claim2(p, out, plt, quick):
    """Interaction energy matters even in the dispersive limit Delta >> Gamma."""
    delta = p["claim2"]["Delta"]
    ratios = p["claim2"]["Gamma_over_Delta"][:2] if quick else p["claim2"]["Gamma_over_Delta"]
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    data, nums = (
        {},
        {"Gamma_over_Delta": [], "max|dUt_I|/max|dUt_1|": [], "max|dU_md - dUt_1|/max|dUt_1|": [], "Delta/nu1": None},
    )
    for x in ratios:
        m, nu1 = _model(p, delta, x * delta)
        om = np.hypot(delta, x * delta)
        ts = np.linspace(0, 2 * 2 * np.pi / om, 200 if quick else 800)
        r = _run(m, ts)
        s = _assign(r.side1)
        du1 = s["bare"]["dU"]
        dui = np.asarray(r.UI)
        sc = np.max(np.abs(du1))
        axes[0].plot(om * ts / (2 * np.pi), du1 / sc, label=f"Γ/Δ = {x}: ΔŨ₁")
        axes[0].plot(om * ts / (2 * np.pi), dui / sc, "--", label=f"Γ/Δ = {x}: ΔŨ_I")
        axes[1].plot(om * ts / (2 * np.pi), s["minimal_dissipation"]["dU"] / sc, label=f"Γ/Δ = {x}")
        nums["Gamma_over_Delta"].append(x)
        nums["max|dUt_I|/max|dUt_1|"].append(float(np.max(np.abs(dui)) / sc))
        nums["max|dU_md - dUt_1|/max|dUt_1|"].append(float(np.max(np.abs(s["minimal_dissipation"]["dU"] - du1)) / sc))
        data[f"t_{x}"] = ts
        data[f"dU1_bare_{x}"] = du1
        data[f"dUI_{x}"] = dui
        data[f"dU1_md_{x}"] = s["minimal_dissipation"]["dU"]
        nums["Delta/nu1"] = float(delta / nu1)
    axes[0].set_title("bare ΔŨ₁ and interaction ΔŨ_I (÷ max|ΔŨ₁|)")
    axes[1].set_title("minimal-dissipation ΔU₁ (÷ max|ΔŨ₁|)")
    for ax in axes[:2]:
        ax.set_xlabel("Ω t / 2π")
        ax.legend(fontsize=7)
    axes[2].semilogx(nums["Gamma_over_Delta"], nums["max|dUt_I|/max|dUt_1|"], "o-", label="max|ΔŨ_I| / max|ΔŨ₁|")
    axes[2].semilogx(
        nums["Gamma_over_Delta"],
        nums["max|dU_md - dUt_1|/max|dUt_1|"],
        "s-",
        color="C3",
        label="max|ΔU₁(md) − ΔŨ₁| / max|ΔŨ₁|",
    )
    axes[2].set_ylim(0, 1.5 * max(nums["max|dUt_I|/max|dUt_1|"]))
    axes[2].axhline(nums["Delta/nu1"], color="k", ls=":", label="Δ/ν₁ (two-mode closed form)")
    axes[2].set_xlabel("Γ/Δ")
    axes[2].set_title("interaction share does not vanish as Γ/Δ → 0")
    axes[2].legend(fontsize=8)
    fig.suptitle(f"Claim 2: dispersive regime, Δ = {delta}")
    _save(fig, plt, out, "claim2_dispersive_interaction_energy", data)
    return nums


def claim3(p, out, plt, quick):
    """Only the minimal-dissipation heat approaches the weak-coupling heat as Gamma -> 0."""
    import jax.numpy as jnp

    from jaxqtm.reservoirs import weak_coupling_heat

    delta = p["claim3"]["Delta"]
    gams = p["claim3"]["Gamma"][::2] if quick else p["claim3"]["Gamma"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    data = {}
    nums = {"Gamma": [], "md": [], "bare": [], "interaction": []}
    for big in gams:
        m, nu1 = _model(p, delta, big)
        ts = np.linspace(0, p["claim3"]["t_max"], 200 if quick else 600)
        r = _run(m, ts)
        s = _assign(r.side1)
        qwc = np.asarray(weak_coupling_heat(m, jnp.asarray(ts), 1))
        sc = np.max(np.abs(qwc))
        nums["Gamma"].append(big)
        for name, key in (("minimal_dissipation", "md"), ("bare", "bare"), ("interaction", "interaction")):
            nums[key].append(float(np.max(np.abs(s[name]["Q"] - qwc)) / sc))
        if big == gams[-1] or big == gams[0]:
            lab = f"Γ = {big}"
            axes[0].plot(ts, qwc / sc, "k:", label=f"weak coupling, {lab}")
            axes[0].plot(ts, s["minimal_dissipation"]["Q"] / sc, color="C3", label=f"md, {lab}")
            axes[0].plot(ts, s["bare"]["Q"] / sc, color="C0", label=f"bare = interaction, {lab}")
        data[f"t_{big}"] = ts
        data[f"Qwc_{big}"] = qwc
        for name in s:
            data[f"Q_{name}_{big}"] = s[name]["Q"]
    axes[0].set_xlabel("t")
    axes[0].set_title("heat of reservoir 1 (÷ max|Q_wc|)")
    axes[0].legend(fontsize=7)
    axes[1].loglog(nums["Gamma"], nums["md"], "o-", color="C3", label="minimal dissipation")
    axes[1].loglog(nums["Gamma"], nums["bare"], "s-", color="C0", label="bare")
    axes[1].loglog(nums["Gamma"], nums["interaction"], "^--", color="C1", label="interaction")
    g = np.asarray(nums["Gamma"])
    axes[1].loglog(g, nums["md"][-1] * (g / g[-1]) ** 2, "k:", label="∝ Γ²")
    axes[1].set_xlabel("Γ")
    axes[1].set_title("max|Q − Q_wc| / max|Q_wc|")
    axes[1].legend(fontsize=8)
    fig.suptitle(f"Claim 3: weak-coupling limit of the heat (Δ = {delta})")
    _save(fig, plt, out, "claim3_weak_coupling_heat", data)
    return nums


def claim4(p, out, plt, quick):
    """Minimal-dissipation work shows peaks that grow with the coupling (ultrastrong regime)."""
    import jax.numpy as jnp

    from jaxqtm.reservoirs import time_local_generator

    delta = p["claim4"]["Delta"]
    gams = p["claim4"]["Gamma"][:2] if quick else p["claim4"]["Gamma"]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    data = {}
    nums = {
        "Gamma": [],
        "peak k_unif - nu_mean": [],
        "prediction Omega^2/(2 Delta)": [],
        "max |work rate|": [],
        "max |W_md|": [],
        "max |W_bare|": [],
    }
    n1 = p["N1"]
    u = np.ones(n1) / np.sqrt(n1)
    for big in gams:
        m, nu1 = _model(p, delta, big)
        om = np.hypot(delta, big)
        nub = nu1 - delta / 2
        ts = np.linspace(0, 2 * 2 * np.pi / om, 800 if quick else 4000)
        r = _run(m, ts)
        gen = time_local_generator(m, jnp.asarray(ts), 1)
        ku = np.einsum("i,tij,j->t", u, np.asarray(gen.k), u).real
        s = r.side1
        wr = np.asarray(s.work_rate_md)
        wmd = np.asarray(s.minimal_dissipation.W)
        axes[0].plot(om * ts / (2 * np.pi), ku - nub, label=f"Γ = {big}")
        axes[1].plot(om * ts / (2 * np.pi), wr, label=f"Γ = {big}")
        axes[2].plot(om * ts / (2 * np.pi), wmd, label=f"W_md, Γ = {big}")
        axes[2].plot(om * ts / (2 * np.pi), np.asarray(s.bare.W), ":", label=f"W_bare, Γ = {big}")
        nums["Gamma"].append(big)
        nums["peak k_unif - nu_mean"].append(float(np.max(ku) - nub))
        nums["prediction Omega^2/(2 Delta)"].append(float(om**2 / (2 * delta)))
        nums["max |work rate|"].append(float(np.max(np.abs(wr))))
        nums["max |W_md|"].append(float(np.max(np.abs(wmd))))
        nums["max |W_bare|"].append(float(np.max(np.abs(np.asarray(s.bare.W)))))
        data[f"t_{big}"] = ts
        data[f"k_unif_{big}"] = ku
        data[f"work_rate_md_{big}"] = wr
        data[f"W_md_{big}"] = wmd
        data[f"W_bare_{big}"] = np.asarray(s.bare.W)
    axes[0].set_title("K₁ on the uniform mode minus mean frequency")
    axes[1].set_title("md work rate Tr[K̇₁ ρ₁]")
    axes[2].set_title("cumulative work of reservoir 1")
    for ax in axes:
        ax.set_xlabel("Ω t / 2π")
        ax.legend(fontsize=7)
    fig.suptitle(f"Claim 4: minimal-dissipation work peaks (ultrastrong, Δ = {delta})")
    _save(fig, plt, out, "claim4_md_work_peaks", data)
    return nums


DEFAULTS = {
    "N1": 4,
    "N2": 4,
    "omega1": 1.0,
    "g_intra": 0.01,
    "T1": 2.0,
    "T2": 0.5,
    "claim1": {"Delta": 0.2, "Gamma": 0.2, "periods": 3},
    "claim2": {"Delta": 0.3, "Gamma_over_Delta": [0.5, 0.2, 0.1, 0.05, 0.02]},
    "claim3": {"Delta": 0.3, "Gamma": [0.08, 0.04, 0.02, 0.01, 0.005], "t_max": 40.0},
    "claim4": {"Delta": 0.02, "Gamma": [0.1, 0.2, 0.4, 0.8]},
}


def main(argv=None):
    args = figure_parser("python -m examples.seed002.figures", (__doc__ or "").partition("\n")[0]).parse_args(argv)
    # Synchronous CPU dispatch: on busy 2-core machines asynchronous dispatch of many chunk
    # executions was seen to wedge (block_until_ready never returning).
    import jax

    jax.config.update("jax_cpu_enable_async_dispatch", False)
    plt = _setup()
    p = json.loads(json.dumps(DEFAULTS))
    p["quick"] = bool(args.quick)
    with open(os.path.join(args.out, "params.json"), "w") as f:
        json.dump(p, f, indent=2)
    summary = {}
    for name, fn in (("claim1", claim1), ("claim2", claim2), ("claim3", claim3), ("claim4", claim4)):
        t0 = time.time()
        print(f"[reservoirs.figures] {name} ...", flush=True)
        summary[name] = fn(p, args.out, plt, args.quick)
        print(f"[reservoirs.figures] {name} done in {time.time() - t0:.1f} s", flush=True)
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
