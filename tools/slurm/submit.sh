#!/usr/bin/env bash
# Submits a sharded `fairlab compare` to Slurm: a job array of SHARDS tasks (compare-array.sbatch), then a
# merge job (merge.sbatch) that starts only once every task has succeeded.
#
#   tools/slurm/submit.sh DATASET OUT_DIR SHARDS [compare options...]
#
# Prints two lines on stdout: the array job id, then the merge job id (messages go to stderr).
# Writes OUT_DIR/shard-K.h5 (K = 1..SHARDS), OUT_DIR/results.h5 (or $FAIRLAB_RESULTS) and the jobs' logs
# OUT_DIR/slurm-<array>_<K>.out and OUT_DIR/slurm-<merge>-merge.out.
#
# Environment: FAIRLAB (fairlab executable, default `fairlab` on PATH), FAIRLAB_PLUGIN_PATH, FAIRLAB_RESULTS,
# SLURM_CONF (e.g. from local-cluster.sh); SBATCH_EXTRA: extra sbatch options for both submissions, split on
# spaces (e.g. "--partition=short --time=1:00:00"). sbatch exports this environment to the jobs.
# See compare-array.sbatch for running on a real cluster (shared filesystem, plugins, array sizing).
set -euo pipefail

if (($# < 3)); then
    echo "usage: $0 DATASET OUT_DIR SHARDS [compare options...]" >&2
    exit 64
fi
dataset=$1
out_dir=$2
shards=$3
shift 3
[[ $shards =~ ^[1-9][0-9]*$ ]] || { echo "submit: SHARDS must be a positive integer: $shards" >&2; exit 64; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Absolute, so that --output and the jobs agree whatever their working directory. DATASET is left as
# given: the jobs run in this directory (sbatch's default --chdir), so a relative path still works.
mkdir -p "$out_dir"
out_dir=$(cd "$out_dir" && pwd)
results=${FAIRLAB_RESULTS:-$out_dir/results.h5}

read -r -a extra <<<"${SBATCH_EXTRA:-}"

# FAIRLAB_SHARDS tells each task M explicitly (the array's size would say the same for --array=1-M).
array_id=$(FAIRLAB_SHARDS=$shards sbatch --parsable "${extra[@]}" --array="1-$shards" \
    --output="$out_dir/slurm-%A_%a.out" \
    "$here/compare-array.sbatch" "$dataset" "$out_dir" "$@")
array_id=${array_id%%;*} # --parsable prints "id;cluster" on multi-cluster setups

merge_id=$(sbatch --parsable "${extra[@]}" --dependency="afterok:$array_id" --kill-on-invalid-dep=yes \
    --output="$out_dir/slurm-%j-merge.out" \
    "$here/merge.sbatch" "$out_dir" "$shards" "$results")
merge_id=${merge_id%%;*}

echo "submit: array job $array_id ($shards shards), merge job $merge_id -> $results" >&2
echo "$array_id"
echo "$merge_id"
