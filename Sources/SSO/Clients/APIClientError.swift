/// An API client entry in config that cannot be used.
public struct APIClientError: Error, Sendable, CustomStringConvertible {
    private enum Code: Sendable {
        case emptyField(String, client: String)
        case invalidSecretHash(client: String, SecretHashError)
        case noCredentials(client: String)
        case invalidScope(String)
        case duplicateID(String)
    }

    private let code: Code

    static func emptyField(_ field: String, client: String) -> APIClientError {
        APIClientError(code: .emptyField(field, client: client))
    }
    static func invalidSecretHash(client: String, _ error: SecretHashError) -> APIClientError {
        APIClientError(code: .invalidSecretHash(client: client, error))
    }
    static func noCredentials(client: String) -> APIClientError { APIClientError(code: .noCredentials(client: client)) }
    static func invalidScope(_ scope: String) -> APIClientError { APIClientError(code: .invalidScope(scope)) }
    static func duplicateID(_ id: String) -> APIClientError { APIClientError(code: .duplicateID(id)) }

    /// A short stable identifier of the problem, usable as a metric label.
    public var shortCode: String {
        switch code {
        case .emptyField: "client_empty_field"
        case .invalidSecretHash: "client_secret_hash"
        case .noCredentials: "client_no_credentials"
        case .invalidScope: "client_scope"
        case .duplicateID: "client_duplicate_id"
        }
    }

    public var description: String {
        switch code {
        case .emptyField(let field, let client):
            return "API client '\(client)': field '\(field)' is empty; expected a non-empty value."
        case .invalidSecretHash(let client, let error):
            return "API client '\(client)': the secret hash is invalid. \(error.description)"
        case .noCredentials(let client):
            return "API client '\(client)' has neither 'secretHash' nor a consumer secret; "
                + "give it one so it can authenticate."
        case .invalidScope(let scope):
            let names = OneRosterScope.knownNames.sorted().joined(separator: ", ")
            return "Scope '\(scope)' is not a known OneRoster scope name or an absolute URI; expected one of "
                + "\(names), or a full 'https://' scope URI."
        case .duplicateID(let id):
            return "API client id '\(id)' is used by more than one client; expected each id once across all apps."
        }
    }
}
