import Foundation

/// A failure of the admin pages that is not the visitor's doing, such as a store that cannot be opened.
public struct AdminError: Error, CustomStringConvertible, Sendable {
    private enum Code: Sendable {
        case randomUnavailable(errno: Int32)
        case storeUnavailable(path: String, reason: String)
    }

    private let code: Code

    /// A short stable code, usable as a metric label.
    public var shortCode: String {
        switch code {
        case .randomUnavailable: "admin.random"
        case .storeUnavailable: "admin.store"
        }
    }

    public var description: String {
        switch code {
        case .randomUnavailable(let number):
            let reason = number == 0 ? "it returned too few bytes" : String(cString: strerror(number))
            return "Reading random bytes from '/dev/urandom' failed: \(reason); the admin pages cannot make session ids"
        case .storeUnavailable(let path, let reason):
            return "Opening the store '\(path)' failed: \(reason); check the 'store' path in config.lua"
        }
    }

    static func randomUnavailable(errno: Int32) -> AdminError { AdminError(code: .randomUnavailable(errno: errno)) }

    static func storeUnavailable(path: String, reason: String) -> AdminError {
        AdminError(code: .storeUnavailable(path: path, reason: reason))
    }
}
