"""The one setup every script that runs AIF360 needs before it builds a dataset (pandas 3, quiet imports)."""
import logging
import warnings


def prepare_for_aif360():
    """Silences AIF360's import-time notices (missing optional extras such as tensorflow) and the libraries'
    deprecation warnings, and makes pandas 3 read text as object columns as pandas 2 did: AIF360 0.6.1 calls
    `np.issubdtype` on column dtypes, which fails on pandas 3's string dtype."""
    import pandas as pd
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            pd.set_option("future.infer_string", False)
        except (KeyError, pd.errors.OptionError):
            pass  # a pandas without the option reads text as object already
