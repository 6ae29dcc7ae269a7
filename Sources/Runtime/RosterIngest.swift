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

    /// Processes every file and emitted record. Throws only when the store fails or when the emitted records cannot
    /// be read back from their temporary files.
    func process(_ intake: Intake) throws {
        // The temporary file of emitted records misses some of them, so the run cannot be complete.
        if let failure = intake.spoolError { throw failure }
        let delivered = Entity.allCases.filter { !(intake.files[$0] ?? []).isEmpty || intake.hasEmitted($0) }
        for entity in Entity.allCases {
            let jobs = intake.files[entity] ?? []
            let records = intake.emitted[entity]
            guard delivered.contains(entity) else {
                // The run has no information about this entity, so references to it resolve against the stored snapshot.
                if delivered.contains(where: { $0 > entity }) { try preloadStored(entity) }
                kept.insert(entity)
                noteLeftOut(entity, intake.leftOut[entity] ?? [])
                continue
            }
            counts[entity] = EntityCount()

            // Files of one entity are all opened before the first is read, which would interleave their bytes.
            if jobs.count > 1 { fingerprint?.abandon() }
            let readable = jobs.compactMap { job in open(job) }
            if readable.count != jobs.count { fingerprint?.abandon() }
            let bytes = readable.reduce(0) { $0 + ($1.size ?? 0) }
            checker.reserve(entity, records: bytes / RosterIngest.estimatedBytesPerRow)
            // Records a connector emits one by one are a complete set of their entity unless emitted in delta mode.
            let recordMode = intake.emittedModes[entity] ?? .bulk
            let bulk = readable.contains { $0.job.mode == .bulk } || (records != nil && recordMode == .bulk)
            let unreadable = jobs.count != readable.count
            try destination.startEntity(entity, bulk: bulk && !unreadable)
            // A delta changes some records of the stored snapshot; references to the others must still resolve.
            if !bulk { try preloadStored(entity) }
            var complete = !unreadable
            for file in readable where !(try read(file)) { complete = false }
            if let records {
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
                        version: intake.emittedVersion, mode: recordMode, gradeMap: gradeMap))
                // The records come back from their temporary file in emit order, an empty value as a blank one.
                let reader = try records.makeReader()
                let file = "emit:\(entity.rawValue)"
                while let emitted = try reader.next(emptyAsNil: true) {
                    try offer(emitted.record, origin: Origin(file: file, row: emitted.row), parser: parser)
                }
            }
            // Noted after the records, so that a left-out record never makes an emitted one with its sourcedId a duplicate.
            noteLeftOut(entity, intake.leftOut[entity] ?? [])
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
        var row = CSVRow()
        let layout = RowLayout(mapping: file.mapping, columnCount: Schema.columns(of: entity).count)
        try destination.beginFile()
        progress?.startFile(file.name)
        do {
            while try file.reader.readRow(into: &row) {
                let origin = Origin(file: file.name, row: file.reader.rowNumber)
                guard let record = assign(row, layout: layout, entity: entity, origin: origin) else {
                    checker.noteRejected(entity, sourcedId: layout.sourcedId(of: row), origin: origin)
                    counts[entity, default: EntityCount()].rejected += 1
                    continue
                }
                try offer(record, origin: origin, parser: parser)
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
                    (record.value(at: index) ?? "").split(separator: ",").map { (name, target, String($0)) }
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

    /// Counts the records a connector left out and reported as rejected records of `entity`. Notes them as the
    /// validator's rejections are noted, so a bulk entity keeps the stored version of each one with a sourcedId,
    /// and a reference to one is reported as a reference to a rejected record.
    private func noteLeftOut(_ entity: Entity, _ records: [LeftOutRecord]) {
        guard !records.isEmpty else { return }
        for record in records {
            checker.noteRejected(entity, sourcedId: record.sourcedId, origin: record.origin)
        }
        counts[entity, default: EntityCount()].rejected += records.count
    }

    /// Tells the checker about the stored records of an entity this run did not deliver in full.
    private func preloadStored(_ entity: Entity) throws {
        try destination.forEachStored(entity) { sourcedId, school in checker.preload(entity, sourcedId, school: school)
        }
    }

    /// Builds a record of a row's fields in schema column order, blank fields as nil; returns nil when the row has
    /// values beyond the header.
    private func assign(_ row: CSVRow, layout: RowLayout, entity: Entity, origin: Origin) -> Record? {
        let fieldCount = row.count
        let targetCount = layout.targets.count
        var builder = RecordBuilder(columns: layout.sources.count, textCapacity: row.byteCount)
        row.withFields { fields in
            for source in layout.sources {
                if source >= 0 && source < fieldCount {
                    let field = fields[source]
                    builder.append(field.isEmpty ? nil : field)
                } else {
                    builder.append(UnsafeBufferPointer<UInt8>?.none)
                }
            }
        }
        var extensions: [Extension] = []
        for position in layout.extensionPositions where position < fieldCount {
            switch layout.targets[position] {
            case .extensionColumn(let name): extensions.append(Extension(name: name, value: row[position]))
            case .unnamed(let name):
                if row.byteCount(position) > 0 { extensions.append(Extension(name: name, value: row[position])) }
            case .column, .ignored: break
            }
        }
        let record = Record(entity: entity, builder: builder, extensions: extensions)
        if fieldCount == targetCount { return record }

        let sourcedId = layout.sourcedId(of: row)
        if fieldCount > targetCount {
            if let extra = (targetCount..<fieldCount).first(where: { row.byteCount($0) > 0 }) {
                let value = row[extra]
                collector.add(
                    Rule.extraValues.diagnostic(
                        "row has \(fieldCount) fields but the header has \(targetCount); the extra value "
                            + "'\(value)' has no column, so the row is rejected",
                        origin: origin, value: value, sourcedId: sourcedId))
                return nil
            }
        }
        collector.add(
            Rule.extraFields.diagnostic(
                "row has \(fieldCount) fields but the header has \(targetCount)"
                    + (fieldCount > targetCount ? "; the extra fields are empty" : "; missing fields are blank"),
                origin: origin, sourcedId: sourcedId))
        return record
    }

    private func offer(_ record: Record, origin: Origin, parser: RecordParser) throws {
        let entity = parser.entity
        guard let record = parser.parse(record, origin: origin, into: collector) else {
            checker.noteRejected(entity, sourcedId: record.value(at: 0), origin: origin)
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

/// The field position behind each schema column of a file, worked out once from its header mapping.
private struct RowLayout {
    let targets: [HeaderMapping.Target]
    /// The field position of each schema column, or -1 when the header has no such column.
    let sources: [Int]
    /// The field positions that become extensions, in field order.
    let extensionPositions: [Int]

    init(mapping: HeaderMapping, columnCount: Int) {
        targets = mapping.targets
        var sources = Array(repeating: -1, count: columnCount)
        var extensionPositions: [Int] = []
        for (position, target) in mapping.targets.enumerated() {
            switch target {
            // A later field for the same column wins, as it overwrote the earlier one before.
            case .column(let index): sources[index] = position
            case .extensionColumn, .unnamed: extensionPositions.append(position)
            case .ignored: break
            }
        }
        self.sources = sources
        self.extensionPositions = extensionPositions
    }

    /// Returns the row's sourcedId field as it is, or nil when the header or the row has none.
    func sourcedId(of row: CSVRow) -> String? {
        guard let position = sources.first, position >= 0, position < row.count else { return nil }
        return row[position]
    }
}
