"""How FunkSVD's defaults were chosen: validation RMSE at 20 epochs over a grid of step
schedules × learning rates × regularization × initial factor scale, on three data sets.

Each data set is split 80/20 (seed 0) and the training part again 80/20 (seed 1); the grid is
scored on that validation part only, never on the test part.

    MFREC_DATA=../shared/data python benchmarks/tune_funksvd.py
"""

import itertools

import mfrec

GRID = {"constant": (0.005, 0.01, 0.02, 0.03), "adagrad": (0.02, 0.05, 0.1)}
REGS = (0.02, 0.05, 0.1, 0.15, 0.2)
INIT_STDS = (0.05, 0.1)
DEFAULT = ("adagrad", 0.05, 0.1, 0.05)  # schedule, lr, reg, init_std
SURPRISE = ("constant", 0.005, 0.02, 0.1)


def main():
    sets = {
        "ml-100k": lambda: mfrec.datasets.load_movielens("100k"),
        "ml-latest-small": lambda: mfrec.datasets.load_movielens("latest-small"),
        "synthetic-1m": lambda: mfrec.datasets.synthetic(20_000, 5_000, 1_000_000,
                                                         random_state=0),
    }
    excess = {}  # setting -> validation RMSE above the best of each data set, summed
    for name, load in sets.items():
        train, _ = mfrec.model_selection.train_test_split(load(), 0.2, random_state=0)
        tr, val = mfrec.model_selection.train_test_split(train, 0.2, random_state=1)
        rows = []
        for (sched, lrs), reg, init_std in itertools.product(GRID.items(), REGS, INIT_STDS):
            for lr in lrs:
                m = mfrec.FunkSVD(lr=lr, reg=reg, lr_schedule=sched, init_std=init_std,
                                  random_state=0).fit(tr)
                rows.append((mfrec.evaluate(m, val)["rmse"], sched, lr, reg, init_std))
        rows.sort()
        print(f"\n{name}: best 5 of {len(rows)} (validation RMSE, schedule, lr, reg, init_std)")
        for r in rows[:5]:
            print(f"  {r[0]:.4f}  {r[1]:<8}  lr={r[2]:<5}  reg={r[3]:<4}  init_std={r[4]}")
        default = [r for r in rows if r[1:] == DEFAULT][0]
        surprise = [r for r in rows if r[1:] == SURPRISE][0]
        print(f"  default {DEFAULT}: {default[0]:.4f}; Surprise's {SURPRISE}: {surprise[0]:.4f}")
        for r in rows:
            excess[r[1:]] = excess.get(r[1:], 0.0) + (r[0] - rows[0][0]) / len(sets)
    ranked = sorted(excess.items(), key=lambda kv: kv[1])
    print("\nLowest mean excess over each set's best validation RMSE (the defaults are the first):")
    for setting, ex in ranked[:5]:
        print(f"  {ex:.4f}  {setting}")
    print(f"  default {DEFAULT}: {excess[DEFAULT]:.4f}")


if __name__ == "__main__":
    main()
