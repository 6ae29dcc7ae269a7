import OneRoster

extension RESTRecordEncoder {
    /// Appends one object built from the entity's layout to `output`.
    func encode(
        _ record: Record, roles: [Record], userProfiles: [Record], fields: [String]?,
        into output: inout RESTJSONOutput
    ) {
        let members = layout.fields[record.entity.order]
        output.append(UInt8(ascii: "{"))
        var isFirst = true
        record.withValueBytes { values in
            for member in members where fields?.contains(member.name) ?? true {
                switch member.kind {
                case .text(let column):
                    guard let value = nonBlank(values[column]) else { continue }
                    startMember(member, &isFirst, &output)
                    output.appendString(value)
                case .textOrFallback(let column, let fallback):
                    startMember(member, &isFirst, &output)
                    if let value = nonBlank(values[column]) {
                        output.appendString(value)
                    } else {
                        output.appendString(fallback)
                    }
                case .list(let column):
                    guard let value = nonBlank(values[column]) else { continue }
                    startMember(member, &isFirst, &output)
                    appendArray(of: value, &output) { item, output in output.appendString(item) }
                case .reference(let column, let target):
                    guard let value = nonBlank(values[column]) else { continue }
                    startMember(member, &isFirst, &output)
                    appendReference(value, target, &output)
                case .referenceList(let column, let target):
                    guard let value = nonBlank(values[column]) else { continue }
                    startMember(member, &isFirst, &output)
                    appendArray(of: value, &output) { item, output in appendReference(item, target, &output) }
                case .userIds(let column):
                    guard let value = nonBlank(values[column]) else { continue }
                    startMember(member, &isFirst, &output)
                    appendUserIds(value, &output)
                case .credentials(let type, let username, let password):
                    let members: [(String, UnsafeBufferPointer<UInt8>?)] = [
                        ("type", nonBlank(values[type])), ("username", nonBlank(values[username])),
                        ("password", nonBlank(values[password])),
                    ]
                    guard members.contains(where: { $0.1 != nil }) else { continue }
                    startMember(member, &isFirst, &output)
                    appendCredential(members, &output)
                case .metadata:
                    guard record.extensions.contains(where: { !$0.value.isEmpty }) else { continue }
                    startMember(member, &isFirst, &output)
                    appendMetadata(record.extensions, &output)
                case .roles:
                    guard version == .v1p2 else { continue }
                    startMember(member, &isFirst, &output)
                    appendObjects(roles, &output)
                case .userProfiles:
                    guard version == .v1p2, !userProfiles.isEmpty else { continue }
                    startMember(member, &isFirst, &output)
                    appendObjects(userProfiles, &output)
                }
            }
        }
        output.append(UInt8(ascii: "}"))
    }

    private func startMember(_ member: RESTJSONField, _ isFirst: inout Bool, _ output: inout RESTJSONOutput) {
        if !isFirst { output.append(UInt8(ascii: ",")) }
        isFirst = false
        output.append(member.key)
    }

    /// Appends `[…]` with one element per non-empty comma-separated item of `list`.
    private func appendArray(
        of list: UnsafeBufferPointer<UInt8>, _ output: inout RESTJSONOutput,
        element: (UnsafeBufferPointer<UInt8>, inout RESTJSONOutput) -> Void
    ) {
        output.append(UInt8(ascii: "["))
        var isFirst = true
        var start = 0
        for end in 0...list.count where end == list.count || list[end] == UInt8(ascii: ",") {
            if end > start {
                if !isFirst { output.append(UInt8(ascii: ",")) }
                isFirst = false
                element(UnsafeBufferPointer(rebasing: list[start..<end]), &output)
            }
            start = end + 1
        }
        output.append(UInt8(ascii: "]"))
    }

    /// Appends a GUIDRef: `{"href":…,"sourcedId":…,"type":…}`.
    private func appendReference(
        _ sourcedId: UnsafeBufferPointer<UInt8>, _ target: RESTJSONReferenceTarget, _ output: inout RESTJSONOutput
    ) {
        output.append(UInt8(ascii: "{"))
        output.append(target.hrefPrefix)
        output.appendPathSegment(sourcedId)
        output.append(Self.sourcedIdKey)
        output.appendString(sourcedId)
        output.append(UInt8(ascii: ","))
        output.append(target.typeMember)
        output.append(UInt8(ascii: "}"))
    }

    /// Appends `[{"type":…,"identifier":…}]` from `{type:identifier}` tokens separated by commas.
    ///
    /// The type ends at the first colon and the identifier at the closing brace, so identifiers may hold
    /// colons and commas. A token without braces is written whole as the identifier with an empty type,
    /// so no text is lost. A validated record has none.
    private func appendUserIds(_ tokens: UnsafeBufferPointer<UInt8>, _ output: inout RESTJSONOutput) {
        output.append(UInt8(ascii: "["))
        var isFirst = true
        var index = 0
        let count = tokens.count
        while index < count {
            if tokens[index] == UInt8(ascii: ",") || tokens[index] == UInt8(ascii: " ") {
                index += 1
                continue
            }
            var type = UnsafeBufferPointer(rebasing: tokens[index..<index])
            let identifier: UnsafeBufferPointer<UInt8>
            if tokens[index] == UInt8(ascii: "{") {
                let typeStart = index + 1
                var cursor = typeStart
                while cursor < count && tokens[cursor] != UInt8(ascii: ":") && tokens[cursor] != UInt8(ascii: "}") {
                    cursor += 1
                }
                type = UnsafeBufferPointer(rebasing: tokens[typeStart..<cursor])
                let identifierStart = cursor < count && tokens[cursor] == UInt8(ascii: ":") ? cursor + 1 : cursor
                cursor = identifierStart
                while cursor < count && tokens[cursor] != UInt8(ascii: "}") { cursor += 1 }
                identifier = UnsafeBufferPointer(rebasing: tokens[identifierStart..<cursor])
                index = cursor + 1
            } else {
                var cursor = index
                while cursor < count && tokens[cursor] != UInt8(ascii: ",") { cursor += 1 }
                identifier = UnsafeBufferPointer(rebasing: tokens[index..<cursor])
                index = cursor
            }
            if !isFirst { output.append(UInt8(ascii: ",")) }
            isFirst = false
            output.append(Self.userIdTypeKey)
            output.appendString(type)
            output.append(Self.userIdIdentifierKey)
            output.appendString(identifier)
            output.append(UInt8(ascii: "}"))
        }
        output.append(UInt8(ascii: "]"))
    }

    private func appendCredential(
        _ members: [(String, UnsafeBufferPointer<UInt8>?)], _ output: inout RESTJSONOutput
    ) {
        output.append(UInt8(ascii: "["))
        output.append(UInt8(ascii: "{"))
        var isFirst = true
        for (name, value) in members {
            guard let value else { continue }
            if !isFirst { output.append(UInt8(ascii: ",")) }
            isFirst = false
            output.appendString(name)
            output.append(UInt8(ascii: ":"))
            output.appendString(value)
        }
        output.append(UInt8(ascii: "}"))
        output.append(UInt8(ascii: "]"))
    }

    /// Appends the extension columns as an object of strings.
    ///
    /// A `metadata.` prefix is removed from the name. Blank values are left out, and when two columns give
    /// the same name the first one wins, so the object never repeats a key.
    private func appendMetadata(_ extensions: [Extension], _ output: inout RESTJSONOutput) {
        output.append(UInt8(ascii: "{"))
        var isFirst = true
        for (position, item) in extensions.enumerated() where !item.value.isEmpty {
            let name = Self.metadataKey(item.name)
            let isRepeat = extensions[..<position].contains { !$0.value.isEmpty && Self.metadataKey($0.name) == name }
            guard !isRepeat else { continue }
            if !isFirst { output.append(UInt8(ascii: ",")) }
            isFirst = false
            var key = name
            key.withUTF8 { output.appendString($0) }
            output.append(UInt8(ascii: ":"))
            output.appendString(item.value)
        }
        output.append(UInt8(ascii: "}"))
    }

    /// Returns an extension column name without its `metadata.` prefix.
    private static func metadataKey(_ name: String) -> Substring {
        let prefix = "metadata."
        guard name.utf8.starts(with: prefix.utf8) else { return Substring(name) }
        return Substring(name.utf8.dropFirst(prefix.utf8.count))
    }

    private func appendObjects(_ records: [Record], _ output: inout RESTJSONOutput) {
        output.append(UInt8(ascii: "["))
        for (position, record) in records.enumerated() {
            if position > 0 { output.append(UInt8(ascii: ",")) }
            encode(record, roles: [], userProfiles: [], fields: nil, into: &output)
        }
        output.append(UInt8(ascii: "]"))
    }

    @inline(__always)
    private func nonBlank(_ value: UnsafeBufferPointer<UInt8>?) -> UnsafeBufferPointer<UInt8>? {
        guard let value, value.count > 0 else { return nil }
        return value
    }

    private static let sourcedIdKey: [UInt8] = Array("\",\"sourcedId\":".utf8)
    private static let userIdTypeKey: [UInt8] = Array("{\"type\":".utf8)
    private static let userIdIdentifierKey: [UInt8] = Array(",\"identifier\":".utf8)
}
