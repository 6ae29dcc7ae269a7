import Foundation

/// Accepted and rejected records of one entity.
struct EntityCount: Decodable, Equatable {
    var count: Int
    var rejected: Int
}

/// A scalar setting from expected.json, written into the `--settings` file of the run.
enum SettingValue: Decodable {
    case string(String)
    case integer(Int)
    case number(Double)
    case boolean(Bool)

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) {
            self = .boolean(value)
        } else if let value = try? container.decode(Int.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "expected a string, number or boolean setting")
        }
    }

    /// The value as a Lua literal.
    var luaLiteral: String {
        switch self {
        case .integer(let value): return String(value)
        case .number(let value): return String(value)
        case .boolean(let value): return value ? "true" : "false"
        case .string(let value):
            var literal = "\""
            for scalar in value.unicodeScalars {
                switch scalar {
                case "\\": literal += "\\\\"
                case "\"": literal += "\\\""
                case "\n": literal += "\\n"
                case "\r": literal += "\\r"
                default:
                    // Other control characters become three-digit decimal escapes, so a digit that follows
                    // cannot be read as part of the escape.
                    if scalar.value < 0x20 || scalar.value == 0x7F {
                        let digits = String(scalar.value)
                        literal += "\\" + String(repeating: "0", count: 3 - digits.count) + digits
                    } else {
                        literal.unicodeScalars.append(scalar)
                    }
                }
            }
            return literal + "\""
        }
    }
}

/// The contents of a fixtures folder's expected.json.
struct ExpectedCounts: Decodable {
    /// The connector script, connectors/sis/CONNECTOR.lua, that reads the folder.
    var connector: String
    /// Settings besides `path`, which is always the fixtures folder.
    var settings: [String: SettingValue]
    /// Per entity, what `rollbook connector run --json` prints as `count` and `rejected`.
    var entities: [String: EntityCount]

    enum CodingKeys: String, CodingKey { case connector, settings, entities }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        connector = try container.decode(String.self, forKey: .connector)
        settings = try container.decodeIfPresent([String: SettingValue].self, forKey: .settings) ?? [:]
        entities = try container.decode([String: EntityCount].self, forKey: .entities)
    }

    /// One fixtures folder with its expected counts.
    struct Fixture {
        var folder: URL
        var expected: ExpectedCounts
    }

    /// Reads the expected.json of every folder under `fixtures` that has one, in folder name order.
    static func load(in fixtures: URL) throws -> [Fixture] {
        guard FileManager.default.fileExists(atPath: fixtures.path) else { return [] }
        var found: [Fixture] = []
        for folder in try FileManager.default.contentsOfDirectory(atPath: fixtures.path).sorted() {
            let file = fixtures.appending(path: "\(folder)/expected.json")
            guard FileManager.default.fileExists(atPath: file.path) else { continue }
            do {
                let expected = try JSONDecoder().decode(ExpectedCounts.self, from: Data(contentsOf: file))
                found.append(Fixture(folder: fixtures.appending(path: folder), expected: expected))
            } catch {
                throw CheckError(
                    "invalid '\(file.path)': \(describe(error)); expected {\"connector\": NAME, \"settings\": "
                        + "{...}, \"entities\": {ENTITY: {\"count\": N, \"rejected\": N}}}")
            }
        }
        return found
    }

    /// Returns one line per entity whose counts differ from `actual`, empty when all match.
    func mismatches(with actual: [String: EntityCount]) -> [String] {
        var lines: [String] = []
        for entity in Set(entities.keys).union(actual.keys).sorted() {
            switch (entities[entity], actual[entity]) {
            case (let expected?, let got?) where expected != got:
                lines.append(
                    "\(entity): \(got.count) accepted and \(got.rejected) rejected, expected "
                        + "\(expected.count) accepted and \(expected.rejected) rejected")
            case (let expected?, nil):
                lines.append("\(entity): none emitted, expected \(expected.count) accepted")
            case (nil, let got?):
                lines.append("\(entity): \(got.count) accepted but expected.json does not list \(entity)")
            default:
                break
            }
        }
        return lines
    }

    /// The accepted counts, such as `orgs 2, users 3`.
    var summary: String {
        entities.keys.sorted().map { "\($0) \(entities[$0]?.count ?? 0)" }.joined(separator: ", ")
    }
}

/// Returns a decoding error as the JSON path and the problem, such as `'entities.users.rejected' is missing`.
func describe(_ error: any Error) -> String {
    func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }
    switch error {
    case DecodingError.keyNotFound(let key, let context):
        return "'\(path(context.codingPath + [key]))' is missing"
    case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
        return "'\(path(context.codingPath))' has the wrong type (\(context.debugDescription))"
    case DecodingError.dataCorrupted(let context):
        return context.codingPath.isEmpty
            ? "not valid JSON" : "'\(path(context.codingPath))' is invalid (\(context.debugDescription))"
    default:
        return "\(error)"
    }
}
