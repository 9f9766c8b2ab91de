"""How FunkSVD's defaults were chosen: validation RMSE at 20 epochs over a grid of step
schedules × learning rates × regularization, on three data sets.

Each data set is split 80/20 (seed 0) and the training part again 80/20 (seed 1); the grid is
scored on that validation part only, never on the test part.

    MFREC_DATA=../shared/data python benchmarks/tune_funksvd.py
"""

import itertools

import mfrec

GRID = {"constant": (0.005, 0.01, 0.02, 0.03), "adagrad": (0.02, 0.05, 0.1)}
REGS = (0.02, 0.05, 0.1, 0.15, 0.2)


def main():
    sets = {
        "ml-100k": lambda: mfrec.datasets.load_movielens("100k"),
        "ml-latest-small": lambda: mfrec.datasets.load_movielens("latest-small"),
        "synthetic-1m": lambda: mfrec.datasets.synthetic(20_000, 5_000, 1_000_000,
                                                         random_state=0),
    }
    for name, load in sets.items():
        train, _ = mfrec.model_selection.train_test_split(load(), 0.2, random_state=0)
        tr, val = mfrec.model_selection.train_test_split(train, 0.2, random_state=1)
        rows = []
        for (sched, lrs), reg in itertools.product(GRID.items(), REGS):
            for lr in lrs:
                m = mfrec.FunkSVD(lr=lr, reg=reg, lr_schedule=sched, random_state=0).fit(tr)
                rows.append((mfrec.evaluate(m, val)["rmse"], sched, lr, reg))
        rows.sort()
        print(f"\n{name}: best 5 of {len(rows)} (validation RMSE, schedule, lr, reg)")
        for r in rows[:5]:
            print(f"  {r[0]:.4f}  {r[1]:<8}  lr={r[2]:<5}  reg={r[3]}")
        default = [r for r in rows if r[1:] == ("adagrad", 0.05, 0.1)][0]
        surprise = [r for r in rows if r[1:] == ("constant", 0.005, 0.02)][0]
        print(f"  default (adagrad, 0.05, 0.1): {default[0]:.4f}; "
              f"Surprise's (constant, 0.005, 0.02): {surprise[0]:.4f}")


if __name__ == "__main__":
    main()
