import FairlabCore
import Foundation

/// Which method to pick from a comparison: the best by one metric among those that meet every constraint
/// (`--select 'accuracy>=0.80' --minimize abs:statistical_parity_difference`).
///
/// A method is judged by its mean over seeds, and a randomised method by its expected values where it has them
/// (`expected_<metric>`): that is what it achieves on average once deployed. The baseline is a candidate like
/// any method (it may already meet the rule). Ties go to the method listed first.
public struct SelectionRule: Codable, Sendable, Equatable, CustomStringConvertible {
    /// A metric as a rule reads it: its value, its absolute value, or its distance from ideal.
    public struct Term: Codable, Sendable, Equatable, CustomStringConvertible {
        /// How the metric is read.
        public enum Transform: String, Codable, Sendable {
            /// As it is.
            case value
            /// Its absolute value.
            case abs
            /// Its distance from its ideal value (`MetricDescriptor.distanceFromIdeal`).
            case distance
        }

        /// How the metric is read.
        public var transform: Transform
        /// The stored metric's name.
        public var metric: String

        /// Parses `metric`, `abs:metric` or `distance:metric`.
        public init(parsing text: String) throws {
            let parts = text.split(separator: ":", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
            if parts.count == 2 {
                guard let transform = Transform(rawValue: parts[0]), transform != .value else {
                    throw FairlabError("'\(text)': use metric, abs:metric or distance:metric")
                }
                self.transform = transform
                metric = parts[1]
            } else {
                // Empty text, or only a colon, has no part at all: an empty name, refused below.
                transform = .value
                metric = parts.first ?? ""
            }
            guard !metric.isEmpty, metric.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }) else {
                throw FairlabError("'\(text)': '\(metric)' is not a metric name ([a-z0-9_]+)")
            }
        }

        /// The term as written: `metric`, `abs:metric` or `distance:metric`.
        public var description: String { transform == .value ? metric : "\(transform.rawValue):\(metric)" }

        /// The name the term reads in `row`: a randomised method's expected value where it has one.
        func storedName(in row: ComparisonSummary.Row) -> String {
            let expected = ComparisonSummary.expectedPrefix + metric
            return row.metrics[expected] != nil ? expected : metric
        }

        /// The term's value for `row` of `summary`, nil where the metric is undefined or has no ideal.
        func value(of row: ComparisonSummary.Row, in summary: ComparisonSummary) -> Double? {
            guard let mean = row.metrics[storedName(in: row)]?.mean, mean.isFinite else { return nil }
            return apply(mean, in: summary).flatMap { $0.isFinite ? $0 : nil }
        }

        private func apply(_ value: Double, in summary: ComparisonSummary) -> Double? {
            switch transform {
            case .value: return value
            case .abs: return Swift.abs(value)
            case .distance: return summary.descriptor(of: metric).distanceFromIdeal(value)
            }
        }

        /// The term's interval for `row`: the bootstrap interval, else mean ± std over seeds, mapped through the
        /// transform (an interval spanning the ideal starts at 0 once made a distance); nil where there is none.
        func interval(of row: ComparisonSummary.Row, in summary: ComparisonSummary) -> (lower: Double, upper: Double)? {
            let name = storedName(in: row)
            let bounds: (Double, Double)
            if let interval = row.intervals[name] {
                bounds = (interval.lower, interval.upper)
            } else if let statistic = row.metrics[name], let std = statistic.std {
                bounds = (statistic.mean - std, statistic.mean + std)
            } else {
                return nil
            }
            guard bounds.0.isFinite, bounds.1.isFinite, let a = apply(bounds.0, in: summary), let b = apply(bounds.1, in: summary),
                  a.isFinite, b.isFinite else { return nil }
            let ideal: Double? = transform == .abs ? 0 : transform == .distance ? summary.descriptor(of: metric).ideal : nil
            if let ideal, bounds.0 <= ideal, ideal <= bounds.1 { return (0, max(a, b)) }
            return (min(a, b), max(a, b))
        }

        /// How bad a value of the term is, for a Pareto front: lower is better. A score is negated; a plain value
        /// with an ideal is its distance from it.
        func badness(_ value: Double, in summary: ComparisonSummary) -> Double {
            let descriptor = summary.descriptor(of: metric)
            guard transform == .value else { return value }
            if descriptor.kind == .score { return -value }
            return descriptor.distanceFromIdeal(value) ?? value
        }

        /// An axis title: the display name, with the transform.
        func title(in summary: ComparisonSummary) -> String {
            let name = summary.descriptor(of: metric).displayName
            switch transform {
            case .value: return name
            case .abs: return "|\(name)|"
            case .distance: return "\(name): distance from ideal"
            }
        }
    }

    /// One constraint: `term OP bound`.
    public struct Constraint: Codable, Sendable, Equatable, CustomStringConvertible {
        /// The comparison of a constraint.
        public enum Comparison: String, Codable, Sendable {
            /// `>=`
            case atLeast = ">="
            /// `<=`
            case atMost = "<="
            /// `>`
            case above = ">"
            /// `<`
            case below = "<"

            func holds(_ value: Double, _ bound: Double) -> Bool {
                switch self {
                case .atLeast: return value >= bound
                case .atMost: return value <= bound
                case .above: return value > bound
                case .below: return value < bound
                }
            }
        }

        /// What is compared.
        public var term: Term
        /// How.
        public var comparison: Comparison
        /// With what.
        public var bound: Double

        /// Parses `accuracy>=0.80`, `abs:statistical_parity_difference<0.05`.
        public init(parsing text: String) throws {
            // Two-character operators first, so that ">=" is not read as ">" followed by "=0.8".
            for comparison in [Comparison.atLeast, .atMost, .above, .below] {
                guard let range = text.range(of: comparison.rawValue) else { continue }
                let boundText = text[range.upperBound...].trimmingCharacters(in: .whitespaces)
                guard let bound = Double(boundText), bound.isFinite else {
                    throw FairlabError("--select '\(text)': '\(boundText)' is not a number")
                }
                term = try Term(parsing: String(text[..<range.lowerBound]))
                self.comparison = comparison
                self.bound = bound
                return
            }
            throw FairlabError("--select '\(text)': expected METRIC>=VALUE (or <=, >, <), e.g. accuracy>=0.80")
        }

        /// The constraint as written: `accuracy>=0.8`.
        public var description: String { "\(term)\(comparison.rawValue)\(bound)" }
    }

    /// Every constraint a chosen method must meet.
    public var constraints: [Constraint]
    /// What is best among those meeting them.
    public var objective: Term
    /// Whether the objective is minimised (else maximised).
    public var minimize: Bool

    /// A rule of `constraints` and an objective to minimise or maximise.
    public init(constraints: [Constraint], objective: Term, minimize: Bool) {
        self.constraints = constraints
        self.objective = objective
        self.minimize = minimize
    }

    /// The rule as the outputs state it: `accuracy>=0.8, minimizing abs:statistical_parity_difference`.
    public var description: String {
        (constraints.isEmpty ? "" : constraints.map(\.description).joined(separator: " and ") + ", ")
            + (minimize ? "minimizing " : "maximizing ") + objective.description
    }

    /// Throws unless every metric the rule names is one the run has (`known`: its overall metric names);
    /// `naming` says what names it, in the message.
    public func check(against known: Set<String>, file: String?, naming: String = "the selection rule") throws {
        for term in constraints.map(\.term) + [objective] where !known.contains(term.metric) {
            let shown = known.filter { !$0.hasPrefix(ComparisonSummary.expectedPrefix) }.sorted().joined(separator: ", ")
            let message = "\(naming) names metric '\(term.metric)', which the run does not have (it has \(shown.isEmpty ? "none" : shown))"
            throw file.map { FairlabError(file: $0, message) } ?? FairlabError(message)
        }
    }
}
