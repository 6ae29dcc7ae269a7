import Export
import Foundation
import OneRoster
import Testing

@Suite("REST JSON envelopes and status bodies")
struct RESTJSONStatusTests {
    let encoder = restJSONEncoder(.v1p2)

    @Test func collectionEnvelope() {
        #expect(encoder.collection(.users, objects: [#"{"a":1}"#, #"{"b":2}"#]) == #"{"users":[{"a":1},{"b":2}]}"#)
        #expect(encoder.collection(.academicSessions, objects: []) == #"{"academicSessions":[]}"#)
    }

    @Test func singleEnvelope() {
        #expect(encoder.single(.classes, object: "{}") == #"{"class":{}}"#)
        #expect(encoder.single(.demographics, object: "{}") == #"{"demographics":{}}"#)
        #expect(encoder.single(.academicSessions, object: "{}") == #"{"academicSession":{}}"#)
    }

    @Test(
        "collection segment maps to entity",
        arguments: [
            ("students", Entity.users), ("teachers", .users), ("users", .users), ("schools", .orgs),
            ("orgs", .orgs), ("terms", .academicSessions), ("gradingPeriods", .academicSessions),
            ("academicSessions", .academicSessions), ("courses", .courses), ("classes", .classes),
            ("enrollments", .enrollments), ("demographics", .demographics),
        ])
    func collectionSegment(segment: String, entity: Entity) {
        #expect(RESTRecordEncoder.entity(forCollection: segment) == entity)
        #expect(RESTRecordEncoder.collectionKey(of: entity) == entity.rawValue)
    }

    @Test func unknownCollectionSegment() {
        #expect(RESTRecordEncoder.entity(forCollection: "Students") == nil)
        #expect(RESTRecordEncoder.entity(forCollection: "lineItems") == nil)
    }

    @Test func notFoundV1p2Body() {
        let status = RESTStatus.notFound(.users, sourcedId: "u-\"9")
        #expect(status.httpStatus == 404)
        let expected =
            #"{"imsx_codeMajor":"failure","imsx_severity":"error","imsx_description":"Not found: no user has "#
            + #"sourcedId 'u-\"9'; check the id against the collection endpoint","imsx_CodeMinor":"#
            + #"{"imsx_codeMinorField":[{"imsx_codeMinorFieldName":"TargetEndSystem","#
            + #""imsx_codeMinorFieldValue":"unknownobject"}]}}"#
        #expect(status.json(version: .v1p2) == expected)
    }

    @Test func notFoundV1p1Body() throws {
        let text = RESTStatus.notFound(.classes, sourcedId: "c-1").json(version: .v1p1)
        let object = try #require(restJSONParse(text))
        let set = try #require(object["statusInfoSet"] as? [[String: Any]])
        #expect(set.count == 1)
        #expect(set.first?["imsx_codeMajor"] as? String == "failure")
        #expect(set.first?["imsx_severity"] as? String == "error")
        #expect(
            set.first?["imsx_description"] as? String
                == "Not found: no class has sourcedId 'c-1'; check the id against the collection endpoint")
        let minor = set.first?["imsx_CodeMinor"] as? [String: Any]
        let fields = minor?["imsx_codeMinorField"] as? [[String: String]]
        #expect(
            fields == [["imsx_codeMinorFieldName": "TargetEndSystem", "imsx_codeMinorFieldValue": "unknownobject"]])
    }

    @Test func badRequestCarriesParameterMessage() throws {
        let parser = RESTQueryParser(knownFields: ["sourcedId", "givenName"])
        let error = try #require(throws: RESTQueryError.self) { try parser.parseFilter("emial='x'") }
        let status = RESTStatus.badRequest(error)
        #expect(status.httpStatus == 400)
        #expect(status.codeMinor == "invalid_filter_field")
        let object = try #require(restJSONParse(status.json(version: .v1p2)))
        #expect(object["imsx_description"] as? String == error.description)
        #expect(status.json(version: .v1p2).contains(#""imsx_codeMinorFieldValue":"invalid_filter_field""#))
    }

    @Test func sortErrorCodeMinorPerVersion() throws {
        let parser = RESTQueryParser(knownFields: ["sourcedId"])
        let error = try #require(throws: RESTQueryError.self) {
            try parser.parse([(name: "sort", value: "nickname")])
        }
        let status = RESTStatus.badRequest(error)
        #expect(status.json(version: .v1p1).contains(#""imsx_codeMinorFieldValue":"invalid_sort_field""#))
        #expect(status.json(version: .v1p2).contains(#""imsx_codeMinorFieldValue":"invaliddata""#))
    }

    @Test(
        "status codes and code minor values",
        arguments: [
            (RESTStatus.unauthorized(), 401, "unauthorisedrequest"),
            (RESTStatus.forbidden(missingScope: "roster-demographics.readonly"), 403, "forbidden"),
            (RESTStatus.notFound(.orgs, sourcedId: "x"), 404, "unknownobject"),
            (RESTStatus.tooManyRequests(), 429, "server_busy"),
            (RESTStatus.internalError(), 500, "internal_server_error"),
        ])
    func statusCodes(status: RESTStatus, httpStatus: Int, codeMinor: String) throws {
        #expect(status.httpStatus == httpStatus)
        #expect(status.codeMinor == codeMinor)
        for version in OneRosterVersion.allCases {
            let text = status.json(version: version)
            #expect(restJSONParse(text) != nil)
            #expect(text.contains(#""imsx_codeMinorFieldValue":"\#(codeMinor)""#))
        }
    }

    @Test func forbiddenNamesScope() {
        let status = RESTStatus.forbidden(missingScope: "roster-demographics.readonly")
        #expect(
            status.description
                == "Access denied: the token lacks the scope 'roster-demographics.readonly' that this endpoint "
                + "requires; ask the district to grant it")
    }
}
