import Export
import Foundation
import HTTP
import SSO

/// Reads a user's claims from an app's view, so that a relying party learns only what the app's mapping shares.
///
/// The user is read the way the app's own REST clients read it, as a OneRoster 1.2 user with embedded roles. A
/// user outside the view, or a view not built yet, gives nil: such a person gets no token for the app.
struct AppViewClaims: Sendable {
    let provider: RESTProvider

    /// Returns the claims of user `sourcedId` as app `app` has them in `district`, or nil when the app's view
    /// does not have the user.
    func claims(app: String, district: String, sourcedId: String) -> [String: ClaimValue]? {
        guard let user = userObject(app: app, district: district, sourcedId: sourcedId) else { return nil }
        return Self.claims(of: user, district: district)
    }

    /// Returns the user's JSON object from the 1.2 single-user endpoint, or nil when it responds with anything but 200.
    private func userObject(app: String, district: String, sourcedId: String) -> [String: Any]? {
        let escaped = sourcedId.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"]))
        guard let escaped else { return nil }
        let request = HTTPRequest(method: "GET", target: "/ims/oneroster/rostering/v1p2/users/" + escaped)
        let caller = RESTCaller(
            app: app, district: district,
            scopes: ["https://purl.imsglobal.org/spec/or/v1p2/scope/roster-core.readonly"], clientId: "sign-in")
        let response = provider.respond(to: request, caller: caller)
        // A response that came from the provider's cache keeps its body in a shared buffer.
        let body = response.sharedBody?.bytes ?? response.body
        guard response.status == 200,
            let document = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
        else { return nil }
        return document["user"] as? [String: Any]
    }

    /// Maps a OneRoster 1.2 user object to OpenID Connect claims, skipping what the view leaves blank.
    static func claims(of user: [String: Any], district: String) -> [String: ClaimValue] {
        var claims: [String: ClaimValue] = ["district": .string(district)]
        func text(_ key: String) -> String? {
            guard let value = user[key] as? String, !value.isEmpty else { return nil }
            return value
        }
        let given = text("givenName")
        let family = text("familyName")
        if let given { claims["given_name"] = .string(given) }
        if let family { claims["family_name"] = .string(family) }
        if let middle = text("middleName") { claims["middle_name"] = .string(middle) }
        let fullName = [given, family].compactMap { $0 }.joined(separator: " ")
        if !fullName.isEmpty { claims["name"] = .string(fullName) }
        if let username = text("username") { claims["preferred_username"] = .string(username) }
        if let email = text("email") {
            claims["email"] = .string(email)
            // The address comes from the district's own records, not from the person.
            claims["email_verified"] = .boolean(true)
        }
        if let grades = user["grades"] as? [String], !grades.isEmpty { claims["roster_grades"] = .strings(grades) }

        let roles = (user["roles"] as? [[String: Any]]) ?? []
        var orgs: [String] = []
        var roleNames: [String] = []
        var primaryRole: String?
        for role in roles {
            guard let name = role["role"] as? String else { continue }
            if !roleNames.contains(name) { roleNames.append(name) }
            if role["roleType"] as? String == "primary", primaryRole == nil { primaryRole = name }
            if let org = (role["org"] as? [String: Any])?["sourcedId"] as? String, !orgs.contains(org) {
                orgs.append(org)
            }
        }
        if let role = primaryRole ?? roleNames.first { claims["roster_role"] = .string(role) }
        if !roleNames.isEmpty { claims["roster_roles"] = .strings(roleNames) }
        if !orgs.isEmpty { claims["roster_orgs"] = .strings(orgs) }
        return claims
    }
}
