import Foundation
import OneRoster
import Scripting
import Store
import Validation

/// Brings one app's view of one district up to date with the district's published snapshot.
///
/// Entities go in dependency order, so that each sees which records of the entities it refers to are in
/// the view. An entity the mapping neither filters nor reshapes, and whose references are all shared whole,
/// is shared whole: the app reads the district's base records of it as they are, and no view rows are written.
/// Any other entity is walked
/// in base rowid ranges: its scope is checked natively, references to records outside the view are dropped,
/// the mapping's Lua function runs only where its input changed, then the field allow-list and masks apply.
final class ViewBuilder {
    let mapping: AppMapping
    let writer: AppViewWriter
    let store: SnapshotStore
    /// The last committed app run of this app and district, or nil before the first.
    let previous: AppRun?
    /// The digest of the mapping this run uses; when it differs from the previous run's, everything is redone.
    let digest: String
    /// Today's date as `YYYY-MM-DD`, for `sessions = "current"`.
    let today: String
    /// The published sync run the view is built from.
    let baseRun: Int64

    private(set) var counts: [Entity: ViewCounts] = [:]
    private(set) var whole: Set<Entity> = []
    /// Mapping errors of single records, at most `errorLimit` of them; `errorCount` counts all.
    private(set) var errors: [MappingError] = []
    private(set) var errorCount = 0
    let errorLimit = 100

    private var shared: [Entity: SharedSet] = [:]
    /// Users that pass the scope checks before the mapping function runs, for `agentSourcedIds` and enrollments.
    private var candidateUsers: SharedSet = .all
    private let chunk: Int64 = 20_000

    init(
        mapping: AppMapping, writer: AppViewWriter, store: SnapshotStore, previous: AppRun?, digest: String,
        today: String, baseRun: Int64
    ) {
        self.baseRun = baseRun
        self.mapping = mapping
        self.writer = writer
        self.store = store
        self.previous = previous
        self.digest = digest
        self.today = today
    }

    private var sameMapping: Bool { previous?.mapping == digest }

    func build() throws {
        whole = wholeEntities()
        for entity in Entity.allCases {
            try build(entity)
        }
    }

    private func build(_ entity: Entity) throws {
        var entityCounts = ViewCounts()
        if !isShared(entity) {
            entityCounts.removed = try writer.removeAll(entity)
            shared[entity] = .only([])
            counts[entity] = entityCounts
            return
        }
        if whole.contains(entity) {
            // The app reads the base records themselves, so only the counts are worked out. View rows left from
            // a mapping that filtered or reshaped the entity go.
            if let previous, !previous.whole.contains(entity) { try writer.clear(entity) }
            let incremental = sameMapping && previous?.whole.contains(entity) == true
            counts[entity] = try wholeCounts(entity, incremental: incremental)
            shared[entity] = .all
            if entity == .users { candidateUsers = .all }
            return
        }
        try prepare(entity)
        let inView = try walk(entity, counts: &entityCounts)
        shared[entity] = .only(inView)
        counts[entity] = entityCounts
    }

    /// Counts an entity shared whole from the change totals of the runs published since the previous app run,
    /// or from its records when a run has no totals.
    private func wholeCounts(_ entity: Entity, incremental: Bool) throws -> ViewCounts {
        let since = incremental ? previous?.baseRun ?? 0 : 0
        let base = incremental ? previous?.counts[entity]?.shared ?? 0 : 0
        guard
            let totals = try PublishedChanges.sum(
                district: writer.district, after: since, upTo: baseRun, store: store)
        else {
            return try store.wholeCounts(district: writer.district, entity: entity, sinceBaseRun: since)
        }
        let change = totals[entity] ?? ChangeTotals()
        return ViewCounts(
            shared: base + change.created + change.restored - change.removed,
            changed: change.created + change.updated + change.restored, removed: change.removed)
    }

    // MARK: - Scope

    private func isShared(_ entity: Entity) -> Bool {
        switch entity {
        case .demographics: return mapping.share.demographics
        case .userProfiles: return mapping.share.userProfiles
        default: return true
        }
    }

    /// Whether the entity has no filter, function, allow-list or mask of its own.
    private func isPlain(_ entity: Entity) -> Bool {
        !mapping.hasFunction(for: entity) && mapping.masks[entity] == nil && mapping.share.fields[entity] == nil
    }

    private func wholeEntities() -> Set<Entity> {
        let share = mapping.share
        var result: Set<Entity> = []
        func add(_ entity: Entity, if condition: Bool) {
            if condition, isPlain(entity) { result.insert(entity) }
        }
        add(.orgs, if: share.orgTypes == nil && share.orgIds == nil && !mapping.hasPredicate(.orgs))
        add(.academicSessions, if: !share.currentSessionsOnly)
        add(
            .courses,
            if: result.isSuperset(of: [.orgs, .academicSessions]) && !mapping.hasPredicate(.courses))
        add(
            .classes,
            if: result.isSuperset(of: [.orgs, .academicSessions, .courses]) && !mapping.hasPredicate(.classes))
        add(
            .users,
            if: result.contains(.orgs) && share.roles == nil && !share.onlyEnrolledUsers
                && !mapping.hasPredicate(.users))
        add(.userProfiles, if: share.userProfiles && result.contains(.users))
        add(.roles, if: result.isSuperset(of: [.orgs, .users]) && share.roles == nil && share.userProfiles)
        add(
            .enrollments,
            if: result.isSuperset(of: [.orgs, .classes, .users]) && !mapping.hasPredicate(.enrollments))
        add(.demographics, if: share.demographics && result.contains(.users))
        return result
    }

    /// Computes what an entity's walk needs to know before it starts: the org and session closures, and the
    /// users that pass the scope checks.
    private func prepare(_ entity: Entity) throws {
        switch entity {
        case .orgs:
            shared[.orgs] = .only(try sharedOrgs())
        case .academicSessions:
            if mapping.share.currentSessionsOnly { shared[.academicSessions] = .only(try currentSessions()) }
        case .users:
            candidateUsers = .only(try userCandidates())
        default:
            break
        }
    }

    /// Returns the orgs the share names, with their ancestors, so that every `parentSourcedId` in the view resolves.
    private func sharedOrgs() throws -> Set<String> {
        var parents: [String: String] = [:]
        var matched: [String] = []
        try forEachLive(.orgs) { record in
            let id = record.sourcedId
            if let parent = record.value(at: Columns.orgParent) { parents[id] = parent }
            let share = mapping.share
            if let types = share.orgTypes, !types.contains(record.value(at: Columns.orgType) ?? "") { return }
            if let ids = share.orgIds, !ids.contains(id) { return }
            if try test(.orgs, record) { matched.append(id) }
        }
        return closure(of: matched, parents: parents)
    }

    /// Sessions whose dates include today, with their ancestors (the school year of a current term).
    private func currentSessions() throws -> Set<String> {
        var parents: [String: String] = [:]
        var current: [String] = []
        try forEachLive(.academicSessions) { record in
            if let parent = record.value(at: Columns.sessionParent) { parents[record.sourcedId] = parent }
            let start = record.value(at: Columns.sessionStart) ?? ""
            let end = record.value(at: Columns.sessionEnd) ?? ""
            if start <= today, today <= end { current.append(record.sourcedId) }
        }
        return closure(of: current, parents: parents)
    }

    private func closure(of ids: [String], parents: [String: String]) -> Set<String> {
        var result: Set<String> = []
        for id in ids {
            var next: String? = id
            // A parent chain longer than the number of records is a cycle, which the validator reports.
            var steps = 0
            while let current = next, steps <= parents.count, result.insert(current).inserted {
                next = parents[current]
                steps += 1
            }
        }
        return result
    }

    /// Users whose role is shared, who belong to a shared org and pass the `users` predicate, and, with
    /// `only_enrolled`, who have an enrollment that would be shared.
    private func userCandidates() throws -> Set<String> {
        var candidates: Set<String> = []
        try forEachLive(.users) { record in
            if try scopeUser(record, agents: .all) != nil { candidates.insert(record.sourcedId) }
        }
        guard mapping.share.onlyEnrolledUsers else { return candidates }
        let users = SharedSet.only(candidates)
        var enrolled: Set<String> = []
        try forEachLive(.enrollments) { record in
            let user = record.value(at: Columns.enrollmentUser) ?? ""
            guard users.contains(user), try scopeEnrollment(record, users: users) != nil else { return }
            enrolled.insert(user)
        }
        return candidates.intersection(enrolled)
    }

    private func forEachLive(_ entity: Entity, _ body: (Record) throws -> Void) throws {
        let end = try writer.baseEnd(entity)
        var start: Int64 = 1
        while start < end {
            let stop = min(start + chunk, end)
            try writer.baseRange(entity, from: start, to: stop) { _, record, _ in try body(record) }
            start = stop
        }
    }

    private func test(_ predicate: SharePolicy.Predicate, _ record: Record) throws -> Bool {
        do {
            return try mapping.test(predicate, record)
        } catch {
            note(error)
            return false
        }
    }

    private func note(_ error: MappingError) {
        errorCount += 1
        if errors.count < errorLimit { errors.append(error) }
    }

    private func set(_ entity: Entity) -> SharedSet { shared[entity] ?? .all }

    /// Returns the record with its references limited to the view, or nil when it is out of scope.
    private func scope(_ record: Record) throws -> Record? {
        var record = record
        switch record.entity {
        case .orgs:
            guard set(.orgs).contains(record.sourcedId) else { return nil }
            record.setValue(keep(record.value(at: Columns.orgParent), in: .orgs), at: Columns.orgParent)
        case .academicSessions:
            guard set(.academicSessions).contains(record.sourcedId) else { return nil }
            record.setValue(
                keep(record.value(at: Columns.sessionParent), in: .academicSessions), at: Columns.sessionParent)
        case .courses:
            guard set(.orgs).contains(record.value(at: Columns.courseOrg) ?? "") else { return nil }
            record.setValue(
                keep(record.value(at: Columns.courseSchoolYear), in: .academicSessions), at: Columns.courseSchoolYear)
            guard try test(.courses, record) else { return nil }
        case .classes:
            guard set(.courses).contains(record.value(at: Columns.classCourse) ?? ""),
                set(.orgs).contains(record.value(at: Columns.classSchool) ?? ""),
                let terms = set(.academicSessions).filterList(record.value(at: Columns.classTerms))
            else { return nil }
            record.setValue(terms, at: Columns.classTerms)
            guard try test(.classes, record) else { return nil }
        case .users:
            guard candidateUsers.contains(record.sourcedId) else { return nil }
            return try scopeUser(record, agents: candidateUsers)
        case .userProfiles:
            guard set(.users).contains(record.value(at: Columns.profileUser) ?? "") else { return nil }
        case .roles:
            guard set(.users).contains(record.value(at: Columns.roleUser) ?? ""),
                set(.orgs).contains(record.value(at: Columns.roleOrg) ?? "")
            else { return nil }
            if let roles = mapping.share.roles, !roles.contains(record.value(at: Columns.roleRole) ?? "") {
                return nil
            }
            record.setValue(keep(record.value(at: Columns.roleProfile), in: .userProfiles), at: Columns.roleProfile)
        case .enrollments:
            return try scopeEnrollment(record, users: set(.users))
        case .demographics:
            guard set(.users).contains(record.sourcedId) else { return nil }
        }
        return record
    }

    private func keep(_ reference: String?, in entity: Entity) -> String? {
        guard let reference, set(entity).contains(reference) else { return nil }
        return reference
    }

    /// Checks a user's role, orgs and predicate, and limits its org and agent lists to the view.
    private func scopeUser(_ record: Record, agents: SharedSet) throws -> Record? {
        var record = record
        if let roles = mapping.share.roles, !roles.contains(record.value(at: Columns.userRole) ?? "") { return nil }
        let orgs = set(.orgs)
        let ownOrgs = record.value(at: Columns.userOrgs)
        let primary = record.value(at: Columns.userPrimaryOrg)
        let keptOrgs = orgs.filterList(ownOrgs)
        // A 1.2 user may name its orgs only through primaryOrgSourcedId and roles records.
        guard keptOrgs != nil || (ownOrgs == nil && primary.map(orgs.contains) == true) else { return nil }
        record.setValue(keptOrgs, at: Columns.userOrgs)
        record.setValue(keep(primary, in: .orgs), at: Columns.userPrimaryOrg)
        record.setValue(agents.filterList(record.value(at: Columns.userAgents)), at: Columns.userAgents)
        guard try test(.users, record) else { return nil }
        return record
    }

    private func scopeEnrollment(_ record: Record, users: SharedSet) throws -> Record? {
        guard set(.classes).contains(record.value(at: Columns.enrollmentClass) ?? ""),
            set(.orgs).contains(record.value(at: Columns.enrollmentSchool) ?? ""),
            users.contains(record.value(at: Columns.enrollmentUser) ?? "")
        else { return nil }
        guard try test(.enrollments, record) else { return nil }
        return record
    }

    // MARK: - Walking an entity

    /// Walks the live base records of an entity and writes the view rows that change; returns the sourcedIds
    /// the view has afterwards.
    private func walk(_ entity: Entity, counts entityCounts: inout ViewCounts) throws -> Set<String> {
        var inView: Set<String> = []
        let keepsIds = entity != .enrollments && entity != .demographics && entity != .roles
        let end = try writer.baseEnd(entity)
        var start: Int64 = 1
        var tally = entityCounts
        while start < end {
            let stop = min(start + chunk, end)
            var existing = try writer.viewRange(entity, from: start, to: stop)
            try writer.baseRange(entity, from: start, to: stop) { row, record, _ in
                let stored = existing.removeValue(forKey: row)
                if try place(row: row, record: record, stored: stored, counts: &tally) {
                    tally.shared += 1
                    if keepsIds { inView.insert(record.sourcedId) }
                }
            }
            // View rows whose base record is no longer live.
            for (row, stored) in existing where !stored.removed {
                try writer.remove(entity, row: row, input: stored.input)
                tally.removed += 1
            }
            start = stop
        }
        entityCounts = tally
        return inView
    }

    /// Decides what the app sees of one base record and writes it when it changed. Returns whether the record
    /// is in the view afterwards.
    private func place(row: Int64, record: Record, stored: StoredViewRow?, counts: inout ViewCounts) throws -> Bool {
        let entity = record.entity
        guard let scoped = try scope(record) else {
            if let stored, !stored.removed {
                try writer.remove(entity, row: row, input: nil)
                counts.removed += 1
            }
            return false
        }
        var input: UInt64?
        var result = scoped
        if mapping.hasFunction(for: entity) {
            let hash = ContentHash.of(scoped)
            input = hash
            if let stored, stored.input == hash, sameMapping { return !stored.removed }
            let mapped: Record?
            do {
                mapped = try mapping.map(scoped)
                counts.mapped += 1
            } catch {
                note(error)
                return try leaveOut(entity, row: row, stored: stored, counts: &counts)
            }
            guard let mapped else {
                if let stored {
                    try writer.remove(entity, row: row, input: hash)
                    if !stored.removed { counts.removed += 1 }
                } else {
                    try writer.rememberDropped(entity, row: row, input: hash)
                }
                return false
            }
            if let problem = check(mapped) {
                note(
                    MappingError(
                        script: mapping.path, line: nil, entity: entity, sourcedId: record.sourcedId,
                        message: problem))
                return try leaveOut(entity, row: row, stored: stored, counts: &counts)
            }
            result = mapped
        }
        let final = shape(result)
        let hash = ContentHash.of(final)
        if let stored, !stored.removed, stored.hash == hash {
            if stored.input != input { try writer.setInput(entity, row: row, input: input) }
            return true
        }
        try writer.write(row: row, record: final, hash: hash, input: input, mapped: final != record)
        counts.changed += 1
        return true
    }

    /// Takes a record that its mapping function failed on out of the view, so that nothing the function was
    /// meant to change reaches the app. No input hash is kept, so the function runs again on the next app run
    /// and the error is reported again until the script or the record is fixed. Returns false.
    private func leaveOut(_ entity: Entity, row: Int64, stored: StoredViewRow?, counts: inout ViewCounts) throws
        -> Bool
    {
        if let stored, !stored.removed {
            try writer.remove(entity, row: row, input: nil)
            counts.removed += 1
        }
        return false
    }

    /// Blanks the optional fields the allow-list leaves out and masks the masked ones.
    private func shape(_ record: Record) -> Record {
        var record = record
        let entity = record.entity
        if mapping.share.fields[entity] != nil {
            for index in 0..<record.valueCount where !mapping.share.allows(column: index, of: entity) {
                record.setValue(nil, at: index)
            }
        }
        for (column, style) in mapping.masks[entity] ?? [] {
            if let value = record.value(at: column) { record.setValue(style.apply(to: value), at: column) }
        }
        return record
    }

    /// Checks a record a mapping function returned with the same field rules as the intake; returns the first
    /// problem, or nil.
    private func check(_ record: Record) -> String? {
        let collector = DiagnosticCollector(examplesPerRule: 1)
        let version: OneRosterVersion = Entity.all(in: .v1p1).contains(record.entity) ? .v1p1 : .v1p2
        let parser = RecordParser(entity: record.entity, options: ParseOptions(version: version))
        var blanked = record
        for index in 0..<record.valueCount where record.value(at: index) == "" { blanked.setValue(nil, at: index) }
        if parser.parse(blanked, origin: Origin(file: mapping.path, row: 0), into: collector) != nil { return nil }
        guard let first = collector.sorted().first(where: { $0.severity == .error }) else { return nil }
        return "the returned record is invalid: " + first.message
    }
}

/// Column positions in `Schema.columns(of:)` that scope checks read.
enum Columns {
    static let orgType = index("type", .orgs)
    static let orgParent = index("parentSourcedId", .orgs)
    static let sessionStart = index("startDate", .academicSessions)
    static let sessionEnd = index("endDate", .academicSessions)
    static let sessionParent = index("parentSourcedId", .academicSessions)
    static let courseOrg = index("orgSourcedId", .courses)
    static let courseSchoolYear = index("schoolYearSourcedId", .courses)
    static let classCourse = index("courseSourcedId", .classes)
    static let classSchool = index("schoolSourcedId", .classes)
    static let classTerms = index("termSourcedIds", .classes)
    static let userRole = index("role", .users)
    static let userOrgs = index("orgSourcedIds", .users)
    static let userAgents = index("agentSourcedIds", .users)
    static let userPrimaryOrg = index("primaryOrgSourcedId", .users)
    static let profileUser = index("userSourcedId", .userProfiles)
    static let roleUser = index("userSourcedId", .roles)
    static let roleOrg = index("orgSourcedId", .roles)
    static let roleRole = index("role", .roles)
    static let roleProfile = index("userProfileSourcedId", .roles)
    static let enrollmentClass = index("classSourcedId", .enrollments)
    static let enrollmentSchool = index("schoolSourcedId", .enrollments)
    static let enrollmentUser = index("userSourcedId", .enrollments)

    private static func index(_ name: String, _ entity: Entity) -> Int {
        guard let index = Schema.index(of: name, in: entity) else {
            preconditionFailure("the schema has no column \(name) in \(entity.rawValue)")
        }
        return index
    }
}
