#!/usr/bin/env bash
# Converts the raw public datasets in ../shared/datasets/raw/ into fairlab's HDF5 files under datasets/, with
# `fairlab import`. Each file records its source's SHA-256 and the exact import command as attributes.
#
#   tools/import-datasets.sh [RAW_FOLDER]     (default: ../shared/datasets/raw)
#
# Conventions follow AIF360's loaders where they exist (docs/datasets.md): rows with a missing value dropped,
# Adult without fnlwgt, COMPAS restricted to the columns AIF360's CompasDataset uses.
set -euo pipefail
cd "$(dirname "$0")/.."
raw=${1:-../shared/datasets/raw}
fairlab=${FAIRLAB:-.build/release/fairlab}
[ -x "$fairlab" ] || swift build -c release --product fairlab
mkdir -p datasets

"$fairlab" import "$raw/adult.csv" --label income-per-year --favorable '>50K' \
    --protected sex=Male --protected race=White --drop fnlwgt --missing '?' -o datasets/adult.h5

"$fairlab" import "$raw/german.csv" --label credit --favorable 1 \
    --protected 'age>25' --protected personal_status=A91,A93,A94 -o datasets/german.h5

"$fairlab" import "$raw/propublica-recidivism.csv" --label two_year_recid --favorable 0 \
    --protected race=Caucasian --protected sex=Female \
    --keep age_cat --keep juv_fel_count --keep juv_misd_count --keep juv_other_count --keep priors_count \
    --keep c_charge_degree -o datasets/compas.h5
