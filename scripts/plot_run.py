#!/usr/bin/env python3
"""Summarises a train-tpm run folder as CSV files (and a PNG when matplotlib is installed).

    scripts/plot_run.py RUN_DIR [--window 50] [--out PREFIX]

Writes PREFIX_train.csv (mean loss terms and query Dice per window of steps),
PREFIX_validation.csv (held-out supervoxel Dice per validation) and PREFIX.png.
PREFIX defaults to RUN_DIR/summary. Only the standard library is needed for the CSV files.
"""
import argparse
import csv
import json
import os
import sys


def read_jsonl(path):
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                rows.append(json.loads(line))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir")
    parser.add_argument("--window", type=int, default=50, help="steps per training row")
    parser.add_argument("--out", help="output prefix (default RUN_DIR/summary)")
    args = parser.parse_args()
    prefix = args.out or os.path.join(args.run_dir, "summary")
    if os.path.dirname(prefix):
        os.makedirs(os.path.dirname(prefix), exist_ok=True)

    metrics = read_jsonl(os.path.join(args.run_dir, "metrics.jsonl"))
    if not metrics:
        sys.exit(f"{args.run_dir}/metrics.jsonl: no rows")
    keys = ["loss", "query_loss", "align_loss", "dice", "T_S", "sigma_F", "sigma_B",
            "ideal_threshold_ema", "step_s"]
    windows = []
    for start in range(0, metrics[-1]["step"], args.window):
        rows = [r for r in metrics if start < r["step"] <= start + args.window]
        if rows:
            windows.append([start + args.window] +
                           [sum(r[k] for r in rows) / len(rows) for k in keys])
    with open(prefix + "_train.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["step"] + ["mean_" + k for k in keys])
        for row in windows:
            writer.writerow([row[0]] + [f"{v:.5g}" for v in row[1:]])

    validation_file = os.path.join(args.run_dir, "validation.jsonl")
    validation = read_jsonl(validation_file) if os.path.exists(validation_file) else []
    with open(prefix + "_validation.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["step", "dice", "query_loss", "episodes"])
        for r in validation:
            writer.writerow([r["step"], f"{r['dice']:.4f}", f"{r['query_loss']:.4f}", r["episodes"]])
    print(f"{prefix}_train.csv, {prefix}_validation.csv")

    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: no PNG (Debian: apt-get install python3-matplotlib)")
        return
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    steps = [w[0] for w in windows]
    left.plot(steps, [w[1] for w in windows], label="total loss")
    left.plot(steps, [w[2] for w in windows], label="query loss")
    left.plot(steps, [w[3] for w in windows], label="alignment loss")
    left.set_xlabel("step")
    left.set_title(f"training losses (mean over {args.window} steps)")
    left.legend()
    right.plot([r["step"] for r in validation], [r["dice"] for r in validation], "o-",
               label="held-out supervoxel episodes")
    right.plot(steps, [w[4] for w in windows], label="training queries")
    right.set_xlabel("step")
    right.set_ylim(0, 1)
    right.set_title("Dice")
    right.legend()
    fig.tight_layout()
    fig.savefig(prefix + ".png", dpi=110)
    print(prefix + ".png")


if __name__ == "__main__":
    main()
