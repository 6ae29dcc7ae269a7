import OneRoster

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Applies the cross-record rules as records arrive in dependency order (`Entity` case order).
///
/// Every record of an entity must be offered, accepted or not, before the first record of a later entity,
/// so that references can be resolved against everything they may point at. A duplicate sourcedId
/// rejects every copy, including one accepted earlier, which `admit` then returns for the caller to withdraw.
public final class RosterChecker {
    /// The outcome of offering a record.
    public enum Verdict: Equatable, Sendable {
        case accepted
        case rejected
        /// This record is rejected, and the earlier record with the same sourcedId, already accepted, must be withdrawn.
        case rejectedWithdrawingEarlier
    }

    private struct SelfReference {
        var sourcedId: String
        var column: String
        var target: String
        var origin: Origin
    }

    private let diagnostics: DiagnosticCollector
    /// Every sourcedId offered per entity, by `Entity.order`; entries name the file by its index in `fileNames`.
    private let index: [IdTable] = Entity.allCases.map { _ in IdTable() }
    private var files: [String] = Array(repeating: "", count: Entity.allCases.count)
    private var fileNames: [String] = []
    private var fileNumbers: [String: Int] = [:]
    /// Rows of the current entity by the hash of their lowercased sourcedId.
    private var lowercasedIds: [UInt64: Int32] = [:]
    private var selfReferences: [SelfReference] = []
    /// Rows of users by the hash of their lowercased username, lowercased e-mail and identifier.
    private var usernames: [UInt64: Int32] = [:]
    private var emails: [UInt64: Int32] = [:]
    private var identifiers: [UInt64: Int32] = [:]
    /// The sourcedId, school and row of every accepted class, by the key of its sourcedId.
    private var classes: [IdTable.Key: (sourcedId: String, school: String?, row: Int32)] = [:]
    /// The school of every stored class that this run did not deliver.
    private var storedClassSchools: [IdTable.Key: String?] = [:]
    private var classesWithTeacher: Set<IdTable.Key> = []
    private var currentEntity: Entity?

    public init(diagnostics: DiagnosticCollector) {
        self.diagnostics = diagnostics
    }

    /// Sizes an entity's id table for about `records` ids before they arrive, which spares the table from
    /// growing, when for a moment both the old and the new table would be in memory.
    public func reserve(_ entity: Entity, records: Int) {
        let table = index[entity.order]
        guard table.count == 0 else { return }
        table.reserve(records)
    }

    /// Whether a record of an entity with this sourcedId was accepted.
    public func isAccepted(_ entity: Entity, _ sourcedId: String) -> Bool {
        index[entity.order][IdTable.key(sourcedId)]?.accepted ?? false
    }

    /// Whether a record of an entity with this sourcedId was offered in this run, accepted or not.
    public func wasSeen(_ entity: Entity, _ sourcedId: String) -> Bool {
        index[entity.order][IdTable.key(sourcedId)] != nil
    }

    /// Notes a record that the field rules rejected, so records that refer to it are reported as depending on it.
    public func noteRejected(_ entity: Entity, sourcedId: String?, origin: Origin) {
        enter(entity, file: origin.file)
        guard let sourcedId, !sourcedId.isEmpty else { return }
        let key = IdTable.key(sourcedId)
        if index[entity.order][key] == nil {
            index[entity.order][key] = IdTable.Entry(
                row: origin.row, file: fileNumber(origin.file), accepted: false, duplicated: false)
        }
    }

    /// Checks a record that passed the field rules against everything offered before it.
    public func admit(_ record: Record, origin: Origin) -> Verdict {
        let entity = record.entity
        enter(entity, file: origin.file)
        let key = record.withValue(at: 0) { IdTable.key($0 ?? UnsafeBufferPointer(start: nil, count: 0)) }

        // A stored record preloaded for a delta file is replaced by the file's version, not duplicated by it.
        if var earlier = index[entity.order][key], !(earlier.row == 0 && earlier.file == IdTable.maximumFile) {
            reportDuplicate(record, earlier: earlier, origin: origin)
            let wasAccepted = earlier.accepted
            earlier.duplicated = true
            earlier.accepted = false
            index[entity.order][key] = earlier
            if entity == .classes { classes[key] = nil }
            return wasAccepted ? .rejectedWithdrawingEarlier : .rejected
        }
        checkCaseDuplicate(record, origin: origin)

        let accepted = checkReferences(record, origin: origin)
        index[entity.order][key] = IdTable.Entry(
            row: origin.row, file: fileNumber(origin.file), accepted: accepted, duplicated: false)
        guard accepted else { return .rejected }

        switch entity {
        case .users: checkUserUniqueness(record, origin: origin)
        case .classes:
            classes[key] = (record.sourcedId, record.value(at: Self.classSchool), Int32(clamping: origin.row))
        case .enrollments:
            record.withValueBytes { values in
                if let role = values[Self.enrollmentRole], Self.equals(role, Self.teacher),
                    let classId = values[Self.enrollmentClass]
                {
                    classesWithTeacher.insert(IdTable.key(classId))
                }
            }
        default: break
        }
        return .accepted
    }

    /// Forgets every record that came from `file`, because the file turned out to be unreadable part way and
    /// was taken back whole. The caller then preloads the entity's stored records.
    ///
    /// NOTE: a teacher enrollment from such a file still counts towards its class having a teacher.
    public func forgetFile(_ entity: Entity, file: String) {
        guard let number = fileNumbers[file] else { return }
        index[entity.order].removeAll { $0.file == number }
        if entity == .classes { classes = [:] }
    }

    /// Records a stored record of an entity that this run did not deliver in full, so references to it resolve.
    public func preload(_ entity: Entity, _ sourcedId: String, school: String?) {
        let key = IdTable.key(sourcedId)
        guard index[entity.order][key] == nil else { return }
        index[entity.order][key] = IdTable.Entry(row: 0, file: IdTable.maximumFile, accepted: true, duplicated: false)
        if entity == .classes { storedClassSchools[key] = school }
    }

    private var lastFile: (name: String, number: Int)?

    private func fileNumber(_ file: String) -> Int {
        if let lastFile, lastFile.name == file { return lastFile.number }
        if let number = fileNumbers[file] {
            lastFile = (file, number)
            return number
        }
        let number = min(fileNames.count, IdTable.maximumFile)
        fileNames.append(file)
        fileNumbers[file] = number
        return number
    }

    /// Runs the checks that need the whole run, such as classes without a teacher. Call once, after the last record.
    public func finish() {
        finishEntity()
        guard index[Entity.enrollments.order].count > 0 else { return }
        let file = files[Entity.classes.order]
        for (key, info) in classes.sorted(by: { $0.value.row < $1.value.row })
        where !classesWithTeacher.contains(key) {
            diagnostics.add(
                Rule.classWithoutTeacher.diagnostic(
                    "class \(info.sourcedId) has no teacher enrollment", origin: Origin(file: file, row: Int(info.row)),
                    sourcedId: info.sourcedId))
        }
    }

    // MARK: - Entity boundaries

    private func enter(_ entity: Entity, file: String) {
        if currentEntity != entity {
            finishEntity()
            currentEntity = entity
            lowercasedIds = [:]
        }
        if files[entity.order].isEmpty { files[entity.order] = file }
    }

    /// Resolves references between records of the entity just finished, such as an org's parent.
    private func finishEntity() {
        guard let entity = currentEntity else { return }
        for reference in selfReferences where index[entity.order][IdTable.key(reference.target)] == nil {
            diagnostics.add(
                Rule.missingOptionalReference.diagnostic(
                    "field '\(reference.column)' names \(entity.singular) '\(reference.target)', which does not "
                        + "exist in \(files[entity.order]); the value is kept",
                    origin: reference.origin, field: reference.column, value: reference.target,
                    sourcedId: reference.sourcedId))
        }
        selfReferences = []
    }

    // MARK: - Rules

    private func reportDuplicate(_ record: Record, earlier: IdTable.Entry, origin: Origin) {
        let sourcedId = record.sourcedId
        let file = origin.file
        diagnostics.add(
            Rule.duplicateId.diagnostic(
                "duplicate sourcedId '\(sourcedId)' at rows \(earlier.row) and \(origin.row) of \(file); "
                    + "every copy is rejected, since the right one cannot be told",
                origin: origin, field: "sourcedId", value: sourcedId, sourcedId: sourcedId))
        if !earlier.duplicated {
            diagnostics.add(
                Rule.duplicateId.diagnostic(
                    "duplicate sourcedId '\(sourcedId)' at rows \(earlier.row) and \(origin.row) of \(file); "
                        + "every copy is rejected, since the right one cannot be told",
                    origin: Origin(file: file, row: earlier.row), field: "sourcedId", value: sourcedId,
                    sourcedId: sourcedId))
        }
    }

    private func checkCaseDuplicate(_ record: Record, origin: Origin) {
        // NOTE: enrollments are left out to bound memory: a district can have ten million of them.
        guard record.entity != .enrollments else { return }
        let lowered = record.withValue(at: 0) {
            IdTable.lowercasedKey($0 ?? UnsafeBufferPointer(start: nil, count: 0)).primary
        }
        if let row = lowercasedIds[lowered] {
            diagnostics.add(
                Rule.caseDuplicateId.diagnostic(
                    "sourcedId '\(record.sourcedId)' differs only in letter case from the sourcedId at row \(row); "
                        + "sourcedIds are case-sensitive, so both are kept as distinct records",
                    origin: origin, field: "sourcedId", value: record.sourcedId, sourcedId: record.sourcedId))
        } else {
            lowercasedIds[lowered] = Int32(clamping: origin.row)
        }
    }

    /// A column that refers to other records, found once per entity so the per-record loop copies no `Column`.
    private struct ReferenceColumn {
        let index: Int
        let target: Entity
        let isList: Bool
        let required: Bool
    }

    private static let referenceColumns: [[ReferenceColumn]] = Entity.allCases.map { entity in
        Schema.columns(of: entity).enumerated().compactMap { index, column in
            switch column.type {
            case .reference(let target):
                return ReferenceColumn(
                    index: index, target: target, isList: false, required: column.requirement == .required)
            case .referenceList(let target):
                return ReferenceColumn(
                    index: index, target: target, isList: true, required: column.requirement == .required)
            default:
                return nil
            }
        }
    }

    private static let enrollmentClass = Schema.index(of: "classSourcedId", in: .enrollments) ?? 0
    private static let enrollmentSchool = Schema.index(of: "schoolSourcedId", in: .enrollments) ?? 0
    private static let enrollmentRole = Schema.index(of: "role", in: .enrollments) ?? 0
    private static let classSchool = Schema.index(of: "schoolSourcedId", in: .classes) ?? 0

    private static let teacher: StaticString = "teacher"

    private static func equals(_ bytes: UnsafeBufferPointer<UInt8>, _ text: StaticString) -> Bool {
        equals(bytes, UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    private static func equals(_ first: UnsafeBufferPointer<UInt8>, _ second: UnsafeBufferPointer<UInt8>) -> Bool {
        guard first.count == second.count else { return false }
        guard let firstBase = first.baseAddress, let secondBase = second.baseAddress else { return first.isEmpty }
        return memcmp(firstBase, secondBase, first.count) == 0
    }

    /// Checks every reference column; returns false when a required reference fails.
    private func checkReferences(_ record: Record, origin: Origin) -> Bool {
        let entity = record.entity
        var accepted = true
        record.withValueBytes { values in
            for column in Self.referenceColumns[entity.order] {
                guard let value = values[column.index] else { continue }
                if column.isList && value.contains(0x2C) {
                    for item in value.split(separator: 0x2C) {
                        let id = UnsafeBufferPointer(rebasing: item)
                        if !checkReference(
                            id, to: column.target, column: column.index, required: column.required,
                            record: record, origin: origin)
                        {
                            accepted = false
                        }
                    }
                } else if !checkReference(
                    value, to: column.target, column: column.index, required: column.required, record: record,
                    origin: origin)
                {
                    accepted = false
                }
            }
            if entity == .demographics {
                let sourcedId = values[0] ?? UnsafeBufferPointer(start: nil, count: 0)
                accepted =
                    checkReference(sourcedId, to: .users, column: 0, required: true, record: record, origin: origin)
                    && accepted
            }
            if entity == .enrollments, accepted, let classId = values[Self.enrollmentClass],
                let school = values[Self.enrollmentSchool]
            {
                let classKey = IdTable.key(classId)
                if let classSchool = classes[classKey]?.school ?? storedClassSchools[classKey] ?? nil,
                    !Self.equals(school, classSchool)
                {
                    let schoolText = String(decoding: school, as: UTF8.self)
                    let classText = String(decoding: classId, as: UTF8.self)
                    diagnostics.add(
                        Rule.enrollmentSchool.diagnostic(
                            "enrollment \(record.sourcedId) has schoolSourcedId '\(schoolText)', but its class "
                                + "\(classText) belongs to school '\(classSchool)'",
                            origin: origin, field: "schoolSourcedId", value: schoolText, sourcedId: record.sourcedId))
                    accepted = false
                }
            }
        }
        return accepted
    }

    private static func equals(_ bytes: UnsafeBufferPointer<UInt8>, _ text: String) -> Bool {
        var text = text
        return text.withUTF8 { equals(bytes, $0) }
    }

    /// Checks one reference; returns false when it is required and cannot be resolved.
    /// `column` is the reference's index in `Schema.columns(of: record.entity)`; names are looked up only for messages.
    private func checkReference(
        _ idBytes: UnsafeBufferPointer<UInt8>, to target: Entity, column position: Int, required: Bool,
        record: Record, origin: Origin
    ) -> Bool {
        if target == record.entity {
            let column = Schema.columns(of: record.entity)[position].name
            selfReferences.append(
                SelfReference(
                    sourcedId: record.sourcedId, column: column, target: String(decoding: idBytes, as: UTF8.self),
                    origin: origin))
            return true
        }
        let entry = index[target.order][IdTable.key(idBytes)]
        if let entry, entry.accepted { return true }
        let id = String(decoding: idBytes, as: UTF8.self)
        let column = Schema.columns(of: record.entity)[position].name
        let file = files[target.order].isEmpty ? target.fileName : files[target.order]
        let message: String
        let rule: Rule
        if let entry {
            rule = required ? .rejectedReference : .missingOptionalReference
            message =
                "field '\(column)' refers to \(target.singular) '\(id)', which was rejected (\(file):\(entry.row))"
                + (required ? "" : "; the value is kept")
        } else {
            rule = required ? .missingReference : .missingOptionalReference
            message =
                "field '\(column)' names \(target.singular) '\(id)', which does not exist in \(file)"
                + (required ? "" : "; the value is kept")
        }
        diagnostics.add(rule.diagnostic(message, origin: origin, field: column, value: id, sourcedId: record.sourcedId))
        return !required
    }

    private func checkUserUniqueness(_ record: Record, origin: Origin) {
        check(
            record, field: "username", at: Self.usernameColumn, rule: .duplicateUsername, seen: &usernames,
            origin: origin, folded: true)
        check(
            record, field: "email", at: Self.emailColumn, rule: .duplicateEmail, seen: &emails, origin: origin,
            folded: true)
        check(
            record, field: "identifier", at: Self.identifierColumn, rule: .duplicateIdentifier,
            seen: &identifiers, origin: origin, folded: false)
    }

    private static let usernameColumn = Schema.index(of: "username", in: .users) ?? 0
    private static let emailColumn = Schema.index(of: "email", in: .users) ?? 0
    private static let identifierColumn = Schema.index(of: "identifier", in: .users) ?? 0

    /// Reports a user whose value in column `position` (named `field`) an earlier user already has.
    private func check(
        _ record: Record, field: String, at position: Int, rule: Rule, seen: inout [UInt64: Int32], origin: Origin,
        folded: Bool
    ) {
        let found: UInt64? = record.withValue(at: position) { bytes in
            guard let bytes, !bytes.isEmpty else { return nil }
            return (folded ? IdTable.lowercasedKey(bytes) : IdTable.key(bytes)).primary
        }
        guard let key = found else { return }
        if let row = seen[key] {
            let value = record.value(at: position) ?? ""
            diagnostics.add(
                rule.diagnostic(
                    "\(field) '\(value)' is also used by the user at row \(row)"
                        + (folded ? ", ignoring letter case" : ""),
                    origin: origin, field: field, value: value, sourcedId: record.sourcedId))
        } else {
            seen[key] = Int32(clamping: origin.row)
        }
    }
}
