#!/usr/bin/env python3
"""Compares the training loss of train-tpm runs step by step (CSV, and a PNG with matplotlib).

    scripts/compare_loss_curves.py RUN_A RUN_B [RUN_C ...] [--window 20] [--out PREFIX]

Reads each run's metrics.jsonl (train with `--set log_every=1` for every step), writes
PREFIX.csv (the loss per window of steps, one column per run) and PREFIX.png, and prints for
every run after the first the mean absolute difference of its windowed loss from the first
run's, so a change of numerics can be set against the difference between two seeds.
"""
import argparse
import csv
import json
import os
import sys


def windowed_loss(run_dir, window):
    steps = {}
    with open(os.path.join(run_dir, "metrics.jsonl")) as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                steps[row["step"]] = row["loss"]
    if not steps:
        sys.exit(f"{run_dir}/metrics.jsonl: no training steps")
    last = max(steps)
    means = []
    for start in range(1, last + 1, window):
        values = [steps[s] for s in range(start, start + window) if s in steps]
        if values:
            means.append((start + len(values) - 1, sum(values) / len(values)))
    return means


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+")
    parser.add_argument("--window", type=int, default=20, help="steps per point")
    parser.add_argument("--out", default="loss_curves", help="output prefix")
    args = parser.parse_args()
    if len(args.runs) < 2:
        sys.exit("give at least two run folders")
    curves = [windowed_loss(run, args.window) for run in args.runs]
    length = min(len(c) for c in curves)
    names = [os.path.basename(os.path.normpath(run)) for run in args.runs]
    with open(args.out + ".csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["step"] + names)
        for i in range(length):
            writer.writerow([curves[0][i][0]] + [f"{c[i][1]:.5f}" for c in curves])
    for name, curve in zip(names[1:], curves[1:]):
        difference = sum(abs(curve[i][1] - curves[0][i][1]) for i in range(length)) / length
        mean = sum(curve[i][1] for i in range(length)) / length
        print(f"{name}: mean loss {mean:.4f}, mean |difference| from {names[0]} {difference:.4f}")
    print(f"{names[0]}: mean loss {sum(curves[0][i][1] for i in range(length)) / length:.4f}")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"wrote {args.out}.csv (no matplotlib: no PNG)")
        return
    plt.figure(figsize=(7, 4))
    for name, curve in zip(names, curves):
        plt.plot([s for s, _ in curve[:length]], [v for _, v in curve[:length]], label=name)
    plt.xlabel("step")
    plt.ylabel(f"training loss (mean of {args.window} steps)")
    plt.legend()
    plt.tight_layout()
    plt.savefig(args.out + ".png", dpi=100)
    print(f"wrote {args.out}.csv and {args.out}.png")


if __name__ == "__main__":
    main()
