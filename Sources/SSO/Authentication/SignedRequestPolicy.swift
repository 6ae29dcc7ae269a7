/// Limits applied to OAuth 1.0a signed requests.
public struct SignedRequestPolicy: Sendable {
    /// Seconds a timestamp may lie in the past. Nonces are remembered this long.
    public var maxPastSeconds: Int = 600
    /// Seconds a timestamp may lie in the future, for clients whose clocks run ahead.
    public var maxFutureSeconds: Int = 300
    /// The maximum number of nonces remembered per consumer. Beyond it, requests get 429 until old nonces expire.
    public var maxNoncesPerConsumer: Int = 50_000

    /// Creates the default policy: 10 minutes past, 5 minutes future, 50,000 nonces per consumer.
    public init() {}
}
