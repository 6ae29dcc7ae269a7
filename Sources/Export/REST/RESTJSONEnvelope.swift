import OneRoster

extension RESTRecordEncoder {
    /// Returns the collection body `{"<plural>":[…]}` around objects from `object(_:fields:)`.
    public func collection(_ entity: Entity, objects: [String]) -> String {
        var text = "{\"" + Self.collectionKey(of: entity) + "\":["
        text.reserveCapacity(text.utf8.count + objects.reduce(2) { $0 + $1.utf8.count + 1 })
        for (position, object) in objects.enumerated() {
            if position > 0 { text += "," }
            text += object
        }
        return text + "]}"
    }

    /// Returns the single-object body `{"<singular>":{…}}` around an object from `object(_:fields:)`.
    public func single(_ entity: Entity, object: String) -> String {
        "{\"" + Self.singleKey(of: entity) + "\":" + object + "}"
    }

    /// Returns the member name of a collection body, such as `users` for `/users`, `/students` and `/teachers`.
    ///
    /// Roles and user profiles have no endpoint of their own in the rostering service; their keys follow
    /// the member names that hold them inside a 1.2 user.
    public static func collectionKey(of entity: Entity) -> String {
        entity.rawValue
    }

    /// Returns the member name of a single-object body, such as `user`. Demographics stays plural.
    public static func singleKey(of entity: Entity) -> String {
        entity == .demographics ? "demographics" : entity.singularName
    }

    /// Returns the entity that a rostering collection path segment serves, such as `users` for `students`.
    ///
    /// `schools` serves orgs, `terms` and `gradingPeriods` serve academic sessions, and `students` and
    /// `teachers` serve users, so their bodies use those entities' keys. Unknown segments return nil.
    public static func entity(forCollection segment: String) -> Entity? {
        switch segment {
        case "orgs", "schools": return .orgs
        case "academicSessions", "terms", "gradingPeriods": return .academicSessions
        case "courses": return .courses
        case "classes": return .classes
        case "users", "students", "teachers": return .users
        case "enrollments": return .enrollments
        case "demographics": return .demographics
        default: return nil
        }
    }
}
