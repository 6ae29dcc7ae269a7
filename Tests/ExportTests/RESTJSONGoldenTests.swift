import Export
import Foundation
import OneRoster
import Testing

/// One record's expected JSON object, written by hand from the binding's member names.
struct RESTJSONGoldenCase: CustomTestStringConvertible, Sendable {
    let name: String
    let version: OneRosterVersion
    let record: Record
    var roles: [Record] = []
    var userProfiles: [Record] = []
    let expected: String

    var testDescription: String { name }
}

private typealias R = RESTJSONTestRecords

private let base11 = R.base11
private let base12 = R.base12
private let modified = R.modified

let restJSONGoldenCases: [RESTJSONGoldenCase] = [
    RESTJSONGoldenCase(
        name: "1.1 org", version: .v1p1, record: R.org,
        expected:
            #"{"sourcedId":"org-1","status":"active","dateLastModified":"\#(modified)","metadata":{"ncesId":"123"},"name":"Lincoln High","type":"school","identifier":"LHS","parent":{"href":"\#(base11)/orgs/district-1","sourcedId":"district-1","type":"org"}}"#
    ),
    RESTJSONGoldenCase(
        name: "1.1 bare org", version: .v1p1, record: R.bareOrg,
        expected: #"{"sourcedId":"org-2","status":"active","name":"Lincoln High","type":"school"}"#),
    RESTJSONGoldenCase(
        name: "1.2 bare org", version: .v1p2, record: R.bareOrg,
        expected: #"{"sourcedId":"org-2","status":"active","name":"Lincoln High","type":"school","identifier":""}"#),
    RESTJSONGoldenCase(
        name: "1.1 term", version: .v1p1, record: R.term,
        expected:
            #"{"sourcedId":"term-1","status":"active","dateLastModified":"\#(modified)","title":"Fall 2024","startDate":"2024-08-15","endDate":"2024-12-20","type":"term","parent":{"href":"\#(base11)/academicSessions/sy-2025","sourcedId":"sy-2025","type":"academicSession"},"schoolYear":"2025"}"#
    ),
    RESTJSONGoldenCase(
        name: "1.2 term", version: .v1p2, record: R.term,
        expected:
            #"{"sourcedId":"term-1","status":"active","dateLastModified":"\#(modified)","title":"Fall 2024","startDate":"2024-08-15","endDate":"2024-12-20","type":"term","parent":{"href":"\#(base12)/academicSessions/sy-2025","sourcedId":"sy-2025","type":"academicSession"},"schoolYear":"2025"}"#
    ),
    RESTJSONGoldenCase(
        name: "1.1 course", version: .v1p1, record: R.course,
        expected:
            #"{"sourcedId":"course-1","status":"active","dateLastModified":"\#(modified)","title":"Algebra I","schoolYear":{"href":"\#(base11)/academicSessions/sy-2025","sourcedId":"sy-2025","type":"academicSession"},"grades":["09","10"],"subjects":["Math"],"org":{"href":"\#(base11)/orgs/org-1","sourcedId":"org-1","type":"org"},"subjectCodes":["02052"]}"#
    ),
    RESTJSONGoldenCase(
        name: "1.2 course", version: .v1p2, record: R.course,
        expected:
            #"{"sourcedId":"course-1","status":"active","dateLastModified":"\#(modified)","title":"Algebra I","schoolYear":{"href":"\#(base12)/academicSessions/sy-2025","sourcedId":"sy-2025","type":"academicSession"},"courseCode":"","grades":["09","10"],"subjects":["Math"],"org":{"href":"\#(base12)/orgs/org-1","sourcedId":"org-1","type":"org"},"subjectCodes":["02052"]}"#
    ),
    RESTJSONGoldenCase(
        name: "1.1 class", version: .v1p1, record: R.schoolClass,
        expected:
            #"{"sourcedId":"class-1","status":"active","dateLastModified":"\#(modified)","title":"Algebra I - P1","classCode":"ALG1-1","classType":"scheduled","location":"Room 101","grades":["09"],"subjects":["Math"],"course":{"href":"\#(base11)/courses/course-1","sourcedId":"course-1","type":"course"},"school":{"href":"\#(base11)/orgs/org-1","sourcedId":"org-1","type":"org"},"terms":[{"href":"\#(base11)/academicSessions/term-1","sourcedId":"term-1","type":"academicSession"},{"href":"\#(base11)/academicSessions/term-2","sourcedId":"term-2","type":"academicSession"}],"periods":["1","2"]}"#
    ),
    RESTJSONGoldenCase(
        name: "1.2 class", version: .v1p2, record: R.schoolClass,
        expected:
            #"{"sourcedId":"class-1","status":"active","dateLastModified":"\#(modified)","title":"Algebra I - P1","classCode":"ALG1-1","classType":"scheduled","location":"Room 101","grades":["09"],"subjects":["Math"],"course":{"href":"\#(base12)/courses/course-1","sourcedId":"course-1","type":"course"},"school":{"href":"\#(base12)/orgs/org-1","sourcedId":"org-1","type":"org"},"terms":[{"href":"\#(base12)/academicSessions/term-1","sourcedId":"term-1","type":"academicSession"},{"href":"\#(base12)/academicSessions/term-2","sourcedId":"term-2","type":"academicSession"}],"periods":["1","2"]}"#
    ),
    RESTJSONGoldenCase(
        name: "1.1 user with agents and orgs", version: .v1p1, record: R.user11,
        expected:
            #"{"sourcedId":"user-1","status":"active","dateLastModified":"\#(modified)","username":"ann.lee","userIds":[{"type":"Fed","identifier":"1234"},{"type":"LDAP","identifier":"ann:lee"}],"enabledUser":"true","givenName":"Ann","familyName":"Lee","role":"student","identifier":"S100","email":"ann@example.org","agents":[{"href":"\#(base11)/users/parent-1","sourcedId":"parent-1","type":"user"},{"href":"\#(base11)/users/parent-2","sourcedId":"parent-2","type":"user"}],"orgs":[{"href":"\#(base11)/orgs/org-1","sourcedId":"org-1","type":"org"},{"href":"\#(base11)/orgs/org-2","sourcedId":"org-2","type":"org"}],"grades":["09"]}"#
    ),
    RESTJSONGoldenCase(
        name: "1.2 user with roles and profile", version: .v1p2, record: R.user12, roles: [R.role],
        userProfiles: [R.profile],
        expected:
            #"{"sourcedId":"user-1","status":"active","dateLastModified":"\#(modified)","userMasterIdentifier":"M-1","username":"ann.lee","userIds":[{"type":"Fed","identifier":"1234"}],"enabledUser":"true","givenName":"Ann","familyName":"Lee","preferredFirstName":"Annie","pronouns":"she/her","roles":[{"roleType":"primary","role":"student","org":{"href":"\#(base12)/orgs/org-1","sourcedId":"org-1","type":"org"},"userProfile":"prof-1","beginDate":"2024-08-15"}],"userProfiles":[{"profileId":"prof-1","profileType":"lms","vendorId":"acme","credentials":[{"type":"password","username":"ann","password":"s3cret"}]}],"primaryOrg":{"href":"\#(base12)/orgs/org-1","sourcedId":"org-1","type":"org"},"agents":[{"href":"\#(base12)/users/parent-1","sourcedId":"parent-1","type":"user"}],"grades":["09"],"resources":[{"href":"\#(R.resources12)/resources/res-1","sourcedId":"res-1","type":"resource"}]}"#
    ),
    RESTJSONGoldenCase(
        name: "1.2 user without roles", version: .v1p2, record: R.record(.users, ["sourcedId": "u-2"]),
        expected: #"{"sourcedId":"u-2","status":"active","roles":[]}"#),
    RESTJSONGoldenCase(
        name: "1.2 role alone", version: .v1p2, record: R.role,
        expected:
            #"{"roleType":"primary","role":"student","org":{"href":"\#(base12)/orgs/org-1","sourcedId":"org-1","type":"org"},"userProfile":"prof-1","beginDate":"2024-08-15"}"#
    ),
    RESTJSONGoldenCase(
        name: "1.2 user profile alone", version: .v1p2, record: R.profile,
        expected:
            #"{"profileId":"prof-1","profileType":"lms","vendorId":"acme","credentials":[{"type":"password","username":"ann","password":"s3cret"}]}"#
    ),
    RESTJSONGoldenCase(
        name: "1.1 enrollment", version: .v1p1, record: R.enrollment,
        expected:
            #"{"sourcedId":"enr-1","status":"active","dateLastModified":"\#(modified)","user":{"href":"\#(base11)/users/user-1","sourcedId":"user-1","type":"user"},"class":{"href":"\#(base11)/classes/class-1","sourcedId":"class-1","type":"class"},"school":{"href":"\#(base11)/orgs/org-1","sourcedId":"org-1","type":"org"},"role":"student","primary":"false","beginDate":"2024-08-15","endDate":"2025-06-01"}"#
    ),
    RESTJSONGoldenCase(
        name: "1.2 enrollment", version: .v1p2, record: R.enrollment,
        expected:
            #"{"sourcedId":"enr-1","status":"active","dateLastModified":"\#(modified)","user":{"href":"\#(base12)/users/user-1","sourcedId":"user-1","type":"user"},"class":{"href":"\#(base12)/classes/class-1","sourcedId":"class-1","type":"class"},"school":{"href":"\#(base12)/orgs/org-1","sourcedId":"org-1","type":"org"},"role":"student","primary":"false","beginDate":"2024-08-15","endDate":"2025-06-01"}"#
    ),
    RESTJSONGoldenCase(
        name: "1.1 demographics", version: .v1p1, record: R.demographics,
        expected:
            #"{"sourcedId":"user-1","status":"active","dateLastModified":"\#(modified)","birthDate":"2010-03-04","sex":"female","asian":"true","white":"false","hispanicOrLatinoEthnicity":"false","cityOfBirth":"São Paulo"}"#
    ),
    RESTJSONGoldenCase(
        name: "1.2 demographics", version: .v1p2, record: R.demographics,
        expected:
            #"{"sourcedId":"user-1","status":"active","dateLastModified":"\#(modified)","birthDate":"2010-03-04","sex":"female","asian":"true","white":"false","hispanicOrLatinoEthnicity":"false","cityOfBirth":"São Paulo"}"#
    ),
]

/// Returns an encoder of `version` over the test base URLs.
func restJSONEncoder(_ version: OneRosterVersion) -> RESTRecordEncoder {
    switch version {
    case .v1p1: return RESTRecordEncoder(version: .v1p1, baseURL: R.base11)
    case .v1p2: return RESTRecordEncoder(version: .v1p2, baseURL: R.base12 + "/", resourcesBaseURL: R.resources12)
    }
}

/// Parses `text` as a JSON object, or returns nil when it is not one.
func restJSONParse(_ text: String) -> [String: Any]? {
    (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
}

@Suite("REST JSON golden objects")
struct RESTJSONGoldenTests {
    @Test("object matches golden", arguments: restJSONGoldenCases)
    func objectMatchesGolden(_ golden: RESTJSONGoldenCase) {
        let encoder = restJSONEncoder(golden.version)
        let text = encoder.object(golden.record, roles: golden.roles, userProfiles: golden.userProfiles)
        #expect(text == golden.expected)
    }

    @Test("golden parses as JSON", arguments: restJSONGoldenCases)
    func goldenParses(_ golden: RESTJSONGoldenCase) {
        let encoder = restJSONEncoder(golden.version)
        let text = encoder.object(golden.record, roles: golden.roles, userProfiles: golden.userProfiles)
        #expect(restJSONParse(text) != nil)
        #expect(restJSONParse(encoder.single(golden.record.entity, object: text)) != nil)
        #expect(restJSONParse(encoder.collection(golden.record.entity, objects: [text, text])) != nil)
    }

    @Test func enrollmentReferencesParse() throws {
        let text = restJSONEncoder(.v1p2).object(R.enrollment)
        let object = try #require(restJSONParse(text))
        let user = try #require(object["user"] as? [String: String])
        #expect(user == ["href": "\(R.base12)/users/user-1", "sourcedId": "user-1", "type": "user"])
        let school = try #require(object["school"] as? [String: String])
        #expect(school["type"] == "org")
        #expect(school["href"] == "\(R.base12)/orgs/org-1")
        let schoolClass = try #require(object["class"] as? [String: String])
        #expect(schoolClass["type"] == "class")
    }

    @Test func writeAppendsToBuffer() {
        let encoder = restJSONEncoder(.v1p1)
        var buffer = Array("[".utf8)
        encoder.write(R.org, into: &buffer)
        buffer.append(UInt8(ascii: ","))
        encoder.write(R.bareOrg, into: &buffer)
        buffer.append(UInt8(ascii: "]"))
        let expected = "[" + encoder.object(R.org) + "," + encoder.object(R.bareOrg) + "]"
        #expect(String(decoding: buffer, as: UTF8.self) == expected)
    }
}
