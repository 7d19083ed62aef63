"""Synthetic datasets with a planted bias, in fairlab's HDF5 dataset format version 1 (docs/dataset-format.md).

    python3 tools/synth/make_dataset.py --shape adult|census|wide --rows N [--onehot-width W] [--seed S]
        [--bias B] [--compression gzip|none] [--split] -o OUT.h5

Shapes (columns in source order, encoded as `fairlab import` encodes a CSV: a numeric column is one feature, a
categorical column one `column=level` 0/1 feature per level in sorted order, the protected column `sex` one
feature that is 1 for privileged rows):

- adult: UCI Adult's 6 numeric and 8 categorical columns with its level names (workclass 7, education 16,
  marital-status 7, occupation 14, relationship 6, race 5, sex 2, native-country 41): 103 features.
  education-num is the rank of education, as in Adult.
- census: the KDD Census-Income columns, 7 numeric and 33 categorical (503 levels): 509 features.
- wide: 4 numeric columns, sex, three small categorical columns and two high-cardinality ones (signup_date,
  one level per day, and surname), sized so that there are exactly --onehot-width features.

Every level of a categorical column occurs at least once when there are at least as many rows as levels.

The label is a logistic model of the features: logit = intercept + sum of coefficients times the standardised
numeric features + one effect per categorical level - bias for unprivileged rows (sex = Female). Coefficients
and effects are drawn from the seed; the intercept is set on a pilot sample so that the favourable rate is
about the shape's (Adult 24%, Census 6%). No other feature depends on sex, so the planted term is the only
source of the gap between the groups' base rates, which the script prints.

Rows are written in blocks into pre-created datasets, so memory does not grow with --rows: gzip level 4 in
chunks of whole rows (at most 512 KiB), or contiguous without compression. The file is written beside OUT.h5 and
renamed over it once complete. The same arguments give the same file (numpy's default_rng).
"""
import argparse
import functools
import os
import shlex
import sys
import time
from dataclasses import dataclass

import h5py
import numpy as np

CREATED_BY = "tools/synth/make_dataset.py"
BLOCK_ROWS = 100_000
BLOCK_ELEMENTS = 1 << 24  # at most 128 MiB of features in memory per block
CHUNK_ELEMENTS = 1 << 16  # 512 KiB float64 chunks, as fairlab's own writer makes
PILOT_ROWS = 50_000
NUMERIC_VARIANCE = 1.0  # of the numeric features' summed contribution to the logit
CATEGORICAL_VARIANCE = 1.5  # of the categorical levels' summed contribution
SPLIT_SHARES = (0.6, 0.2, 0.2)  # train, validation, test
WIDE_DEFAULT_WIDTH = 1000


@dataclass(frozen=True)
class Numeric:
    """An integer-valued numeric column: round(loc + scale z), or round(exp(loc + scale z)) when `log`, clipped
    to [low, high]; 0 where z < zero_below (zero-inflated columns such as capital gains)."""
    name: str
    loc: float
    scale: float
    low: float = -np.inf
    high: float = np.inf
    log: bool = False
    zero_below: float = -np.inf
    width = 1

    def feature_names(self):
        return [self.name]

    def draw(self, rng, n, drawn):
        z = rng.standard_normal(n)
        raw = np.exp(self.loc + self.scale * z) if self.log else self.loc + self.scale * z
        return np.where(z < self.zero_below, 0.0, np.clip(np.rint(raw), self.low, self.high))

    def fill(self, block, offset, values):
        block[:, offset] = values


@dataclass(frozen=True)
class Categorical:
    """A categorical column; `levels` are listed most frequent first, with Zipf(zipf) frequencies."""
    name: str
    levels: tuple
    zipf: float = 1.0

    @property
    def width(self):
        return len(self.levels)

    @functools.cached_property
    def cdf(self):
        weights = np.arange(1, self.width + 1, dtype=float) ** -self.zipf
        return np.cumsum(weights) / weights.sum()

    @functools.cached_property
    def sorted_position(self):
        """The feature offset of each level: one-hot features are in sorted level order."""
        position = np.empty(self.width, dtype=np.int64)
        position[sorted(range(self.width), key=self.levels.__getitem__)] = np.arange(self.width)
        return position

    def feature_names(self):
        return [f"{self.name}={level}" for level in sorted(self.levels)]

    def draw(self, rng, n, drawn):
        return np.minimum(np.searchsorted(self.cdf, rng.random(n), side="right"), self.width - 1)

    def fill(self, block, offset, codes):
        block[np.arange(len(codes)), offset + self.sorted_position[codes]] = 1.0


@dataclass(frozen=True)
class Ordinal:
    """A numeric column holding the 1-based rank of a categorical column's level in `order` (Adult's
    education-num)."""
    name: str
    source: Categorical
    order: tuple
    width = 1

    def feature_names(self):
        return [self.name]

    def draw(self, rng, n, drawn):
        ranks = np.array([self.order.index(level) + 1 for level in self.source.levels], dtype=float)
        return ranks[drawn[self.source.name]]

    def fill(self, block, offset, values):
        block[:, offset] = values


@dataclass(frozen=True)
class Protected:
    """The protected column: two sorted categories, code 1 privileged; its feature is 1 for privileged rows."""
    name: str
    categories: tuple
    privileged_share: float
    width = 1

    @property
    def levels(self):
        return self.categories

    def feature_names(self):
        return [self.name]

    def draw(self, rng, n, drawn):
        return (rng.random(n) < self.privileged_share).astype(np.int32)

    def fill(self, block, offset, codes):
        block[:, offset] = codes


@dataclass(frozen=True)
class Shape:
    """A dataset's columns (in source order) and label."""
    columns: tuple
    label_name: str
    favorable_value: str
    base_rate: float

    @property
    def protected(self):
        return next(column for column in self.columns if isinstance(column, Protected))

    @property
    def width(self):
        return sum(column.width for column in self.columns)

    def feature_names(self):
        return [name for column in self.columns for name in column.feature_names()]


def numbered(count):
    """Level names 01, 02, ... (zero-padded so that sorted order is numeric order)."""
    digits = len(str(count))
    return tuple(f"{index:0{digits}d}" for index in range(1, count + 1))


def surnames(count):
    """`count` distinct made-up surnames of three consonant-vowel syllables."""
    syllables = [onset + vowel for onset in "bdfghklmnprstvz" for vowel in "aeiou"]
    base = len(syllables)
    return tuple(
        (syllables[index // base ** 2 % base] + syllables[index // base % base] + syllables[index % base]).capitalize()
        for index in range(count))


def days(count, first="2010-01-01"):
    """`count` consecutive ISO dates from `first`."""
    return tuple(str(day) for day in np.datetime64(first) + np.arange(count))


EDUCATION_BY_RANK = ("Preschool", "1st-4th", "5th-6th", "7th-8th", "9th", "10th", "11th", "12th", "HS-grad",
                     "Some-college", "Assoc-voc", "Assoc-acdm", "Bachelors", "Masters", "Prof-school", "Doctorate")
EDUCATION = Categorical("education", (
    "HS-grad", "Some-college", "Bachelors", "Masters", "Assoc-voc", "11th", "Assoc-acdm", "10th", "7th-8th",
    "Prof-school", "9th", "12th", "Doctorate", "5th-6th", "1st-4th", "Preschool"))

ADULT = Shape(
    columns=(
        Numeric("age", 38.6, 13.6, low=17, high=90),
        Categorical("workclass", ("Private", "Self-emp-not-inc", "Local-gov", "State-gov", "Self-emp-inc",
                                  "Federal-gov", "Without-pay"), zipf=2.0),
        Numeric("fnlwgt", 12.0, 0.5, log=True),
        EDUCATION,
        Ordinal("education-num", EDUCATION, EDUCATION_BY_RANK),
        Categorical("marital-status", ("Married-civ-spouse", "Never-married", "Divorced", "Separated", "Widowed",
                                       "Married-spouse-absent", "Married-AF-spouse"), zipf=1.3),
        Categorical("occupation", (
            "Prof-specialty", "Craft-repair", "Exec-managerial", "Adm-clerical", "Sales", "Other-service",
            "Machine-op-inspct", "Transport-moving", "Handlers-cleaners", "Farming-fishing", "Tech-support",
            "Protective-serv", "Priv-house-serv", "Armed-Forces"), zipf=0.7),
        Categorical("relationship", ("Husband", "Not-in-family", "Own-child", "Unmarried", "Wife",
                                     "Other-relative")),
        Categorical("race", ("White", "Black", "Asian-Pac-Islander", "Amer-Indian-Eskimo", "Other"), zipf=3.0),
        Protected("sex", ("Female", "Male"), 0.67),
        Numeric("capital-gain", 7.5, 0.6, log=True, high=99999, zero_below=1.4),
        Numeric("capital-loss", 7.4, 0.2, log=True, high=4356, zero_below=1.65),
        Numeric("hours-per-week", 40.0, 12.0, low=1, high=99),
        Categorical("native-country", (
            "United-States", "Mexico", "Philippines", "Germany", "Puerto-Rico", "Canada", "India", "El-Salvador",
            "Cuba", "England", "Jamaica", "South", "China", "Italy", "Dominican-Republic", "Vietnam", "Guatemala",
            "Japan", "Poland", "Columbia", "Iran", "Taiwan", "Haiti", "Portugal", "Nicaragua", "Peru", "Greece",
            "France", "Ecuador", "Ireland", "Hong", "Cambodia", "Trinadad&Tobago", "Thailand", "Laos",
            "Yugoslavia", "Outlying-US(Guam-USVI-etc)", "Hungary", "Honduras", "Scotland", "Holand-Netherlands"),
            zipf=3.0),
    ),
    label_name="income-per-year", favorable_value=">50K", base_rate=0.24)

# KDD Census-Income (1994-95 CPS): its 33 nominal columns with their level counts, levels numbered.
CENSUS_LEVELS = (
    ("class-of-worker", 9), ("detailed-industry-recode", 52), ("detailed-occupation-recode", 47),
    ("education", 17), ("enroll-in-edu-inst-last-wk", 3), ("marital-stat", 7), ("major-industry-code", 24),
    ("major-occupation-code", 15), ("race", 5), ("hispanic-origin", 10), ("member-of-a-labor-union", 3),
    ("reason-for-unemployment", 6), ("full-or-part-time-employment-stat", 8), ("tax-filer-stat", 6),
    ("region-of-previous-residence", 6), ("state-of-previous-residence", 51),
    ("detailed-household-and-family-stat", 38), ("detailed-household-summary-in-household", 8),
    ("migration-code-change-in-msa", 10), ("migration-code-change-in-reg", 9),
    ("migration-code-move-within-reg", 10), ("live-in-this-house-1-year-ago", 3),
    ("migration-prev-res-in-sunbelt", 4), ("family-members-under-18", 5), ("country-of-birth-father", 43),
    ("country-of-birth-mother", 43), ("country-of-birth-self", 43), ("citizenship", 5),
    ("own-business-or-self-employed", 3), ("fill-inc-questionnaire-for-veterans-admin", 3),
    ("veterans-benefits", 3), ("year", 2))


def census_categorical(name):
    return Categorical(name, numbered(dict(CENSUS_LEVELS)[name]), zipf=1.2)


CENSUS = Shape(
    columns=(
        Numeric("age", 34.0, 22.0, low=0, high=90),
        *(census_categorical(name) for name in ("class-of-worker", "detailed-industry-recode",
                                                "detailed-occupation-recode", "education")),
        Numeric("wage-per-hour", 6.5, 0.5, log=True, zero_below=1.75),
        *(census_categorical(name) for name in ("enroll-in-edu-inst-last-wk", "marital-stat",
                                                "major-industry-code", "major-occupation-code", "race",
                                                "hispanic-origin")),
        Protected("sex", ("Female", "Male"), 0.48),
        *(census_categorical(name) for name in ("member-of-a-labor-union", "reason-for-unemployment",
                                                "full-or-part-time-employment-stat")),
        Numeric("capital-gains", 8.0, 1.0, log=True, high=99999, zero_below=1.8),
        Numeric("capital-losses", 7.4, 0.3, log=True, high=4608, zero_below=1.95),
        Numeric("dividends-from-stocks", 6.0, 1.5, log=True, high=99999, zero_below=1.2),
        *(census_categorical(name) for name in (
            "tax-filer-stat", "region-of-previous-residence", "state-of-previous-residence",
            "detailed-household-and-family-stat", "detailed-household-summary-in-household",
            "migration-code-change-in-msa", "migration-code-change-in-reg", "migration-code-move-within-reg",
            "live-in-this-house-1-year-ago", "migration-prev-res-in-sunbelt")),
        Numeric("num-persons-worked-for-employer", 2.0, 2.4, low=0, high=6),
        *(census_categorical(name) for name in (
            "family-members-under-18", "country-of-birth-father", "country-of-birth-mother",
            "country-of-birth-self", "citizenship", "own-business-or-self-employed",
            "fill-inc-questionnaire-for-veterans-admin", "veterans-benefits")),
        Numeric("weeks-worked-in-year", 26.0, 30.0, low=0, high=52),
        census_categorical("year"),
    ),
    label_name="income", favorable_value="50000+.", base_rate=0.062)

WIDE_FIXED = (
    Numeric("age", 40.0, 12.0, low=18, high=90),
    Protected("sex", ("Female", "Male"), 0.5),
    Numeric("income", 10.5, 0.6, log=True),
    Numeric("tenure-months", 36.0, 24.0, low=0, high=240),
    Numeric("score", 600.0, 80.0, low=300, high=850),
    Categorical("region", numbered(8), zipf=0.8),
    Categorical("channel", numbered(5)),
    Categorical("product", numbered(20), zipf=1.1),
)
WIDE_MINIMUM = sum(column.width for column in WIDE_FIXED) + 2


def wide_shape(width):
    """WIDE_FIXED plus signup_date (a third of the remaining width, uniform) and surname (the rest, Zipf)."""
    remaining = width - sum(column.width for column in WIDE_FIXED)
    dates = max(1, remaining // 3)  # at least one level each, so the minimum width works
    return Shape(
        columns=WIDE_FIXED + (Categorical("signup_date", days(dates), zipf=0.0),
                              Categorical("surname", surnames(remaining - dates))),
        label_name="converted", favorable_value="yes", base_rate=0.3)


def draw_block(columns, rng, n, first_row=0, total_rows=None):
    """Draws `n` rows of every column: values for numeric columns, codes for the others. With `total_rows`,
    row k * total_rows // levels of the whole dataset gets level k, so every level occurs."""
    drawn = {}
    for column in columns:
        values = column.draw(rng, n, drawn)
        if total_rows is not None and isinstance(column, (Categorical, Protected)):
            cover_levels(values, first_row, total_rows, len(column.levels))
        drawn[column.name] = values
    return drawn


def cover_levels(codes, first_row, total_rows, levels):
    """Sets the codes of this block's coverage rows (see draw_block)."""
    level = np.arange(levels)
    row = level * total_rows // levels - first_row
    inside = (row >= 0) & (row < len(codes))
    codes[row[inside]] = level[inside]


def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


@dataclass
class LabelModel:
    """logit = intercept + sum of coef * standardised value + level effects - bias * (unprivileged)."""
    intercept: float
    bias: float
    protected: Protected
    numeric: dict  # column name -> (coefficient, mean, standard deviation)
    effects: dict  # column name -> effect of each level

    def logit(self, drawn):
        logit = self.intercept - self.bias * (drawn[self.protected.name] != 1)
        for name, (coefficient, mean, std) in self.numeric.items():
            logit = logit + coefficient * (drawn[name] - mean) / std
        for name, effects in self.effects.items():
            logit = logit + effects[drawn[name]]
        return logit


def make_label_model(shape, bias, effects_rng, pilot_rng):
    """Draws the coefficients and effects, standardises on a pilot sample and calibrates the intercept on it."""
    numeric = [column for column in shape.columns if isinstance(column, (Numeric, Ordinal))]
    categorical = [column for column in shape.columns if isinstance(column, Categorical)]
    pilot = draw_block(shape.columns, pilot_rng, PILOT_ROWS)
    coefficient_sd = np.sqrt(NUMERIC_VARIANCE / len(numeric))
    effect_sd = np.sqrt(CATEGORICAL_VARIANCE / len(categorical))
    model = LabelModel(
        intercept=0.0, bias=bias, protected=shape.protected,
        numeric={column.name: (effects_rng.normal(0.0, coefficient_sd), pilot[column.name].mean(),
                               pilot[column.name].std() or 1.0) for column in numeric},
        effects={column.name: effects_rng.normal(0.0, effect_sd, column.width) for column in categorical})
    model.intercept = intercept_for_rate(model.logit(pilot), shape.base_rate)
    return model


def intercept_for_rate(logit, rate):
    """The shift of `logit` whose mean probability is `rate` (bisection: the mean is increasing in it)."""
    low, high = -40.0, 40.0
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if sigmoid(logit + middle).mean() < rate else (low, middle)
    return (low + high) / 2


def feature_block(columns, drawn, n, width):
    """The rows' features, the columns' encodings side by side."""
    block = np.zeros((n, width))
    offset = 0
    for column in columns:
        column.fill(block, offset, drawn[column.name])
        offset += column.width
    return block


def create_datasets(file, shape, rows, compression, split):
    """Creates every dataset and attribute except the data; returns the rows a block should hold."""
    width = shape.width
    chunk_rows = max(1, min(rows, CHUNK_ELEMENTS // width))
    gzip = compression == "gzip"
    options = {"compression": "gzip", "compression_opts": 4} if gzip else {}
    vector_chunks = (min(rows, CHUNK_ELEMENTS),) if gzip else None
    strings = h5py.string_dtype()

    file.create_dataset("features", (rows, width), "<f8", chunks=(chunk_rows, width) if gzip else None, **options)
    file.create_dataset("feature_names", data=shape.feature_names(), dtype=strings)
    label = file.create_dataset("label", (rows,), "i1", chunks=vector_chunks, **options)
    label.attrs["name"] = shape.label_name
    label.attrs["favorable_value"] = shape.favorable_value
    protected = shape.protected
    group = file.create_group("protected")
    group.attrs.create("order", [protected.name], dtype=strings)
    codes = group.create_dataset(protected.name, (rows,), "<i4", chunks=vector_chunks, **options)
    codes.attrs.create("categories", list(protected.categories), dtype=strings)
    codes.attrs["privileged"] = np.array([1], dtype=np.int64)
    if split:
        file.create_dataset("split", (rows,), "i1", chunks=vector_chunks, **options)
    return max(chunk_rows, min(BLOCK_ROWS, BLOCK_ELEMENTS // width) // chunk_rows * chunk_rows)


def set_root_attributes(file, command):
    file.attrs["fairlab_format"] = "fairlab-dataset"
    file.attrs["fairlab_format_version"] = np.int64(1)
    file.attrs["source_file"] = "synthetic"
    file.attrs["source_sha256"] = ""
    file.attrs["import_command"] = command
    file.attrs["created_by"] = CREATED_BY


class Tally:
    """Rows and favourable labels per group, and rows per split part, for the checks and the summary."""

    def __init__(self):
        self.rows = np.zeros(2, dtype=np.int64)
        self.favorable = np.zeros(2, dtype=np.int64)
        self.split = np.zeros(3, dtype=np.int64)

    def add(self, labels, codes, split):
        self.rows += np.bincount(codes, minlength=2)
        self.favorable += np.bincount(codes, weights=labels, minlength=2).astype(np.int64)
        if split is not None:
            self.split += np.bincount(split, minlength=3)

    def problem(self, split):
        """Why fairlab's reader would refuse the data, or None."""
        if self.favorable.sum() in (0, self.rows.sum()):
            return "the label has one class"
        if split and (self.split[0] == 0 or self.split[2] == 0):
            return "/split has no training or no test rows"
        return None


def write_rows(file, shape, model, rows, block_rows, rngs, tally):
    """Draws and writes the rows block by block, counting them in `tally`."""
    data_rng, split_rng = rngs
    protected = shape.protected
    for start in range(0, rows, block_rows):
        n = min(rows, start + block_rows) - start
        drawn = draw_block(shape.columns, data_rng, n, start, rows)
        labels = (data_rng.random(n) < sigmoid(model.logit(drawn))).astype(np.int8)
        file["features"][start:start + n] = feature_block(shape.columns, drawn, n, shape.width)
        file["label"][start:start + n] = labels
        file["protected"][protected.name][start:start + n] = drawn[protected.name]
        split = None
        if "split" in file:
            split = split_rng.choice(3, n, p=SPLIT_SHARES).astype(np.int8)
            file["split"][start:start + n] = split
        tally.add(labels, drawn[protected.name], split)


def print_base_rates(shape, tally, bias):
    protected = shape.protected
    rates = tally.favorable / np.maximum(tally.rows, 1)
    print(f"label {shape.label_name} (favourable {shape.favorable_value}): "
          f"base rate {tally.favorable.sum() / tally.rows.sum():.4f}")
    for code, category in enumerate(protected.categories):
        mark = " (privileged)" if code == 1 else ""
        print(f"  {protected.name}={category}{mark}: {tally.rows[code]:,} rows, base rate {rates[code]:.4f}")
    print(f"  gap (privileged - unprivileged): {rates[1] - rates[0]:.4f}, from a planted bias of {bias:g} in log-odds")


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shape", required=True, choices=("adult", "census", "wide"))
    parser.add_argument("--rows", required=True, type=int)
    parser.add_argument("--onehot-width", type=int, help=f"features of the wide shape (default {WIDE_DEFAULT_WIDTH})")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--bias", type=float, default=1.0,
                        help="log-odds taken from the unprivileged group's favourable outcome (default 1)")
    parser.add_argument("--compression", choices=("gzip", "none"), default="gzip")
    parser.add_argument("--split", action="store_true", help="also write /split, 60/20/20 at random")
    parser.add_argument("-o", "--output", required=True)
    arguments = parser.parse_args(argv)
    if not os.path.isdir(os.path.dirname(os.path.abspath(arguments.output))):
        parser.error(f"no folder for {arguments.output}")
    if arguments.rows < 2:
        parser.error("--rows must be at least 2")
    if arguments.onehot_width is not None and arguments.shape != "wide":
        parser.error("--onehot-width applies to --shape wide only")
    if arguments.shape == "wide":
        arguments.onehot_width = arguments.onehot_width or WIDE_DEFAULT_WIDTH
        if arguments.onehot_width < WIDE_MINIMUM:
            parser.error(f"--onehot-width must be at least {WIDE_MINIMUM}")
    return arguments


def shape_for(arguments):
    if arguments.shape == "wide":
        return wide_shape(arguments.onehot_width)
    return ADULT if arguments.shape == "adult" else CENSUS


def warn_if_levels_missing(shape, rows):
    missing = sum(max(0, column.width - rows) for column in shape.columns if isinstance(column, Categorical))
    if missing:
        print(f"note: fewer rows than levels: {missing:,} one-hot features are all zero", file=sys.stderr)


def main(argv):
    arguments = parse_arguments(argv[1:])
    started = time.perf_counter()
    shape = shape_for(arguments)
    warn_if_levels_missing(shape, arguments.rows)
    effects_rng, pilot_rng, data_rng, split_rng = np.random.default_rng(arguments.seed).spawn(4)
    model = make_label_model(shape, arguments.bias, effects_rng, pilot_rng)

    folder, name = os.path.split(os.path.abspath(arguments.output))
    temporary = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    tally = Tally()
    try:
        # Bounded to the 1.10 file format: fairlab links the system libhdf5, which may be 1.10.
        with h5py.File(temporary, "w", libver=("earliest", "v110")) as file:
            set_root_attributes(file, "python3 " + shlex.join(argv))
            block_rows = create_datasets(file, shape, arguments.rows, arguments.compression, arguments.split)
            write_rows(file, shape, model, arguments.rows, block_rows, (data_rng, split_rng), tally)
        problem = tally.problem(arguments.split)
        if problem:
            raise SystemExit(f"error: {problem} in {arguments.rows:,} rows; use more --rows or another --seed")
        os.replace(temporary, arguments.output)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)

    print_base_rates(shape, tally, arguments.bias)
    size = os.path.getsize(arguments.output)
    print(f"{arguments.output}: {arguments.rows:,} rows, {shape.width:,} features, "
          f"{time.perf_counter() - started:.1f} s, {size:,} bytes ({size / 2**20:.1f} MiB)")


if __name__ == "__main__":
    main(sys.argv)
