/// The groups a comparison measures: one protected attribute's categories, or, for several attributes, the
/// intersections of their categories (race × sex) that occur in the data. A group is privileged when it is
/// privileged in every attribute, as AIF360's `privileged_groups=[{race: 1, sex: 1}]` would select.
public struct GroupPartition: Sendable, Equatable {
    /// The attributes combined, in order.
    public let attributeNames: [String]
    /// One name per group: the category ("Female") or the categories joined with "/" ("Black/Female").
    public let names: [String]
    /// One flag per group.
    public let privileged: [Bool]
    /// One group code per dataset row.
    public let codes: [Int32]

    /// Number of groups.
    public var count: Int { names.count }

    /// The most category combinations an intersection may have (only those present become groups).
    static let maximumCombinations = 1 << 40

    /// Partitions `dataset` by the named attributes (default: the dataset's first protected attribute).
    public init(dataset: Dataset, attributes requested: [String] = []) throws {
        guard let first = dataset.protected.first else { throw FairlabError("the dataset has no protected attribute") }
        let names = requested.isEmpty ? [first.name] : requested
        let attributes = try names.map { try dataset.protectedAttribute(named: $0) }
        guard Set(names).count == names.count else { throw FairlabError("a protected attribute is named twice: \(names.joined(separator: ","))") }

        // Mixed-radix combination of the per-attribute codes; only combinations that occur become groups.
        var radix = 1
        for attribute in attributes {
            let (product, overflow) = radix.multipliedReportingOverflow(by: attribute.categories.count)
            guard !overflow, product <= Self.maximumCombinations else {
                throw FairlabError("protected attributes \(names.joined(separator: ",")) have too many category combinations")
            }
            radix = product
        }
        var combined = [Int](repeating: 0, count: dataset.rows)
        var place = 1
        for attribute in attributes.reversed() {
            for row in 0..<dataset.rows { combined[row] += Int(attribute.codes[row]) * place }
            place *= attribute.categories.count
        }
        let present = Set(combined).sorted()
        var codeOf: [Int: Int32] = [:]
        var groupNames: [String] = []
        var groupPrivileged: [Bool] = []
        for (index, combination) in present.enumerated() {
            codeOf[combination] = Int32(index)
            var remainder = combination
            var parts: [String] = []
            var isPrivileged = true
            var divisor = radix
            for attribute in attributes {
                divisor /= attribute.categories.count
                let code = Int32(remainder / divisor)
                remainder %= divisor
                parts.append(attribute.categories[Int(code)])
                isPrivileged = isPrivileged && attribute.privilegedCodes.contains(code)
            }
            groupNames.append(parts.joined(separator: "/"))
            groupPrivileged.append(isPrivileged)
        }
        guard groupNames.count >= 2 else {
            throw FairlabError("protected attribute \(names.joined(separator: ",")) has only one group (\(groupNames.first ?? "none"))")
        }
        guard groupPrivileged.contains(true), groupPrivileged.contains(false) else {
            throw FairlabError("protected attribute \(names.joined(separator: ",")) needs both privileged and unprivileged rows")
        }
        self.attributeNames = names
        self.names = groupNames
        self.privileged = groupPrivileged
        self.codes = combined.map { codeOf[$0]! }
    }
}
