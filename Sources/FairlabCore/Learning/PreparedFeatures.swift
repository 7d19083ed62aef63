/// Features readied once for any number of logistic-regression fits on them, as a reduction refits its base
/// learner on the same rows with new weights: checked finite, and the representation of their products (sparse
/// or dense, see `makeDesign`) chosen and built. Building it is a pass over the whole matrix plus, for one-hot
/// data, a compressed copy: about a seventh of an exponentiated-gradient run when it was rebuilt per fit.
public final class PreparedFeatures {
    /// The features as given.
    public let features: Matrix
    let design: DesignMatrix

    /// Prepares `features`; `allowSparse` false forces the dense BLAS products.
    public init(_ features: Matrix, allowSparse: Bool = true) throws {
        guard features.firstNonFiniteIndex == nil else {
            throw FairlabError("logistic regression: features contain NaN or infinite values")
        }
        self.features = features
        design = makeDesign(features, allowSparse: allowSparse)
    }
}
