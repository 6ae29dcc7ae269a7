import Foundation
import Testing

private let casesPresent = sharedCase("B06") != nil && sharedCase("B07") != nil

/// The paging and token-expiry cases served by a running `rollbook serve`, read with curl.
@Suite(.serialized, .enabled(if: casesPresent, "the shared cases B06 and B07 are absent"))
struct ServiceCaseTests {
    static let secret = "case-client-secret"

    /// Syncs a case's package as district `d`, shared whole with one app and one OAuth 2.0 client, and starts
    /// the service.
    private static func serve(case name: String, server: String = "") throws -> (APIServiceSetup, ServiceProcess) {
        let package = try #require(sharedCase(name), "case \(name) is missing")
        let setup = try APIServiceSetup(package: package)
        try setup.writeMapping(shareAllMapping, name: "all")
        let client = APIClientSpec(id: "case-client", secretHash: try hashSecret(secret))
        try setup.writeConfig(apps: [APIAppSpec(id: "vendor", mapping: "all", clients: [client])], server: server)
        try setup.sync()
        return (setup, try setup.start())
    }

    @Test func pagingTotalsAndLinks() throws {
        let (_, service) = try Self.serve(case: "B06")
        let token = try accessToken(service.baseURL, client: "case-client", secret: Self.secret)
        let base = "/ims/oneroster/v1p1/users?limit=2"

        let expectedPages = [["u-601", "u-602"], ["u-603", "u-604"], ["u-605"]]
        for (index, expected) in expectedPages.enumerated() {
            let offset = index * 2
            let page = try bearerGET(service.baseURL, base + "&offset=\(offset)", token: token)
            #expect(page.status == 200, "offset \(offset): \(page)")
            #expect(page.headers["x-total-count"] == "5", "offset \(offset)")
            #expect(page.sourcedIds("users") == expected, "offset \(offset)")
            let next = page.link("next")
            if offset + 2 < 5 {
                #expect(next?.hasSuffix("limit=2&offset=\(offset + 2)") == true, "offset \(offset): \(next ?? "none")")
                #expect(next?.hasPrefix(service.baseURL + "/ims/oneroster/v1p1/users?") == true)
            } else {
                #expect(next == nil, "the last page links to \(next ?? "")")
            }
        }

        let beyond = try bearerGET(service.baseURL, base + "&offset=6", token: token)
        #expect(beyond.status == 200)
        #expect(beyond.headers["x-total-count"] == "5")
        #expect(beyond.sourcedIds("users") == [])
        #expect(beyond.json?.keys.sorted() == ["users"])
        #expect(beyond.link("next") == nil)

        let students = try bearerGET(
            service.baseURL, base + "&offset=0&filter=role%3D%27student%27", token: token)
        #expect(students.status == 200)
        #expect(students.headers["x-total-count"] == "4")
        #expect(students.sourcedIds("users") == ["u-601", "u-602"])
        let studentsNext = try #require(students.link("next"))
        // The filter travels in the next link, so the second page stays filtered.
        let second = try bearerGET(service.baseURL, String(studentsNext.dropFirst(service.baseURL.count)), token: token)
        #expect(second.sourcedIds("users") == ["u-603", "u-605"])
        #expect(second.link("next") == nil)

        service.signal(SIGTERM)
        #expect(service.waitForExit(timeout: 10) == 0)
    }

    @Test func expiredTokenThenStatelessPaging() throws {
        let (_, service) = try Self.serve(case: "B07", server: "token_lifetime = 2")
        let tokenResponse = try requestToken(service.baseURL, client: "case-client", secret: Self.secret)
        #expect(tokenResponse.json?["expires_in"] as? Int == 2)
        let tokenA = try #require(tokenResponse.json?["access_token"] as? String)
        let issued = Date()

        let first = try bearerGET(service.baseURL, "/ims/oneroster/v1p1/users?limit=3&offset=0", token: tokenA)
        #expect(first.status == 200)
        #expect(first.sourcedIds("users") == ["u-701", "u-702", "u-703"])

        // Wait 3.2 s after the token was issued, so its two-second lifetime has passed with a margin.
        let waitUntil = issued.addingTimeInterval(3.2)
        while Date() < waitUntil { usleep(100_000) }
        let expired = try bearerGET(service.baseURL, "/ims/oneroster/v1p1/users?limit=3&offset=3", token: tokenA)
        #expect(expired.status == 401, "\(expired)")
        #expect(expired.headers["www-authenticate"]?.contains("error=\"invalid_token\"") == true)
        #expect(expired.json?["users"] == nil)
        #expect(expired.imsxStatus?["imsx_codeMajor"] as? String == "failure")

        let tokenB = try accessToken(service.baseURL, client: "case-client", secret: Self.secret)
        #expect(tokenB != tokenA)
        let resumed = try bearerGET(service.baseURL, "/ims/oneroster/v1p1/users?limit=3&offset=3", token: tokenB)
        #expect(resumed.status == 200)
        #expect(resumed.sourcedIds("users") == ["u-704", "u-705", "u-706"])
        #expect(resumed.headers["x-total-count"] == "6")

        service.signal(SIGTERM)
        #expect(service.waitForExit(timeout: 10) == 0)
    }
}
