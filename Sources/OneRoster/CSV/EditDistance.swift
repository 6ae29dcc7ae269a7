/// Returns the Levenshtein distance between two strings: the fewest single-scalar insertions, deletions and
/// substitutions that turn `first` into `second`. Letter case counts.
public func editDistance(_ first: String, _ second: String) -> Int {
    let source = Array(first.unicodeScalars)
    let target = Array(second.unicodeScalars)
    if source.isEmpty { return target.count }
    if target.isEmpty { return source.count }

    // Two rows of the dynamic-programming table: distances from a prefix of `source` to every prefix of `target`.
    var previous = Array(0...target.count)
    var current = Array(repeating: 0, count: target.count + 1)
    for (row, sourceScalar) in source.enumerated() {
        current[0] = row + 1
        for (column, targetScalar) in target.enumerated() {
            let substitution = previous[column] + (sourceScalar == targetScalar ? 0 : 1)
            current[column + 1] = min(substitution, previous[column + 1] + 1, current[column] + 1)
        }
        swap(&previous, &current)
    }
    return previous[target.count]
}
