"""A synthetic regression dataset (a price or a wage) with a planted group effect of known size, as a CSV for
`fairlab import --task regression`. Python's standard library only, so any machine with python3 runs it.

    python3 tools/synth/make_regression.py --rows N [--effect D] [--noise S] [--share P] [--seed S] -o OUT.csv
    fairlab import OUT.csv --task regression --label price --protected group=A -o OUT.h5

Columns: four numeric features x1..x4 (standard normal), a categorical `region` (north, south, west: 50/30/20 %),
the protected `group` (A with probability 1 - P, B with probability P, independent of every feature), and
price = 100 + 8 x1 − 5 x2 + 3 x3 + (0, +6, −4 by region) − D · [group = B] + N(0, S²). x4 does not enter. The
planted effect D is therefore the whole gap between the groups' mean prices, up to sampling error, and a model
given the group column recovers it as the gap between its groups' mean predictions.

The same arguments give the same file (random.Random(seed)). Prints the planted and the sample gap.
"""
import argparse
import random
import sys


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--effect", type=float, default=10.0, help="the planted gap D: group B's prices are D lower")
    parser.add_argument("--noise", type=float, default=5.0, help="the noise's standard deviation S")
    parser.add_argument("--share", type=float, default=0.3, help="the share P of group B")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args()
    if args.rows < 10 or not 0 < args.share < 1 or args.noise < 0:
        sys.exit("make_regression.py: need --rows >= 10, 0 < --share < 1 and --noise >= 0")
    rng = random.Random(args.seed)
    regions = [("north", 0.5, 0.0), ("south", 0.3, 6.0), ("west", 0.2, -4.0)]
    sums = {"A": [0.0, 0], "B": [0.0, 0]}
    with open(args.output, "w") as out:
        out.write("x1,x2,x3,x4,region,group,price\n")
        for _ in range(args.rows):
            x = [rng.gauss(0, 1) for _ in range(4)]
            u, region, shift = rng.random(), None, 0.0
            for name, share, effect in regions:
                if u < share:
                    region, shift = name, effect
                    break
                u -= share
            group = "B" if rng.random() < args.share else "A"
            price = 100 + 8 * x[0] - 5 * x[1] + 3 * x[2] + shift - (args.effect if group == "B" else 0) + rng.gauss(0, args.noise)
            sums[group][0] += price
            sums[group][1] += 1
            out.write(",".join(f"{v:.6f}" for v in x) + f",{region or regions[-1][0]},{group},{price:.6f}\n")
    gap = sums["A"][0] / sums["A"][1] - sums["B"][0] / sums["B"][1]
    print(f"{args.output}: {args.rows} rows; planted gap {args.effect}, sample gap (A − B mean price) {gap:.4f}")


if __name__ == "__main__":
    main()
