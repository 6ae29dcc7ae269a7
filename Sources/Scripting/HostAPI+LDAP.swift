import Foundation
import LDAP

extension HostAPI {
    static let ldapFunctions: [HostFunction] = [
        HostFunction(
            name: "ldap.search", scope: .rollbook,
            signature:
                "rollbook.ldap.search{url=, bind_dn=, bind_password=, base_dn=, filter=, attributes=, page_size=, "
                + "start_tls=, ca_file=} -> { {dn=, attributes={name={values}}}, ... } | nil, err",
            summary:
                "Binds as a service account and lists the entries under `base_dn` that match `filter`, page by page; "
                + "search references are logged and skipped, and binary values such as objectGUID come back in "
                + "base64.",
            body: { call in
                let request = try ldapSearchRequest(from: try call.value(1), call: call)
                let runtime = call.runtime
                let hook = runtime.configuration.ldapHook
                let search = LDAPRecordedSearch(
                    url: HTTPExchangeFile.sanitized(request.url), bindDN: request.bindDN, baseDN: request.baseDN,
                    filter: request.filter, attributes: request.attributes)
                do {
                    if let stored = try hook?.result(for: search) {
                        logSkipped(stored.skippedReferences, baseDN: request.baseDN, in: runtime)
                        return call.result(.array(stored.entries.map(\.luaValue)))
                    }
                } catch {
                    throw LuaRaise("\(error)")
                }

                let config: LDAPDirectoryConfig
                do throws(LDAPError) {
                    config = try LDAPDirectoryConfig(
                        url: request.url, startTLS: request.startTLS, caCertificateFile: request.caFile,
                        bindDN: request.bindDN, bindPassword: request.bindPassword, baseDN: request.baseDN,
                        attributes: request.attributes, pageSize: request.pageSize)
                } catch {
                    return call.failure(error.description)
                }

                let result: LDAPSearchResult
                do throws(LDAPError) {
                    result = try LDAPDirectory(config: config).search(filter: request.filter)
                } catch {
                    return call.failure(error.description)
                }
                logSkipped(result.skippedReferences, baseDN: request.baseDN, in: runtime)
                let entries = result.entries.map { recordedEntry($0, requested: request.attributes) }
                do {
                    try hook?.didSearch(
                        search,
                        result: LDAPRecordedResult(entries: entries, skippedReferences: result.skippedReferences))
                } catch {
                    throw LuaRaise("\(error)")
                }
                return call.result(.array(entries.map(\.luaValue)))
            })
    ]

    /// The fields of one `rollbook.ldap.search` call, checked.
    private struct LDAPSearchRequest {
        var url = ""
        var bindDN = ""
        var bindPassword = ""
        var baseDN = ""
        var filter = "(objectClass=*)"
        var attributes: [String] = []
        var pageSize = 500
        var startTLS = false
        var caFile: String?
    }

    private static let ldapSearchFields: Set<String> = [
        "url", "bind_dn", "bind_password", "base_dn", "filter", "attributes", "page_size", "start_tls", "ca_file",
    ]

    /// The maximum page size a script may request. Active Directory caps pages at its MaxPageSize policy,
    /// 1,000 by default.
    static let maximumLDAPPageSize = 100_000

    /// Attributes whose values are binary in Active Directory and OpenLDAP, so they are always returned in
    /// base64, even when their bytes happen to be valid UTF-8. Other values are text unless they are not UTF-8.
    static let binaryLDAPAttributes: Set<String> = [
        "objectguid", "objectsid", "msexchmailboxguid", "jpegphoto", "thumbnailphoto", "usercertificate",
        "usercertificate;binary", "cacertificate", "cacertificate;binary",
    ]

    /// Reads and checks the request table, raising for every mistake.
    private static func ldapSearchRequest(from value: LuaValue, call: HostCall) throws -> LDAPSearchRequest {
        guard case .map(let fields) = value else {
            throw LuaRaise("rollbook.ldap.search expects a table with 'url', 'bind_dn', 'bind_password' and 'base_dn'")
        }
        for key in fields.keys {
            guard case .string(let name) = key, ldapSearchFields.contains(name) else {
                let known = ldapSearchFields.sorted().joined(separator: ", ")
                throw LuaRaise("rollbook.ldap.search: unknown field '\(key.value.debugText)'; expected one of \(known)")
            }
        }

        func text(_ name: String, required: Bool) throws -> String? {
            switch fields[.string(name)] {
            case .string(let value)?:
                return value
            case nil where !required:
                return nil
            case let other:
                throw LuaRaise(
                    "rollbook.ldap.search: field '\(name)' must be a string, got \(other?.typeName ?? "nil")")
            }
        }

        var request = LDAPSearchRequest()
        request.url = try text("url", required: true) ?? ""
        request.bindDN = try text("bind_dn", required: true) ?? ""
        request.bindPassword = try text("bind_password", required: true) ?? ""
        request.baseDN = try text("base_dn", required: true) ?? ""
        if let filter = try text("filter", required: false) { request.filter = filter }

        if let list = fields[.string("attributes")] {
            guard case .array(let items) = list, !items.isEmpty else {
                throw LuaRaise("rollbook.ldap.search: field 'attributes' must be a non-empty list of attribute names")
            }
            for item in items {
                guard case .string(let name) = item, !name.isEmpty else {
                    throw LuaRaise(
                        "rollbook.ldap.search: attribute '\(item.debugText)' in 'attributes' must be a non-empty string"
                    )
                }
                request.attributes.append(name)
            }
        }

        if let size = fields[.string("page_size")] {
            guard case .integer(let number) = size, number >= 1, number <= maximumLDAPPageSize else {
                throw LuaRaise(
                    "rollbook.ldap.search: page_size '\(size.debugText)' must be a whole number from 1 to "
                        + "\(maximumLDAPPageSize)")
            }
            request.pageSize = Int(number)
        }

        if let flag = fields[.string("start_tls")] {
            guard case .boolean(let enabled) = flag else {
                throw LuaRaise("rollbook.ldap.search: start_tls '\(flag.debugText)' must be true or false")
            }
            request.startTLS = enabled
        }

        if let path = try text("ca_file", required: false) {
            switch try call.resolvePath(path) {
            case .success(let resolved): request.caFile = resolved
            case .failure(let failure): throw LuaRaise("rollbook.ldap.search: ca_file: \(failure.description)")
            }
        }
        return request
    }

    /// Logs each search reference that a search skipped.
    private static func logSkipped(_ references: [String], baseDN: String, in runtime: LuaRuntime) {
        for reference in references {
            runtime.configuration.logger.log(
                level: .warn,
                message: "skipped an LDAP search reference because referrals are not followed",
                fields: ["script": runtime.currentScript, "base_dn": baseDN, "reference": reference])
        }
    }

    /// Converts an entry to what the script receives, naming requested attributes as the script spelled them and
    /// the others in lowercase.
    private static func recordedEntry(_ entry: LDAPEntry, requested: [String]) -> LDAPRecordedEntry {
        var spelling: [String: String] = [:]
        for name in requested { spelling[name.lowercased()] = name }

        var attributes: [String: [String]] = [:]
        for (lowered, values) in entry.attributes {
            let alwaysBinary = binaryLDAPAttributes.contains(lowered)
            attributes[spelling[lowered] ?? lowered] = values.map { bytes in
                if !alwaysBinary, let text = String(validating: bytes, as: UTF8.self) { return text }
                return Data(bytes).base64EncodedString()
            }
        }
        return LDAPRecordedEntry(dn: entry.dn, attributes: attributes)
    }
}

extension LDAPRecordedEntry {
    /// The entry as `{dn=, attributes={name={values}}}`.
    var luaValue: LuaValue {
        var table: [LuaKey: LuaValue] = [:]
        for (name, values) in attributes { table[.string(name)] = .array(values.map { .string($0) }) }
        return .map([.string("dn"): .string(dn), .string("attributes"): .map(table)])
    }
}
