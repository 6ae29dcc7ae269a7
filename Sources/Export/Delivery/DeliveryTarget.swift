/// The destination of a delivery: a local folder, an SFTP server or an HTTPS endpoint.
public enum DeliveryTarget: Sendable, Equatable {
    /// A local or mounted folder; the folder is created when missing.
    case folder(path: String)
    /// A directory on an SFTP server, reached with key authentication and a pinned host key.
    case sftp(SFTPDestination)
    /// An HTTPS endpoint that receives the file as the request body or as one multipart field.
    case https(HTTPSDestination)
}

/// An SFTP server directory with key authentication and a pinned host key.
public struct SFTPDestination: Sendable, Equatable {
    /// Host name or IP address of the server.
    public var host: String
    /// TCP port of the server.
    public var port: Int
    /// Login name.
    public var user: String
    /// Directory on the server that receives the file; relative paths start at the login directory.
    public var remoteDirectory: String
    /// Private key file (OpenSSH or PEM format).
    public var privateKeyFile: String
    /// Public key file; when nil it is derived from the private key.
    public var publicKeyFile: String?
    /// Passphrase of the private key; never logged.
    public var passphrase: String?
    /// OpenSSH known_hosts file with the pinned host key; a server without a matching entry is rejected.
    public var knownHostsFile: String
    /// Legacy opt-in that accepts an RSA host key signed with ssh-rsa (SHA-1) when the server offers nothing else.
    public var allowSHA1RSA: Bool
    /// Seconds allowed for the TCP connection and the SSH handshake.
    public var connectTimeout: Double
    /// Seconds allowed for each blocking SSH or SFTP operation after the handshake.
    public var transferTimeout: Double

    /// Creates a destination; `allowSHA1RSA` stays off unless the server cannot sign with SHA-2.
    public init(
        host: String, port: Int = 22, user: String, remoteDirectory: String, privateKeyFile: String,
        publicKeyFile: String? = nil, passphrase: String? = nil, knownHostsFile: String,
        allowSHA1RSA: Bool = false, connectTimeout: Double = 15, transferTimeout: Double = 60
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.remoteDirectory = remoteDirectory
        self.privateKeyFile = privateKeyFile
        self.publicKeyFile = publicKeyFile
        self.passphrase = passphrase
        self.knownHostsFile = knownHostsFile
        self.allowSHA1RSA = allowSHA1RSA
        self.connectTimeout = connectTimeout
        self.transferTimeout = transferTimeout
    }
}

/// An HTTPS endpoint that receives the package.
public struct HTTPSDestination: Sendable, Equatable {
    /// The request method.
    public enum Method: String, Sendable, Equatable {
        case put = "PUT"
        case post = "POST"
    }

    /// One extra request header.
    public struct Header: Sendable, Equatable {
        /// Header name, such as `Authorization`.
        public var name: String
        /// Header value; never logged.
        public var value: String

        /// Creates a header.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The encoding of the file in the request.
    public enum Body: Sendable, Equatable {
        /// The file bytes are the whole body, sent as `application/zip` unless a header sets the type.
        case raw
        /// A `multipart/form-data` body with the file in the field of this name.
        case multipart(field: String)
    }

    /// Target URL; the file name is not appended, so put it in the URL when the server expects it there.
    public var url: String
    /// The request method.
    public var method: Method
    /// The encoding of the file in the request.
    public var body: Body
    /// Extra request headers such as `Authorization`; their values are never logged.
    public var headers: [Header]
    /// PEM file of the certificate authorities to trust instead of the system store, for private CAs.
    public var caBundleFile: String?
    /// Allows `http://` URLs to 127.0.0.1 only, for tests; TLS verification itself is never turned off.
    public var allowInsecureLoopbackHTTP: Bool
    /// Seconds allowed for the TCP connection and the TLS handshake.
    public var connectTimeout: Double
    /// Seconds allowed for the whole request.
    public var transferTimeout: Double

    /// Creates an endpoint description.
    public init(
        url: String, method: Method = .put, body: Body = .raw, headers: [Header] = [],
        caBundleFile: String? = nil, allowInsecureLoopbackHTTP: Bool = false, connectTimeout: Double = 15,
        transferTimeout: Double = 120
    ) {
        self.url = url
        self.method = method
        self.body = body
        self.headers = headers
        self.caBundleFile = caBundleFile
        self.allowInsecureLoopbackHTTP = allowInsecureLoopbackHTTP
        self.connectTimeout = connectTimeout
        self.transferTimeout = transferTimeout
    }
}

extension SFTPDestination: CustomStringConvertible {
    /// The destination as `sftp://user@host:port/dir`, without the passphrase.
    public var description: String {
        "sftp://\(user)@\(host):\(port)/\(remoteDirectory)"
    }
}

extension HTTPSDestination: CustomStringConvertible {
    /// The method and the URL without its query, without header values.
    public var description: String {
        "\(method.rawValue) \(redactedURL(url))"
    }
}

/// Returns the URL without user information, query string and fragment, which may carry secrets.
func redactedURL(_ url: String) -> String {
    var shown = String(url.prefix { $0 != "?" && $0 != "#" })
    if let schemeEnd = shown.range(of: "://") {
        let authorityEnd = shown[schemeEnd.upperBound...].firstIndex(of: "/") ?? shown.endIndex
        if let at = shown[schemeEnd.upperBound..<authorityEnd].lastIndex(of: "@") {
            shown.removeSubrange(schemeEnd.upperBound...at)
        }
    }
    return shown
}
