/// Parses the OneRoster `filter` grammar: `field op 'value'` terms joined by ` AND ` or ` OR `.
///
/// Spaces around an operator are allowed. Inside a value a doubled quote (`''`) is one literal quote
/// and every other character, backslash included, stands for itself. Field names may contain dots, so
/// `metadata.x` or `org.sourcedId` is accepted when the caller lists it as a known field.
struct FilterParser {
    private let text: [Character]
    private let known: [String]
    private let knownSet: Set<String>
    private let maximumPredicates: Int
    private var index = 0

    init(_ filter: String, knownFields: [String], maximumPredicates: Int) {
        self.text = Array(filter)
        self.known = knownFields
        self.knownSet = Set(knownFields)
        self.maximumPredicates = maximumPredicates
    }

    mutating func parse() throws(RESTQueryError) -> FilterExpression {
        var predicates: [FilterPredicate] = []
        var joiner: LogicalOperator?
        skipSpaces()
        if index == text.count {
            throw .malformedFilter("", at: index, expected: "a predicate such as status='active'")
        }
        while true {
            let start = index
            let predicate = try parsePredicate()
            if predicates.count == maximumPredicates {
                throw .tooManyPredicates(String(text[start..<index]), at: start, maximum: maximumPredicates)
            }
            predicates.append(predicate)

            let spaceStart = index
            skipSpaces()
            if index == text.count {
                break
            }
            let wordStart = index
            let word = readWord()
            guard let found = LogicalOperator(rawValue: word), wordStart > spaceStart else {
                let offendingText = word.isEmpty ? String(text[index]) : word
                throw .malformedFilter(
                    offendingText, at: wordStart, expected: "' AND ' or ' OR ' (upper case) or the end")
            }
            if let joiner, joiner != found {
                throw .mixedLogicalOperators(word, at: wordStart, first: joiner.rawValue)
            }
            joiner = found
            let afterWord = index
            skipSpaces()
            if index == afterWord || index == text.count {
                throw .malformedFilter(
                    word, at: wordStart, expected: "a space and another predicate after '\(word)'")
            }
        }
        return FilterExpression(predicates: predicates, logicalOperator: joiner)
    }

    private mutating func parsePredicate() throws(RESTQueryError) -> FilterPredicate {
        let fieldStart = index
        while index < text.count, !Self.endsFieldName(text[index]) {
            index += 1
        }
        let field = String(text[fieldStart..<index])
        if field.isEmpty {
            throw .malformedFilter(
                remainder(from: fieldStart), at: fieldStart, expected: "a field name such as status")
        }
        guard knownSet.contains(field) else {
            throw .unknownFilterField(field, at: fieldStart, known: known)
        }

        skipSpaces()
        let opStart = index
        let op = try parseOperator()
        skipSpaces()

        let valueStart = index
        guard index < text.count, text[index] == "'" else {
            throw .malformedFilter(
                remainder(from: valueStart), at: valueStart,
                expected: "a value in single quotes after '\(field)\(op.rawValue)' at \(opStart)")
        }
        index += 1
        var value = ""
        while true {
            guard index < text.count else {
                throw .malformedFilter(
                    String(text[valueStart...]), at: valueStart,
                    expected: "a closing single quote (write a quote inside a value as '')")
            }
            let character = text[index]
            index += 1
            if character != "'" {
                value.append(character)
            } else if index < text.count, text[index] == "'" {
                value.append("'")
                index += 1
            } else {
                break
            }
        }
        return FilterPredicate(field: field, op: op, value: value)
    }

    private mutating func parseOperator() throws(RESTQueryError) -> FilterOperator {
        let start = index
        guard index < text.count else {
            throw .malformedFilter("", at: start, expected: "an operator: =, !=, >, >=, <, <= or ~")
        }
        let first = text[index]
        let second: Character? = index + 1 < text.count ? text[index + 1] : nil
        let op: FilterOperator?
        switch (first, second) {
        case ("!", "="): op = .notEqual
        case (">", "="): op = .greaterOrEqual
        case ("<", "="): op = .lessOrEqual
        case ("=", _): op = .equal
        case (">", _): op = .greater
        case ("<", _): op = .less
        case ("~", _): op = .contains
        default: op = nil
        }
        guard let op else {
            throw .malformedFilter(
                remainder(from: start), at: start, expected: "an operator: =, !=, >, >=, <, <= or ~")
        }
        index += op.rawValue.count
        return op
    }

    private mutating func skipSpaces() {
        while index < text.count, text[index] == " " {
            index += 1
        }
    }

    private mutating func readWord() -> String {
        let start = index
        while index < text.count, text[index].isLetter {
            index += 1
        }
        return String(text[start..<index])
    }

    /// Returns up to 20 characters from `start`, enough to show where parsing stopped.
    private func remainder(from start: Int) -> String {
        String(text[start..<min(text.count, start + 20)])
    }

    private static func endsFieldName(_ character: Character) -> Bool {
        switch character {
        case " ", "=", "!", ">", "<", "~", "'": return true
        default: return false
        }
    }
}
