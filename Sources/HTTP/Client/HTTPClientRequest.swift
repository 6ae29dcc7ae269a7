/// One outgoing request for `HTTPClient.send(_:policy:onRetry:)`.
public struct HTTPClientRequest: Sendable {
    /// The method, such as `GET` or `POST`.
    public var method: String
    /// The absolute `http://` or `https://` URL.
    public var url: String
    /// Header fields in the order they are sent.
    public var headers: [(name: String, value: String)]
    /// The body, or nil to send none. A POST or PUT without a body sends an empty one.
    public var body: [UInt8]?
    /// Time limit of one attempt in seconds, connecting included.
    public var timeout: Double
    /// Time limit for connecting in one attempt, in seconds.
    public var connectTimeout: Double
    /// Retries after the first attempt on 429, 5xx and transient connection errors.
    public var retries: Int
    /// Whether 3xx responses are followed (at most `maximumRedirects` times); by default they are returned.
    public var followsRedirects: Bool

    /// The maximum number of redirects followed when `followsRedirects` is set.
    public static let maximumRedirects = 5

    /// Creates a request; the time limits are in seconds.
    public init(
        method: String = "GET", url: String, headers: [(name: String, value: String)] = [], body: [UInt8]? = nil,
        timeout: Double = 30, connectTimeout: Double = 10, retries: Int = 0, followsRedirects: Bool = false
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.retries = retries
        self.followsRedirects = followsRedirects
    }
}

/// A received response.
public struct HTTPClientResponse: Sendable {
    /// The status code of the last response received.
    public var status: Int
    /// Header fields by lowercase name; repeated fields are joined with `, `.
    public var headers: [String: String]
    /// The body, decoded from any `Content-Encoding` that libcurl supports.
    public var body: [UInt8]

    /// Creates a response.
    public init(status: Int, headers: [String: String] = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}
