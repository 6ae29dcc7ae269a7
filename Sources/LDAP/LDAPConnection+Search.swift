import CLDAP
import Foundation

/// The result messages' types (LDAP_RES_SEARCH_ENTRY and friends are cast macros that Swift does not import).
private let searchEntryTag: ber_tag_t = 0x64
private let searchReferenceTag: ber_tag_t = 0x73
private let searchResultTag: ber_tag_t = 0x65

/// A page's entries, references, result code and the cookie for the next page.
private struct Page {
    var entries: [LDAPEntry] = []
    var references: [String] = []
    var status: Int32 = LDAP_SUCCESS
    var referralURLs: [String] = []
    var cookie: [UInt8]?
}

extension LDAPConnection {
    /// The maximum number of pages one search reads, so a server that keeps sending cookies cannot loop forever.
    static let maximumPages = 100_000
    /// The maximum number of times a page size is halved after the server returns adminLimitExceeded.
    private static let maximumPageSizeReductions = 8

    /// Searches the subtree under `baseDN` page by page with the paged results control (RFC 2696).
    ///
    /// `visit` receives each entry and returns false to stop early. Search references are collected, not
    /// followed. A page size above the server's limit (adminLimitExceeded before any page) is halved and retried.
    /// A server that rejects paging is searched once without it, and its size limit is then reported.
    func pagedSearch(
        baseDN: String, filter: String, attributes: [String], pageSize: Int, visit: (LDAPEntry) -> Bool
    ) throws(LDAPError) -> (references: [String], pages: Int) {
        var size: Int? = pageSize
        var cookie: [UInt8]?
        var references: [String] = []
        var received = 0
        var reductions = 0
        var pages = 0
        while pages < Self.maximumPages {
            let page = try readPage(
                baseDN: baseDN, filter: filter, attributes: attributes, pageSize: size, cookie: cookie)
            if page.status == LDAP_ADMINLIMIT_EXCEEDED && pages == 0, let current = size {
                // Before the first page, adminLimitExceeded means the page size is above the server's limit or
                // paging is not allowed: halve the size a few times, then search once without the control.
                reductions += 1
                size = current > 1 && reductions <= Self.maximumPageSizeReductions ? current / 2 : nil
                continue
            }
            pages += 1
            references += page.references
            for entry in page.entries {
                received += 1
                guard visit(entry) else { return (references, pages) }
            }
            try check(page, baseDN: baseDN, filter: filter, received: received)
            guard size != nil, let next = page.cookie, !next.isEmpty else { return (references, pages) }
            cookie = next
        }
        throw .operationFailed(
            server: config.url, operation: "search under '\(baseDN)'", result: LDAP_OTHER,
            message: "the server sent more than \(Self.maximumPages) pages; stopped reading")
    }

    private func check(_ page: Page, baseDN: String, filter: String, received: Int) throws(LDAPError) {
        switch page.status {
        case LDAP_SUCCESS:
            return
        case LDAP_SIZELIMIT_EXCEEDED:
            throw .sizeLimit(server: config.url, baseDN: baseDN, received: received)
        case LDAP_REFERRAL:
            throw .referral(server: config.url, baseDN: baseDN, urls: page.referralURLs)
        case LDAP_NO_SUCH_OBJECT:
            throw .noSuchBase(server: config.url, baseDN: baseDN)
        case LDAP_FILTER_ERROR:
            throw .invalidFilter(server: config.url, filter: filter)
        default:
            let operation = "search under '\(baseDN)'"
            try throwIfConnectionLost(page.status, operation: operation)
            throw .operationFailed(
                server: config.url, operation: operation, result: page.status,
                message: describe(page.status, diagnosticMessage()))
        }
    }

    /// Sends one search request with the page control and reads every message of its result.
    private func readPage(
        baseDN: String, filter: String, attributes: [String], pageSize: Int?, cookie: [UInt8]?
    ) throws(LDAPError) -> Page {
        guard let pageSize else {
            return try search(baseDN: baseDN, filter: filter, attributes: attributes, control: nil)
        }
        var control: UnsafeMutablePointer<LDAPControl>?
        var cookieBytes = cookie ?? []
        let created = cookieBytes.withUnsafeMutableBufferPointer { bytes in
            var value = berval(
                bv_len: ber_len_t(bytes.count),
                bv_val: UnsafeMutableRawPointer(bytes.baseAddress)?.assumingMemoryBound(to: CChar.self))
            // Not critical: a server without paging returns one response, and a size limit is then reported.
            guard cookie != nil else { return ldap_create_page_control(handle, ber_int_t(pageSize), nil, 0, &control) }
            return ldap_create_page_control(handle, ber_int_t(pageSize), &value, 0, &control)
        }
        guard created == LDAP_SUCCESS, let control else {
            throw .operationFailed(
                server: config.url, operation: "paged results control", result: created,
                message: String(cString: ldap_err2string(created)))
        }
        defer { ldap_control_free(control) }
        return try search(baseDN: baseDN, filter: filter, attributes: attributes, control: control)
    }

    private func search(
        baseDN: String, filter: String, attributes: [String], control: UnsafeMutablePointer<LDAPControl>?
    ) throws(LDAPError) -> Page {
        var result: OpaquePointer?
        var limit = Self.timeval(config.operationTimeout)
        let status = withCStrings(attributes) { names in
            guard control != nil else {
                return ldap_search_ext_s(
                    handle, baseDN, LDAP_SCOPE_SUBTREE, filter, names, 0, nil, nil, &limit, LDAP_NO_LIMIT, &result)
            }
            var controls: [UnsafeMutablePointer<LDAPControl>?] = [control, nil]
            return ldap_search_ext_s(
                handle, baseDN, LDAP_SCOPE_SUBTREE, filter, names, 0, &controls, nil, &limit, LDAP_NO_LIMIT, &result)
        }
        defer { if let result { ldap_msgfree(result) } }
        guard let result else {
            // No result message: a client-side failure such as a timeout, a lost server or a bad filter.
            if status == LDAP_FILTER_ERROR { throw .invalidFilter(server: config.url, filter: filter) }
            try throwIfConnectionLost(status, operation: "search under '\(baseDN)'")
            var page = Page()
            page.status = status
            return page
        }
        return try parse(result)
    }

    private func parse(_ chain: OpaquePointer) throws(LDAPError) -> Page {
        var page = Page()
        var message = ldap_first_message(handle, chain)
        while let current = message {
            switch ber_tag_t(ldap_msgtype(current)) {
            case searchEntryTag:
                page.entries.append(entry(current))
            case searchReferenceTag:
                page.references += referenceURLs(current)
            case searchResultTag:
                readResult(current, into: &page)
            default:
                break
            }
            message = ldap_next_message(handle, current)
        }
        return page
    }

    private func readResult(_ message: OpaquePointer, into page: inout Page) {
        var code: Int32 = LDAP_SUCCESS
        var referrals: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        var controls: UnsafeMutablePointer<UnsafeMutablePointer<LDAPControl>?>?
        let parsed = ldap_parse_result(handle, message, &code, nil, nil, &referrals, &controls, 0)
        defer {
            if let referrals { ber_memvfree(UnsafeMutablePointer(OpaquePointer(referrals))) }
            if let controls { ldap_controls_free(controls) }
        }
        page.status = parsed == LDAP_SUCCESS ? code : parsed
        page.referralURLs = Self.strings(referrals)
        guard let controls, let response = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, controls, nil) else { return }
        var count: ber_int_t = 0
        var cookie = berval(bv_len: 0, bv_val: nil)
        guard ldap_parse_pageresponse_control(handle, response, &count, &cookie) == LDAP_SUCCESS else { return }
        if let bytes = cookie.bv_val {
            page.cookie = [UInt8](UnsafeRawBufferPointer(start: bytes, count: Int(cookie.bv_len)))
            ber_memfree(bytes)
        } else {
            page.cookie = []
        }
    }

    private func entry(_ message: OpaquePointer) -> LDAPEntry {
        var dn = ""
        if let text = ldap_get_dn(handle, message) {
            dn = String(cString: text)
            ldap_memfree(text)
        }
        var attributes: [String: [[UInt8]]] = [:]
        var position: OpaquePointer?
        var name = ldap_first_attribute(handle, message, &position)
        while let current = name {
            let key = String(cString: current)
            if let values = ldap_get_values_len(handle, message, current) {
                var collected: [[UInt8]] = []
                var index = 0
                while let value = values[index] {
                    let length = Int(value.pointee.bv_len)
                    collected.append([UInt8](UnsafeRawBufferPointer(start: value.pointee.bv_val, count: length)))
                    index += 1
                }
                ldap_value_free_len(values)
                attributes[key] = collected
            }
            ldap_memfree(current)
            name = ldap_next_attribute(handle, message, position)
        }
        if let position { ber_free(position, 0) }
        return LDAPEntry(dn: dn, attributes: attributes)
    }

    private func referenceURLs(_ message: OpaquePointer) -> [String] {
        var urls: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        guard ldap_parse_reference(handle, message, &urls, nil, 0) == LDAP_SUCCESS else { return [] }
        defer { if let urls { ber_memvfree(UnsafeMutablePointer(OpaquePointer(urls))) } }
        return Self.strings(urls)
    }

    private static func strings(_ list: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> [String] {
        guard let list else { return [] }
        var found: [String] = []
        var index = 0
        while let text = list[index] {
            found.append(String(cString: text))
            index += 1
        }
        return found
    }
}

/// Calls `body` with a null-terminated C array of the strings, or with nil (all attributes) when there are none.
private func withCStrings<T>(_ strings: [String], _ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> T)
    -> T
{
    guard !strings.isEmpty else { return body(nil) }
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) } + [nil]
    defer { for pointer in pointers { free(pointer) } }
    return pointers.withUnsafeMutableBufferPointer { body($0.baseAddress) }
}
