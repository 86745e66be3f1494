"""Printed figure captions, quoted verbatim from the seed documents (seed 001: Razzoli et al.,
*Synchronization-induced violation of thermodynamic uncertainty relations*; seed 004: Leitch,
Hammam & De Chiara, two qubits + quantum rotor). Markdown page links of the source text removed."""

CAPTIONS = {
    (
        "001",
        2,
    ): "**Strong damping regime and synchronization.** (a) Plot of the finite eigenvalue of $\\chi_2''(\\omega)$ as a function of frequency, showing that a dominant common mode appears at strong damping. (b) Synchronization, measured by the Pearson coefficient (11), as a function of temperature T_2/ω_A . Different curves refer to various γ_2 damping strengths. Here and in the following figures, $\\omega_B = 0.6\\omega_A$.",
    (
        "001",
        3,
    ): "**Quantifying fluctuations of P_A via the trade-off quantity Q_{PA} in the isothermal regime.** Density plots of Q_{PA} (a) and associated power P_A (c) as a function of Ω/ω_A and T/ω_A for $r = 0$ in the large cut-off regime $\\omega_c = 1000\\omega_A$. Panels (b,d) report the same quantities as in panels (a,c), respectively, but for a small cut-off $\\omega_c = 1.2\\omega_A$. All results have been obtained in the strong damping regime $\\gamma_2 = 100\\omega_A$; other parameters values are $\\omega_B = 0.6\\omega_A$, $\\gamma_1 = 0.01\\omega_A$, and $\\phi = \\pi/2$. In panels (a,b) the dashed line denotes $Q_{PA} = 2$ separating regions where the TUR is violated (cool colors, $Q_{PA} < 2$) from regions where it is not (warm colors, $Q_{PA} > 2$). In panels (c,d) the dashed line refers to $P_A = 0$ separating negative power contributions (power production, cool colors) from positive ones (power absorption, warm colors).",
    (
        "001",
        4,
    ): "**Standard TUR violation and synchronization.** Parametric plot of the ratio $Q_{PA}/2$ as a function of the Pearson coefficient at varying damping strengths γ_2 . The stronger the damping, the more pronounced the (anti)synchronization ($C \\rightarrow -1$), the more the TUR is violated ($Q_{PA}/2 < 1$). Results for $r = 0$, $T = 0.1\\omega_A$, $\\omega_c = 1.2\\omega_A$, and $\\Omega = 200\\omega_A$ (diabatic regime). Other parameters are $\\omega_B = 0.6\\omega_A$, $\\gamma_1 = 0.01\\omega_A$, and $\\phi = \\pi/2$.",
    (
        "001",
        5,
    ): "**Quantifying fluctuations of P_A via the trade-off quantity Q_{P_A} , in the presence of a temperature gradient in the strong damping regime $\\gamma_2 = 100\\omega_A$, with cut-off $\\omega_c = 1.2\\omega_A$ and for $r = 0$.** Density plots of (a) Q_{P_A} and (b) P_A as a function of the driving frequency Ω/ω_A and average temperature \\bar{T}/ω_A at relative temperature gradient $\\Delta T/\\bar{T} = 1.8$. Other parameters as in figure 3.",
    (
        "001",
        6,
    ): "**Violation of the generalized TUR bound.** (a) Density plot of $Q_{P_A}/\\mathcal{V}_{P_A}$ with $r = 1/2$ as a function of Ω/ω_A and \\bar{T}/ω_A for small cut-off $\\omega_c = 1.2\\omega_A$. Other parameters as in figure 3. (b) Density plot of the local power P_A for the same parameters as in Panel (a).",
    (
        "001",
        7,
    ): "**Quantifying fluctuations of P_B via the trade-off parameter Q_{P_B} in the isothermal regime.** Density plots of Q_{P_B} (a) and associated power P_B (c) as a function of Ω/ω_A and T/ω_A in the large cut-off regime $\\omega_c = 1000\\omega_A$ and for $r = 0$. Panels (b,d) report the same quantities as in panels (a,c) respectively but for a small cut-off $\\omega_c = 1.2\\omega_A$. All results have been obtained in the strong damping regime $\\gamma_2 = 100\\omega_A$ and other parameters as in figure 3.",
    (
        "001",
        8,
    ): "**Work-to-work conversion efficiency as a function of external frequency.** (a) Work-to-work conversion efficiency in the weak ($\\gamma_2 = 0.01\\omega_A$) and strong ($\\gamma_2 = 100\\omega_A$) damping regime in the case $r = 0$. Other parameters are $\\gamma_1 = 0.001\\omega_A$, $\\omega_c = 1.2\\omega_A$, $T = 0.1\\omega_A$, and $\\phi = \\pi/2$. (b) Same quantity as in panel (a) but for different values of r at strong damping ($\\gamma_2 = 100\\omega_A$).",
    (
        "001",
        9,
    ): "**Quantifying fluctuations of P_A via the trade-off parameter Q_{P_A} at weak damping.** Density plots of Q_{P_A} (a) and associated power P_A (b) as a function of Ω/ω_A and T/ω_A in the weak damping regime $\\gamma_2 = 0.01\\omega_A$ and for $r = 0$. Here $\\gamma_1 = 0.001\\omega_A$, the cut-off is $\\omega_c = 1.2\\omega_A$. Other parameters as in figure 3.",
    (
        "001",
        10,
    ): "**Frequency threshold for TUR violation at finite temperature gradient.** Threshold driving frequency Ω_{th} such that $Q_{P_A} < 2$ for $\\Omega > \\Omega_{\\text{th}}$ as a function of $\\Delta T/\\bar{T}$ in the case $r = 0$ and for different values of \\bar{T} . Other parameters as in figure 5.",
    (
        "004",
        2,
    ): "(a) Steady state heat flows and power as a function of β_2/β_1 . The device may operate as an engine, accelerator or refrigerator. (b) Efficiency of the machine η (solid line) while it operates as an engine and the corresponding Carnot efficiency η_C (dashed line) as functions of β_2/β_1 . (c) The COP (solid line) and the Carnot COP (dashed line) for the refrigerator regime as functions of β_2/β_1 . The parameters are: $\\beta_1 = 0.1, \\beta_r = 0.09, B_1 = 4, B_2 = 10, g = 1, \\chi = 0, \\lambda =$ $0.1, \\gamma = 5 \\times 10^{-5}$.",
    ("004", 3): "Ergotropy as defined in Eq. (35) as a function of β_2/β_1 . The parameters are set as in Fig. 2.",
    (
        "004",
        4,
    ): "Parametric plot of R and J (defined in Eqs. (39)) and (40)) for $0 \\leq \\chi \\leq 1$ at three different temperatures. The dots correspond to the values of R and J associated with the maximum rectification performance's measure (see Eq. (41)) for a given α . The parameters are: $\\beta_1 = 0.1$, $\\beta_r = 0.09$, $B_1 =$ 4, $B_2 = 10$, $g = 0.5$, $\\lambda = 0.1$ and $\\gamma = 5 \\times 10^{-5}$.",
    (
        "004",
        5,
    ): "Parametric plot of Rangular and Jangular (defined in Eqs. (42) and (43)) for $0 \\leq \\chi \\leq 1$ at three different temperatures. The dots correspond to the values of $R_{angular}$ and J_{angular} with the maximum rectification performance's measure (see Eq. (41)) for a given α . The parameters are as in Fig. 4.",
    (
        "004",
        6,
    ): "Plots of $\\langle l|\\rho_r(t)|l\\rangle$ for each $-5 \\leq l \\leq 10$ at increasing time increments. The parameters are: $B_1 = 10, B_2 =$ 10, $\\beta_1 = 0.1$, $\\beta_2 = 0.02$, $I = 1$, $g = 1$, $\\chi = 0$, $\\lambda = 0.1$.",
    (
        "004",
        7,
    ): "Plots of $\\langle l|\\rho_r(t)|l\\rangle$ for each $-5 \\leq l \\leq 10$ at increasing time increments with added dissipative load. The parameters are the same as in Fig. 6, with the addition of $\\gamma = 5 \\times 10^{-4}$ and $\\beta_r = 0.09$.",
    (
        "004",
        8,
    ): "Evolution of the kinetic, intrinsic, net power and back action noise of the rotor in time for a system with coupling described by Eq. (3). The steady state solutions of the net and kinetic power will be zero. The parameters are as in Fig. 2 with $\\beta_2/\\beta_1 = 0.8$.",
}
