import Foundation

/// When the provider's signing keys rotate and how long old keys stay published. Times are in seconds.
public struct SigningKeyPolicy: Sendable, Equatable {
    /// How long a key signs before the next one takes over. Default 30 days.
    public let rotationInterval: TimeInterval
    /// How long a new key is published in the JWKS before it signs, so that relying parties that cache the JWKS
    /// know it first. Default 1 day, and never less than `maxTokenLifetime`.
    public let publishAhead: TimeInterval
    /// The maximum lifetime of a token the provider signs (id_token or JWT access token). A retired key stays
    /// published this long after it stopped signing. Default 1 hour.
    public let maxTokenLifetime: TimeInterval

    /// Creates a policy. `publishAhead` is raised to `maxTokenLifetime` when it is smaller, and the rotation
    /// interval to `publishAhead` when it is smaller, so that at most one key waits as next.
    public init(
        rotationInterval: TimeInterval = 30 * 86_400, publishAhead: TimeInterval = 86_400,
        maxTokenLifetime: TimeInterval = 3_600
    ) {
        self.maxTokenLifetime = max(1, maxTokenLifetime)
        self.publishAhead = max(publishAhead, self.maxTokenLifetime)
        self.rotationInterval = max(rotationInterval, self.publishAhead)
    }
}

/// The roles a signing key moves through: published as next, signing as current, published as retired until
/// the tokens it signed have expired, then removed.
public enum SigningKeyState: String, Sendable {
    case next
    case current
    case retired
}

/// The changes of one rotation step, as lists of key ids.
public struct SigningKeyRotationResult: Sendable, Equatable {
    /// Keys generated in this step.
    public var created: [String] = []
    /// Keys that became current.
    public var activated: [String] = []
    /// Keys that stopped signing.
    public var retired: [String] = []
    /// Retired keys removed because every token they signed has expired.
    public var removed: [String] = []

    /// Whether the step changed nothing.
    public var isEmpty: Bool { created.isEmpty && activated.isEmpty && retired.isEmpty && removed.isEmpty }
}
