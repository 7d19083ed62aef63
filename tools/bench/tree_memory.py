"""Runs a command and reports its wall time and the peak memory of its whole process tree (the command and every
process it starts), sampled every 0.1 s from /proc:

- peak_tree_pss_mib: the largest sum of proportional set sizes (PSS, /proc/PID/smaps_rollup): a page shared by
  k processes counts 1/k in each, so pages of a file several workers map count once in the sum. This is the
  figure to compare with "memory of all processes together";
- peak_tree_rss_mib: the largest sum of resident set sizes, which counts shared pages once per process;
- peak_single_rss_mib: the largest resident size of one process.

Usage: python3 tools/bench/tree_memory.py COMMAND [ARGS...]   (one JSON line on stderr at the end)
"""
import json
import os
import subprocess
import sys
import time


def children():
    tree = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
                parent = int(stat[stat.rindex(")") + 2:].split()[1])
                tree.setdefault(parent, []).append(int(entry))
            except (OSError, ValueError):
                pass
    return tree


def field(path, name):
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(name + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main():
    start = time.perf_counter()
    process = subprocess.Popen(sys.argv[1:])
    peak_pss = peak_rss = peak_single = 0
    while process.poll() is None:
        tree, stack, pids = children(), [process.pid], []
        while stack:
            pid = stack.pop()
            pids.append(pid)
            stack.extend(tree.get(pid, []))
        rss = [field(f"/proc/{pid}/status", "VmRSS") for pid in pids]
        pss = [field(f"/proc/{pid}/smaps_rollup", "Pss") for pid in pids]
        peak_pss, peak_rss, peak_single = max(peak_pss, sum(pss)), max(peak_rss, sum(rss)), max(peak_single, max(rss))
        time.sleep(0.1)
    print(json.dumps({
        "wall_seconds": round(time.perf_counter() - start, 2), "exit_status": process.returncode,
        "peak_tree_pss_mib": peak_pss // 1024, "peak_tree_rss_mib": peak_rss // 1024, "peak_single_rss_mib": peak_single // 1024,
    }), file=sys.stderr)
    sys.exit(process.returncode)


if __name__ == "__main__":
    main()
