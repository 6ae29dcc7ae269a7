import Export
import Foundation
import OneRoster
import Testing

private typealias R = RESTJSONTestRecords

@Suite("REST JSON encoder")
struct RESTJSONEncoderTests {
    let encoder = restJSONEncoder(.v1p1)

    @Test func fieldsSelectTopLevelMembers() {
        let text = encoder.object(R.user11, fields: ["orgs", "givenName"])
        let expected =
            #"{"givenName":"Ann","orgs":[{"href":"\#(R.base11)/orgs/org-1","sourcedId":"org-1","type":"org"},"#
            + #"{"href":"\#(R.base11)/orgs/org-2","sourcedId":"org-2","type":"org"}]}"#
        #expect(text == expected)
    }

    @Test func fieldsIncludeSourcedIdOnlyWhenNamed() {
        #expect(
            encoder.object(R.user11, fields: ["sourcedId", "email"])
                == #"{"sourcedId":"user-1","email":"ann@example.org"}"#)
        #expect(encoder.object(R.user11, fields: ["email"]) == #"{"email":"ann@example.org"}"#)
    }

    @Test func fieldsWithUnknownOrBlankNames() {
        #expect(encoder.object(R.user11, fields: ["nickname"]) == "{}")
        #expect(encoder.object(R.user11, fields: []) == "{}")
        #expect(encoder.object(R.user11, fields: ["middleName"]) == "{}")
    }

    @Test func fieldsSelectRolesOfV1p2User() {
        let text = restJSONEncoder(.v1p2).object(R.user12, roles: [R.role], userProfiles: [], fields: ["roles"])
        #expect(text.hasPrefix(#"{"roles":[{"roleType":"primary""#))
        #expect(!text.contains("userProfiles"))
    }

    @Test func escapesQuoteBackslashAndControls() throws {
        let name = "a\"b\\c\nd\re\tf\u{8}g\u{C}h\u{1}i\u{1F}j\u{7F}"
        let user = R.record(.users, ["sourcedId": "u", "givenName": name])
        let text = encoder.object(user, fields: ["givenName"])
        #expect(text == #"{"givenName":"a\"b\\c\nd\re\tf\bg\fh\u0001i\u001Fj"# + "\u{7F}\"}")
        let object = try #require(restJSONParse(text))
        #expect(object["givenName"] as? String == name)
    }

    @Test func escapesLineSeparatorsKeepsOtherUnicode() throws {
        let name = "x\u{2028}y\u{2029}z😀é中"
        let user = R.record(.users, ["sourcedId": "u", "givenName": name])
        let text = encoder.object(user, fields: ["givenName"])
        #expect(text == #"{"givenName":"x\u2028y\u2029z😀é中"}"#)
        let object = try #require(restJSONParse(text))
        #expect(object["givenName"] as? String == name)
    }

    @Test func invalidUTF8BecomesReplacementCharacter() throws {
        let columns = Schema.columns(of: .users).count
        var builder = RecordBuilder(columns: columns, textCapacity: 16)
        builder.append("u")
        let broken: [UInt8] = [0x61, 0xFF, 0x62, 0xC3, 0x28, 0xED, 0xA0, 0x80, 0xE2, 0x82]
        for index in 1..<columns {
            if Schema.columns(of: .users)[index].name == "givenName" {
                broken.withUnsafeBufferPointer { builder.append($0) }
            } else {
                builder.append(String?.none)
            }
        }
        let user = Record(entity: .users, builder: builder)
        let text = encoder.object(user, fields: ["givenName"])
        let object = try #require(restJSONParse(text))
        #expect(object["givenName"] as? String == "a\u{FFFD}b\u{FFFD}(\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}")
    }

    @Test func hrefEncodesSourcedId() throws {
        let enrollment = R.record(
            .enrollments,
            ["sourcedId": "e", "userSourcedId": "a b/c?d%é\"", "classSourcedId": "c", "schoolSourcedId": "s"])
        let object = try #require(restJSONParse(encoder.object(enrollment, fields: ["user"])))
        let user = try #require(object["user"] as? [String: String])
        #expect(user["href"] == "\(R.base11)/users/a%20b%2Fc%3Fd%25%C3%A9%22")
        #expect(user["sourcedId"] == "a b/c?d%é\"")
    }

    @Test func userIdsKeepColonsAndCommasInIdentifiers() throws {
        let user = R.record(.users, ["sourcedId": "u", "userIds": "{Fed:1,2},{SIS:a:b},bare,{NoColon}"])
        let text = encoder.object(user, fields: ["userIds"])
        let expected =
            #"{"userIds":[{"type":"Fed","identifier":"1,2"},{"type":"SIS","identifier":"a:b"},"#
            + #"{"type":"","identifier":"bare"},{"type":"NoColon","identifier":""}]}"#
        #expect(text == expected)
    }

    @Test func listsSkipEmptyItems() {
        let course = R.record(.courses, ["sourcedId": "c", "grades": ",09,,10,"])
        #expect(encoder.object(course, fields: ["grades"]) == #"{"grades":["09","10"]}"#)
    }

    @Test func metadataStripsPrefixAndRepeats() {
        let extensions = [
            Extension(name: "metadata.studentNumber", value: "42"), Extension(name: "vendor.flag", value: "x\"y"),
            Extension(name: "studentNumber", value: "43"), Extension(name: "metadata.blank", value: ""),
        ]
        let org = R.record(.orgs, ["sourcedId": "o"], extensions: extensions)
        #expect(
            encoder.object(org, fields: ["metadata"]) == #"{"metadata":{"studentNumber":"42","vendor.flag":"x\"y"}}"#)
    }

    @Test func metadataWithOnlyBlankValuesIsLeftOut() {
        let org = R.record(.orgs, ["sourcedId": "o"], extensions: [Extension(name: "metadata.x", value: "")])
        #expect(encoder.object(org) == #"{"sourcedId":"o","status":"active"}"#)
    }

    @Test func emptyStringIsBlank() {
        let org = R.record(.orgs, ["sourcedId": "o", "identifier": "", "status": ""])
        #expect(encoder.object(org) == #"{"sourcedId":"o","status":"active"}"#)
    }

    @Test func v1p1IgnoresRolesAndV1p2Columns() {
        let user = R.record(.users, ["sourcedId": "u", "pronouns": "they", "role": "student"])
        #expect(
            encoder.object(user, roles: [R.role], userProfiles: [R.profile])
                == #"{"sourcedId":"u","status":"active","role":"student"}"#)
    }

    @Test func v1p2IgnoresV1p1Columns() {
        let user = R.record(.users, ["sourcedId": "u", "role": "student", "orgSourcedIds": "o1"])
        #expect(restJSONEncoder(.v1p2).object(user) == #"{"sourcedId":"u","status":"active","roles":[]}"#)
    }
}
