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
                let runtime = call.runtime
                for reference in result.skippedReferences {
                    runtime.configuration.logger.log(
                        level: .warn,
                        message: "skipped an LDAP search reference because referrals are not followed",
                        fields: ["script": runtime.currentScript, "base_dn": request.baseDN, "reference": reference])
                }
                let entries = result.entries.map { ldapEntryValue($0, requested: request.attributes) }
                return call.result(.array(entries))
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

    /// Converts an entry to `{dn=, attributes={name={values}}}`, naming requested attributes as the script spelled
    /// them and the others in lowercase.
    private static func ldapEntryValue(_ entry: LDAPEntry, requested: [String]) -> LuaValue {
        var spelling: [String: String] = [:]
        for name in requested { spelling[name.lowercased()] = name }

        var attributes: [LuaKey: LuaValue] = [:]
        for (lowered, values) in entry.attributes {
            let alwaysBinary = binaryLDAPAttributes.contains(lowered)
            let converted: [LuaValue] = values.map { bytes in
                if !alwaysBinary, let text = String(validating: bytes, as: UTF8.self) { return .string(text) }
                return .string(Data(bytes).base64EncodedString())
            }
            attributes[.string(spelling[lowered] ?? lowered)] = .array(converted)
        }
        return .map([.string("dn"): .string(entry.dn), .string("attributes"): .map(attributes)])
    }
}
