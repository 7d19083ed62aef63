import CFairlabPlugin

/// A classifier a reduction found: a model of the host's learner, or a constant prediction where the
/// cost-sensitive relabelling had one class only (Fairlearn's `DummyClassifier`).
enum ReductionModel { case learned(fl_model), constant(Double) }
