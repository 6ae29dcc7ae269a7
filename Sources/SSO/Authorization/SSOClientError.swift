/// An SSO client entry in config that cannot be used.
public struct SSOClientError: Error, Sendable, CustomStringConvertible {
    private enum Code: Sendable {
        case emptyField(String, client: String)
        case invalidSecretHash(client: String, SecretHashError)
        case invalidRedirectURI(String, client: String)
        case missingOpenIDScope(client: String)
        case duplicateID(String)
    }

    private let code: Code

    static func emptyField(_ field: String, client: String) -> SSOClientError {
        SSOClientError(code: .emptyField(field, client: client))
    }
    static func invalidSecretHash(client: String, _ error: SecretHashError) -> SSOClientError {
        SSOClientError(code: .invalidSecretHash(client: client, error))
    }
    static func invalidRedirectURI(_ uri: String, client: String) -> SSOClientError {
        SSOClientError(code: .invalidRedirectURI(uri, client: client))
    }
    static func missingOpenIDScope(client: String) -> SSOClientError {
        SSOClientError(code: .missingOpenIDScope(client: client))
    }
    static func duplicateID(_ id: String) -> SSOClientError { SSOClientError(code: .duplicateID(id)) }

    /// A short stable identifier of the problem, usable as a metric label.
    public var shortCode: String {
        switch code {
        case .emptyField: "sso_client_empty_field"
        case .invalidSecretHash: "sso_client_secret_hash"
        case .invalidRedirectURI: "sso_client_redirect_uri"
        case .missingOpenIDScope: "sso_client_scope"
        case .duplicateID: "sso_client_duplicate_id"
        }
    }

    public var description: String {
        switch code {
        case .emptyField(let field, let client):
            "SSO client '\(client)': field '\(field)' is empty; expected a non-empty value."
        case .invalidSecretHash(let client, let error):
            "SSO client '\(client)': field 'secretHash' is invalid. \(error.description)"
        case .invalidRedirectURI(let uri, let client):
            "SSO client '\(client)': redirect URI '\(uri)' is invalid; expected an absolute http or https URI "
                + "without a fragment or spaces, at most 2048 bytes."
        case .missingOpenIDScope(let client):
            "SSO client '\(client)': field 'allowedScopes' lacks 'openid'; add it, because every sign-in is an "
                + "OpenID Connect request."
        case .duplicateID(let id):
            "SSO client id '\(id)' appears twice; give each client its own id."
        }
    }
}
