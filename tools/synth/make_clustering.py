"""A synthetic segmentation dataset (customers in segments) with a planted group effect of known size, as a CSV
for `fairlab import --task clustering`. Python's standard library only, so any machine with python3 runs it.

    python3 tools/synth/make_clustering.py --rows N [--share P] [--seed S] -o OUT.csv
    fairlab import OUT.csv --task clustering --clusters 3 --protected area=urban --drop area -o OUT.h5

Three segments with centres (0, 0), (6, 0) and (0, 6) in (spend, visits), each row at its segment's centre plus
N(0, 1) noise in both, and a third feature `tenure` ~ N(0, 1) that no segment depends on. The protected `area`
is rural with probability P, else urban; the planted effect is how the areas fill the segments: urban rows fall
in segments 0, 1, 2 with probabilities 0.5, 0.3, 0.2, rural rows with 0.1, 0.3, 0.6. So segment c's rural share
is P·r_c / ((1 − P)·u_c + P·r_c): with P = 0.3, 0.079, 0.3 and 0.5625 against 0.3 overall, a disparate impact
of 0.26, 1 and 1.875, which a clustering that recovers the segments shows.

The same arguments give the same file (random.Random(seed)). Prints the planted and the sample rural shares.
"""
import argparse
import random
import sys

CENTRES = [(0.0, 0.0), (6.0, 0.0), (0.0, 6.0)]
URBAN = [0.5, 0.3, 0.2]
RURAL = [0.1, 0.3, 0.6]


def draw(rng, probabilities):
    u = rng.random()
    for index, p in enumerate(probabilities):
        if u < p:
            return index
        u -= p
    return len(probabilities) - 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--share", type=float, default=0.3, help="the share P of rural rows")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args()
    if args.rows < 10 or not 0 < args.share < 1:
        sys.exit("make_clustering.py: need --rows >= 10 and 0 < --share < 1")
    rng = random.Random(args.seed)
    counts = [[0, 0] for _ in CENTRES]  # [urban, rural] per segment
    with open(args.output, "w") as out:
        out.write("spend,visits,tenure,area\n")
        for _ in range(args.rows):
            rural = rng.random() < args.share
            segment = draw(rng, RURAL if rural else URBAN)
            counts[segment][rural] += 1
            x, y = CENTRES[segment]
            out.write(f"{x + rng.gauss(0, 1):.6f},{y + rng.gauss(0, 1):.6f},{rng.gauss(0, 1):.6f},{'rural' if rural else 'urban'}\n")
    planted = [args.share * r / ((1 - args.share) * u + args.share * r) for u, r in zip(URBAN, RURAL)]
    sample = [c[1] / (c[0] + c[1]) for c in counts]
    print(f"{args.output}: {args.rows} rows; rural share per segment planted "
          + ", ".join(f"{p:.4f}" for p in planted) + "; sample " + ", ".join(f"{s:.4f}" for s in sample))


if __name__ == "__main__":
    main()
