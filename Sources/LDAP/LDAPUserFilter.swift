/// A search filter template that finds one account by the name a person types at sign-in.
///
/// The template contains `{u}` where the username goes. The username is escaped as an RFC 4515 assertion value
/// before it is put in, so characters such as `*`, `(` and `)` match literally and cannot change the filter.
public struct LDAPUserFilter: Sendable, Equatable, CustomStringConvertible {
    /// The placeholder that a template must contain.
    public static let placeholder = "{u}"

    /// Active Directory's pre-Windows 2000 logon name.
    public static let sAMAccountName = LDAPUserFilter(checkedTemplate: "(sAMAccountName={u})")
    /// The POSIX and inetOrgPerson user id.
    public static let uid = LDAPUserFilter(checkedTemplate: "(uid={u})")
    /// The email address.
    public static let mail = LDAPUserFilter(checkedTemplate: "(mail={u})")
    /// Active Directory's `name@domain` logon name.
    public static let userPrincipalName = LDAPUserFilter(checkedTemplate: "(userPrincipalName={u})")

    /// The filter text with `{u}` where the escaped username goes.
    public let template: String

    /// Creates a filter from a template such as `(|(sAMAccountName={u})(userPrincipalName={u}))`.
    public init(_ template: String) throws(LDAPError) {
        guard template.contains(Self.placeholder) else {
            throw .invalidConfig(
                field: "userFilter", value: template, expected: "a filter that contains '{u}' where the username goes")
        }
        guard template.hasPrefix("(") && template.hasSuffix(")") && Self.hasBalancedParentheses(template) else {
            throw .invalidConfig(
                field: "userFilter", value: template,
                expected: "a filter in parentheses with balanced '(' and ')', such as '(uid={u})'")
        }
        self.template = template
    }

    private init(checkedTemplate: String) {
        template = checkedTemplate
    }

    /// Returns the filter for `username`, escaped so that it matches only that literal value.
    public func filter(for username: String) -> String {
        template.replacingOccurrences(of: Self.placeholder, with: Self.escape(username))
    }

    public var description: String { template }

    /// Escapes `value` as an RFC 4515 assertion value: `*`, `(`, `)`, `\` and NUL become `\2a`, `\28`,
    /// `\29`, `\5c` and `\00`. Other UTF-8 text is valid in a filter string and stays as it is.
    public static func escape(_ value: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(value.utf8.count)
        for character in value.unicodeScalars {
            switch character {
            case "*": escaped += "\\2a"
            case "(": escaped += "\\28"
            case ")": escaped += "\\29"
            case "\\": escaped += "\\5c"
            case "\0": escaped += "\\00"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    private static func hasBalancedParentheses(_ text: String) -> Bool {
        // RFC 4515 writes a literal parenthesis as `\28` or `\29`, so every `(` and `)` in a filter is syntax.
        var depth = 0
        for character in text {
            if character == "(" { depth += 1 }
            if character == ")" { depth -= 1 }
            if depth < 0 { return false }
        }
        return depth == 0
    }
}
