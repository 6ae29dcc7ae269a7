import OneRoster
import Testing

@testable import Store

@Suite struct ContentHashTests {
    @Test func knownValueIsPinned() {
        var org = Record(entity: .orgs)
        org["sourcedId"] = "org-1"
        org["status"] = "active"
        org["name"] = "Hill Elementary School"
        org["type"] = "school"
        org["metadata.code"] = "HES"
        // The same on every machine and run; changing it means every stored hash changes, which needs a migration.
        #expect(ContentHash.of(org) == 0x50e8_1d70_c656_992e)
    }

    @Test func emptyRecordHashIsStable() {
        #expect(ContentHash.of(Record(entity: .orgs)) == ContentHash.of(Record(entity: .orgs)))
        #expect(ContentHash.of(Record(entity: .orgs)) != ContentHash.of(Record(entity: .academicSessions)))
    }

    @Test func nilAndEmptyHashAlike() {
        var blank = makeUser("u1")
        blank["middleName"] = ""
        #expect(ContentHash.of(blank) == ContentHash.of(makeUser("u1")))
    }

    @Test func dateLastModifiedIsNotContent() {
        var touched = makeUser("u1")
        touched["dateLastModified"] = "2026-09-01T08:00:00Z"
        #expect(ContentHash.of(touched) == ContentHash.of(makeUser("u1")))
    }

    @Test func everyValueChangeChangesHash() {
        let original = makeUser("u1", extensions: [Extension(name: "metadata.a", value: "1")])
        let originalHash = ContentHash.of(original)
        for index in original.values.indices where index != ContentHash.modifiedColumn {
            var changed = original
            changed.values[index] = (original.values[index] ?? "") + "x"
            #expect(ContentHash.of(changed) != originalHash, "column \(Schema.columns(of: .users)[index].name)")
        }
        var renamed = original
        renamed.extensions[0].name = "metadata.b"
        #expect(ContentHash.of(renamed) != originalHash)
        var revalued = original
        revalued.extensions[0].value = "2"
        #expect(ContentHash.of(revalued) != originalHash)
        var dropped = original
        dropped.extensions = []
        #expect(ContentHash.of(dropped) != originalHash)
    }

    @Test func valueBoundariesMatter() {
        var left = Record(entity: .orgs)
        left["sourcedId"] = "ab"
        left["name"] = "c"
        var right = Record(entity: .orgs)
        right["sourcedId"] = "a"
        right["name"] = "bc"
        #expect(ContentHash.of(left) != ContentHash.of(right))

        var longLeft = left
        longLeft["sourcedId"] = "12345678"
        longLeft["name"] = "9"
        var longRight = left
        longRight["sourcedId"] = "1234567"
        longRight["name"] = "89"
        #expect(ContentHash.of(longLeft) != ContentHash.of(longRight))

        var extensionLeft = Record(entity: .orgs)
        extensionLeft.extensions = [Extension(name: "ab", value: "c")]
        var extensionRight = Record(entity: .orgs)
        extensionRight.extensions = [Extension(name: "a", value: "bc")]
        #expect(ContentHash.of(extensionLeft) != ContentHash.of(extensionRight))
    }

    @Test func extensionOrderMatters() {
        let first = Extension(name: "metadata.a", value: "1")
        let second = Extension(name: "metadata.b", value: "2")
        #expect(
            ContentHash.of(makeUser("u1", extensions: [first, second]))
                != ContentHash.of(makeUser("u1", extensions: [second, first])))
    }
}
