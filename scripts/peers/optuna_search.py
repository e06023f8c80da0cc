#!/usr/bin/env python3
"""Optuna peer for `scripts/bench search`: runs Optuna samplers on the same synthetic functions, spaces and budget
as the Swift Search module (Sources/Search/Objectives/SyntheticObjective.swift) and prints one JSON line per run:
{"objective": ..., "sampler": ..., "seed": ..., "regret": best_value - optimum, "seconds": ...}.

Usage: optuna_search.py --objective branin|hartmann6|mixed-synthetic --sampler tpe|gp --seeds 20 --evals 30
       [--first-seed 0]
"""
import argparse
import json
import math
import sys
import time

import optuna

# --- The synthetic functions (mirrors of the Swift definitions) -------------------------------------------------

BRANIN_OPTIMUM = 0.397887357729738
HARTMANN6_OPTIMUM = -3.322368011391339

HARTMANN_ALPHA = [1.0, 1.2, 3.0, 3.2]
HARTMANN_A = [
    [10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14],
]
HARTMANN_P = [
    [1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
    [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381],
]

FAMILIES = ["a", "b", "c", "d"]
FAMILY_COST = [1.0, 0.0, 0.6, 1.5]
FAMILY_TARGET = [0.2, 0.7, 0.4, 0.9]
SHAPES = ["x", "y", "z"]
SHAPE_COST = [0.4, 0.8, 0.0]
MODES = ["p", "q", "r", "s", "t"]
MODE_COST = [0.9, 0.5, 0.0, 0.7, 1.2]
SWITCHES = ["on", "off"]
SWITCH_COST = [0.0, 0.3]


def branin(trial):
    x1 = trial.suggest_float("x1", -5, 10)
    x2 = trial.suggest_float("x2", 0, 15)
    b = 5.1 / (4 * math.pi ** 2)
    c = 5 / math.pi
    t = 1 / (8 * math.pi)
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


def hartmann6(trial):
    x = [trial.suggest_float(f"x{i}", 0, 1) for i in range(1, 7)]
    total = 0.0
    for i in range(4):
        exponent = sum(HARTMANN_A[i][j] * (x[j] - 1e-4 * HARTMANN_P[i][j]) ** 2 for j in range(6))
        total -= HARTMANN_ALPHA[i] * math.exp(-exponent)
    return total


def mixed_synthetic(trial):
    family = FAMILIES.index(trial.suggest_categorical("family", FAMILIES))
    shape = SHAPES.index(trial.suggest_categorical("shape", SHAPES))
    mode = MODES.index(trial.suggest_categorical("mode", MODES))
    switch = SWITCHES.index(trial.suggest_categorical("switch", SWITCHES))
    width = trial.suggest_int("width", 1, 64, log=True)
    depth = trial.suggest_int("depth", 0, 20)
    shift = trial.suggest_int("shift", -10, 10)
    x = trial.suggest_float("x", 0, 1)
    rate = trial.suggest_float("rate", 1e-4, 1, log=True)
    offset = trial.suggest_float("offset", -2, 2)
    value = FAMILY_COST[family] + SHAPE_COST[shape] + MODE_COST[mode] + SWITCH_COST[switch]
    value += 2 * ((math.log2(width) - 4) / 6) ** 2
    value += 2 * ((depth - 13) / 20) ** 2
    value += 2 * ((shift + 3) / 20) ** 2
    value += 3 * (x - FAMILY_TARGET[family]) ** 2
    value += 2 * ((math.log10(rate) + 2.5) / 4) ** 2
    value += 0.5 * (offset - 0.5) ** 2
    return value


OBJECTIVES = {
    "branin": (branin, BRANIN_OPTIMUM),
    "hartmann6": (hartmann6, HARTMANN6_OPTIMUM),
    "mixed-synthetic": (mixed_synthetic, 0.0),
}


def make_sampler(name, seed):
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "gp":
        return optuna.samplers.GPSampler(seed=seed)
    raise SystemExit(f"unknown sampler {name}")


def limit_threads():
    """One intra-op thread for torch (used by GPSampler): the kernels are tiny, and on a shared machine spinning
    threads made a 30-trial mixed-synthetic search take ten minutes of wall time for one of CPU."""
    try:
        import torch
    except ImportError:
        return
    torch.set_num_threads(1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objective", required=True, choices=sorted(OBJECTIVES))
    parser.add_argument("--sampler", required=True, choices=["tpe", "gp"])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--first-seed", type=int, default=0, help="runs seeds first-seed ..< first-seed + seeds")
    parser.add_argument("--evals", type=int, default=30)
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    limit_threads()
    function, optimum = OBJECTIVES[args.objective]
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        start = time.perf_counter()
        study = optuna.create_study(direction="minimize", sampler=make_sampler(args.sampler, seed))
        study.optimize(function, n_trials=args.evals)
        print(json.dumps({
            "objective": args.objective, "sampler": args.sampler, "seed": seed,
            "regret": study.best_value - optimum, "seconds": time.perf_counter() - start,
        }), flush=True)


if __name__ == "__main__":
    sys.exit(main())
