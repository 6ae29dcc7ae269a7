import Archive
import Foundation
import OneRoster
import Validation

/// The destination of accepted records: a snapshot being written, or nothing for `validate`.
///
/// A record rejected in a run keeps its stored version: rejection is never deletion.
protocol RecordDestination: AnyObject {
    /// Starts an entity, before its first record.
    func startEntity(_ entity: Entity, bulk: Bool) throws
    func upsert(_ record: Record) throws
    /// Puts back the stored version of a record written earlier in this run, or removes it if it is new.
    func restore(_ entity: Entity, sourcedId: String) throws
    /// Ends a bulk entity: removes stored records whose sourcedId the run did not see at all, and returns them.
    func removeUnseen(_ entity: Entity, seen: (String) -> Bool) throws -> [String]
    /// Marks a point to return to if the file being read turns out to be unreadable.
    func beginFile() throws
    func endFile(keep: Bool) throws
    /// Applies everything still pending; called once, after the last record.
    func finish() throws
    /// Calls `body` with the sourcedId of every stored record of an entity (and a class's school), as of the
    /// last committed snapshot.
    func forEachStored(_ entity: Entity, _ body: (String, String?) -> Void) throws
    /// Calls `body` with every stored record of an entity, as of the last committed snapshot.
    func forEachStoredRecord(_ entity: Entity, _ body: (Record) -> Void) throws
}

/// Validates and stores everything a connector handed over, entity by entity in dependency order.
final class RosterIngest {
    let collector: DiagnosticCollector
    let checker: RosterChecker
    let destination: RecordDestination
    let gradeMap: [String: String]
    let progress: Progress?
    private(set) var counts: [Entity: EntityCount] = [:]
    /// Takes the digest of every file as it is read, for a first load; see `InputFingerprint`.
    var fingerprint: InputFingerprint?
    /// Entities whose stored records the run keeps because it did not deliver them in full.
    private var kept: Set<Entity> = []
    /// sourcedIds each bulk entity's run removed from the store.
    private var removed: [Entity: Set<String>] = [:]

    init(
        collector: DiagnosticCollector, destination: RecordDestination, gradeMap: [String: String],
        progress: Progress?
    ) {
        self.collector = collector
        self.checker = RosterChecker(diagnostics: collector)
        self.destination = destination
        self.gradeMap = gradeMap
        self.progress = progress
    }

    /// Processes every file and emitted record; throws only when the store fails.
    func process(_ intake: Intake) throws {
        let delivered = Entity.allCases.filter {
            !(intake.files[$0] ?? []).isEmpty || !(intake.emitted[$0] ?? []).isEmpty
        }
        for entity in Entity.allCases {
            let jobs = intake.files[entity] ?? []
            let records = intake.emitted[entity] ?? []
            guard delivered.contains(entity) else {
                // The run has no information about this entity, so references to it resolve against the stored snapshot.
                if delivered.contains(where: { $0 > entity }) { try preloadStored(entity) }
                kept.insert(entity)
                continue
            }
            counts[entity] = EntityCount()

            // Files of one entity are all opened before the first is read, which would interleave their bytes.
            if jobs.count > 1 { fingerprint?.abandon() }
            let readable = jobs.compactMap { job in open(job) }
            if readable.count != jobs.count { fingerprint?.abandon() }
            let bytes = readable.reduce(0) { $0 + ($1.size ?? 0) }
            checker.reserve(entity, records: bytes / RosterIngest.estimatedBytesPerRow)
            // Records a connector emits one by one are a complete set of their entity.
            let bulk = readable.contains { $0.job.mode == .bulk } || !records.isEmpty
            let unreadable = jobs.count != readable.count
            try destination.startEntity(entity, bulk: bulk && !unreadable)
            // A delta changes some records of the stored snapshot; references to the others must still resolve.
            if !bulk { try preloadStored(entity) }
            var complete = !unreadable
            for file in readable where !(try read(file)) { complete = false }
            if !records.isEmpty {
                for name in (intake.extensionFields[entity] ?? []).sorted() {
                    collector.add(
                        Diagnostic(
                            .info, rule: "header.extension", file: "emit:\(entity.rawValue)", field: name,
                            message: "field '\(name)' is not a OneRoster field of \(entity.rawValue); it is kept as an "
                                + "extension column"))
                }
                let parser = RecordParser(
                    entity: entity,
                    options: ParseOptions(
                        version: intake.emittedVersion, mode: .bulk, gradeMap: gradeMap))
                for record in records {
                    try offer(
                        values: record.values, extensions: record.extensions,
                        origin: Origin(file: "emit:\(entity.rawValue)", row: record.row), parser: parser)
                }
            }
            if complete {
                if bulk {
                    let gone = try destination.removeUnseen(entity) { checker.wasSeen(entity, $0) }
                    if !gone.isEmpty { removed[entity] = Set(gone) }
                }
            } else {
                // A file could not be read, so its stored records stay; references to them must still resolve.
                try preloadStored(entity)
                kept.insert(entity)
            }
        }
        try reportDanglingStoredReferences()
        checker.finish()
        try destination.finish()
    }

    // MARK: - Files

    private struct OpenFile {
        var job: FileJob
        var name: String
        var reader: CSVReader
        var mapping: HeaderMapping
        /// The file's size in bytes, when known, to estimate its row count.
        var size: Int?
    }

    /// An estimate of a roster CSV row's size for sizing the checker's tables: rows with UUID sourcedIds, as
    /// large SIS exports have, take 120 to 190 bytes. A file of shorter rows makes the table grow as it fills.
    static let estimatedBytesPerRow = 128

    /// Opens a file and reads its header; reports and returns nil when the file cannot be used at all.
    private func open(_ job: FileJob) -> OpenFile? {
        var name = job.entry ?? (job.path as NSString).lastPathComponent
        do {
            let source: any ByteSource
            var size: Int?
            if let entry = job.entry {
                let (package, _) = try PackageSource.open(path: job.path)
                name = package.displayName(for: entry)
                guard let entrySource = try package.source(for: entry) else {
                    collector.add(
                        Diagnostic(
                            .error, rule: "package.missing-file", file: entry,
                            message: "\(entry) is not in the package at \(job.path)"))
                    return nil
                }
                source = entrySource
                size = package.size(of: entry)
            } else {
                source = try FileByteSource(path: job.path)
                size = (try? FileManager.default.attributesOfItem(atPath: job.path)[.size] as? Int) ?? nil
            }
            var read = source
            if let fingerprint {
                fingerprint.beginFile(job)
                read = HashingByteSource(source, into: fingerprint)
            }
            let reader = CSVReader(source: read, fileName: name, encoding: job.encoding)
            guard let header = try reader.readRow() else {
                collector.add(
                    Diagnostic(
                        .error, rule: "csv.empty-file", file: name, row: 1,
                        message: "\(name) is empty: it has no header row; leave the file out and mark it absent"))
                return nil
            }
            let (mapping, findings) = HeaderMapping.map(
                header: header, entity: job.entity, version: job.version, fileName: name)
            collector.add(contentsOf: findings)
            if findings.contains(where: { $0.severity == .error }) { return nil }
            return OpenFile(job: job, name: name, reader: reader, mapping: mapping, size: size)
        } catch let error as CSVError {
            collector.add(error.diagnostic)
        } catch {
            collector.add(
                Diagnostic(.error, rule: "file.unreadable", file: name, message: "\(name) could not be read: \(error)"))
        }
        return nil
    }

    /// Reads every row of a file; an unreadable row (bad encoding, broken quoting) takes back the whole file.
    /// Returns whether the file was read to its end.
    private func read(_ file: OpenFile) throws -> Bool {
        let entity = file.job.entity
        let parser = RecordParser(
            entity: entity, options: ParseOptions(version: file.job.version, mode: file.job.mode, gradeMap: gradeMap))
        let before = counts[entity] ?? EntityCount()
        var fields: [String] = []
        var values = [String?](repeating: nil, count: Schema.columns(of: entity).count)
        try destination.beginFile()
        progress?.startFile(file.name)
        do {
            while try file.reader.readRow(into: &fields) {
                let row = file.reader.rowNumber
                let origin = Origin(file: file.name, row: row)
                guard let extensions = assign(fields, mapping: file.mapping, to: &values, origin: origin) else {
                    checker.noteRejected(entity, sourcedId: values[0], origin: origin)
                    counts[entity, default: EntityCount()].rejected += 1
                    continue
                }
                try offer(values: values, extensions: extensions, origin: origin, parser: parser)
                progress?.advance()
            }
            try destination.endFile(keep: true)
            fingerprint?.endFile()
            if file.reader.rowNumber <= 1 && file.job.mode == .bulk {
                collector.add(
                    Diagnostic(
                        .warning, rule: "csv.header-only", file: file.name, row: 1,
                        message: "\(file.name) has a header but no rows, so as a bulk file it removes every stored "
                            + "\(entity.rawValue); mark the file absent in the manifest if it carries no information"))
            }
            progress?.endFile()
            return true
        } catch let error as CSVError {
            fingerprint?.abandon()
            try destination.endFile(keep: false)
            checker.forgetFile(entity, file: file.name)
            let after = counts[entity] ?? EntityCount()
            let taken = after.accepted - before.accepted
            counts[entity] = EntityCount(accepted: before.accepted, rejected: after.rejected + taken)
            var diagnostic = error.diagnostic
            diagnostic.message += "; nothing from \(file.name) is stored"
            collector.add(diagnostic)
            progress?.endFile()
            return false
        }
    }

    /// Warns about stored records that the run kept (their entity was not delivered in full) and that refer
    /// to records the run removed. Records the run delivered were checked against this run's records already.
    ///
    /// NOTE: the referring records stay as stored; a later safety hold is meant to stop such runs.
    private func reportDanglingStoredReferences() throws {
        guard !removed.isEmpty else { return }
        for entity in kept.sorted() {
            let references = Schema.columns(of: entity).enumerated().compactMap {
                index, column -> (Int, String, Entity)? in
                switch column.type {
                case .reference(let target), .referenceList(let target):
                    return removed[target] == nil ? nil : (index, column.name, target)
                default:
                    return nil
                }
            }
            let ownUser = entity == .demographics && removed[.users] != nil
            guard !references.isEmpty || ownUser else { continue }
            try destination.forEachStoredRecord(entity) { record in
                var targets = references.flatMap { index, name, target in
                    (record.values[index] ?? "").split(separator: ",").map { (name, target, String($0)) }
                }
                if ownUser { targets.append(("sourcedId", .users, record.sourcedId)) }
                for (name, target, id) in targets where removed[target]?.contains(id) == true {
                    collector.add(
                        Diagnostic(
                            .warning, rule: "ref.dangling", file: entity.fileName, field: name, value: id,
                            sourcedId: record.sourcedId,
                            message:
                                "stored \(entity.singular) '\(record.sourcedId)' refers to \(target.singular) '\(id)' "
                                + "in field '\(name)', which this run removed; the \(entity.singular) is kept as stored"
                        ))
                }
            }
        }
    }

    /// Tells the checker about the stored records of an entity this run did not deliver in full.
    private func preloadStored(_ entity: Entity) throws {
        try destination.forEachStored(entity) { sourcedId, school in checker.preload(entity, sourcedId, school: school)
        }
    }

    /// Places a row's fields in schema column order; returns nil when the row has values beyond the header.
    private func assign(
        _ fields: [String], mapping: HeaderMapping, to values: inout [String?], origin: Origin
    ) -> [Extension]? {
        for index in values.indices { values[index] = nil }
        var extensions: [Extension] = []
        let targets = mapping.targets
        for position in 0..<min(fields.count, targets.count) {
            let field = fields[position]
            switch targets[position] {
            case .column(let index): values[index] = field
            case .extensionColumn(let name): extensions.append(Extension(name: name, value: field))
            case .unnamed(let name): if !field.isEmpty { extensions.append(Extension(name: name, value: field)) }
            case .ignored: break
            }
        }
        if fields.count == targets.count { return extensions }

        let sourcedId = values[0]
        if fields.count > targets.count {
            let extra = fields[targets.count...]
            if let value = extra.first(where: { !$0.isEmpty }) {
                collector.add(
                    Rule.extraValues.diagnostic(
                        "row has \(fields.count) fields but the header has \(targets.count); the extra value "
                            + "'\(value)' has no column, so the row is rejected",
                        origin: origin, value: value, sourcedId: sourcedId))
                return nil
            }
        }
        collector.add(
            Rule.extraFields.diagnostic(
                "row has \(fields.count) fields but the header has \(targets.count)"
                    + (fields.count > targets.count ? "; the extra fields are empty" : "; missing fields are blank"),
                origin: origin, sourcedId: sourcedId))
        return extensions
    }

    private func offer(values: [String?], extensions: [Extension], origin: Origin, parser: RecordParser) throws {
        let entity = parser.entity
        guard let record = parser.parse(values: values, extensions: extensions, origin: origin, into: collector) else {
            checker.noteRejected(entity, sourcedId: values[0] ?? nil, origin: origin)
            counts[entity, default: EntityCount()].rejected += 1
            return
        }
        switch checker.admit(record, origin: origin) {
        case .accepted:
            try destination.upsert(record)
            counts[entity, default: EntityCount()].accepted += 1
        case .rejected:
            counts[entity, default: EntityCount()].rejected += 1
        case .rejectedWithdrawingEarlier:
            try destination.restore(entity, sourcedId: record.sourcedId)
            counts[entity, default: EntityCount()].accepted -= 1
            counts[entity, default: EntityCount()].rejected += 2
        }
    }
}
