import Export
import Testing

@Suite("REST query parser")
struct RESTQueryParserTests {
    let parser = RESTQueryParser(
        knownFields: ["sourcedId", "status", "dateLastModified", "role", "givenName", "email", "metadata.x"],
        limits: RESTQueryLimits(maximumLimit: 10_000, maximumPredicates: 3))

    @Test("every operator parses", arguments: FilterOperator.allCases)
    func everyOperator(op: FilterOperator) throws {
        let filter = try parser.parseFilter("givenName\(op.rawValue)'Ann'")
        #expect(filter.predicates == [FilterPredicate(field: "givenName", op: op, value: "Ann")])
        #expect(filter.logicalOperator == nil)
    }

    @Test func spacesAroundOperatorAndInsideValue() throws {
        let filter = try parser.parseFilter("  givenName >= 'Ann Marie  '  ")
        #expect(filter.predicates == [FilterPredicate(field: "givenName", op: .greaterOrEqual, value: "Ann Marie  ")])
    }

    @Test func doubledQuoteIsOneQuote() throws {
        let filter = try parser.parseFilter("givenName='O''Brien'''")
        #expect(filter.predicates.first?.value == "O'Brien'")
    }

    @Test func backslashIsLiteral() throws {
        let filter = try parser.parseFilter(#"givenName='a\b'"#)
        #expect(filter.predicates.first?.value == #"a\b"#)
    }

    @Test func emptyValueAndDottedField() throws {
        let filter = try parser.parseFilter("metadata.x='' OR email~'@'")
        #expect(
            filter.predicates == [
                FilterPredicate(field: "metadata.x", op: .equal, value: ""),
                FilterPredicate(field: "email", op: .contains, value: "@"),
            ])
        #expect(filter.logicalOperator == .or)
    }

    @Test func keywordInsideValueIsText() throws {
        let filter = try parser.parseFilter("givenName=' AND role=''x' AND status='active'")
        #expect(filter.predicates.map(\.value) == [" AND role='x", "active"])
        #expect(filter.logicalOperator == .and)
    }

    @Test func andJoinsThreePredicates() throws {
        let filter = try parser.parseFilter("role='student' AND status='active' AND email~'x'")
        #expect(filter.predicates.count == 3)
        #expect(filter.logicalOperator == .and)
    }

    @Test(
        "filter errors are pinned",
        arguments: [
            (
                "emial='a'",
                "filter: unknown field 'emial' at 0; expected one of sourcedId, status, dateLastModified, role, givenName, email, metadata.x"
            ),
            (
                "role='a' AND emial='b'",
                "filter: unknown field 'emial' at 13; expected one of sourcedId, status, dateLastModified, role, givenName, email, metadata.x"
            ),
            (
                "role='a' AND status='b' OR email='c'",
                "filter: mixed logical operator 'OR' at 24; expected 'AND' again, because one filter joins its predicates with either AND or OR"
            ),
            (
                "role='a' and status='b'",
                "filter: invalid text 'and' at 9; expected ' AND ' or ' OR ' (upper case) or the end"
            ),
            (
                "role='a'AND status='b'",
                "filter: invalid text 'AND' at 8; expected ' AND ' or ' OR ' (upper case) or the end"
            ),
            ("role='a' AND ", "filter: invalid text 'AND' at 9; expected a space and another predicate after 'AND'"),
            (
                "role=student",
                "filter: invalid text 'student' at 5; expected a value in single quotes after 'role=' at 4"
            ),
            (
                "role='student",
                "filter: invalid text ''student' at 5; expected a closing single quote (write a quote inside a value as '')"
            ),
            ("role=='a'", "filter: invalid text '='a'' at 5; expected a value in single quotes after 'role=' at 4"),
            ("role 'a'", "filter: invalid text ''a'' at 5; expected an operator: =, !=, >, >=, <, <= or ~"),
            ("='a'", "filter: invalid text '='a'' at 0; expected a field name such as status"),
            ("", "filter: invalid text '' at 0; expected a predicate such as status='active'"),
            (
                "role='a' AND role='b' AND role='c' AND role='d'",
                "filter: predicate over the limit 'role='d'' at 39; expected at most 3 predicates"
            ),
            ("role='a' 'b'", "filter: invalid text ''' at 9; expected ' AND ' or ' OR ' (upper case) or the end"),
        ])
    func filterErrors(filter: String, message: String) {
        #expect(throws: RESTQueryError.self) { try parser.parseFilter(filter) }
        do {
            _ = try parser.parseFilter(filter)
        } catch {
            #expect(error.description == message)
            #expect(error.parameter == "filter")
            #expect(error.codeMinor == "invalid_filter_field")
        }
    }

    @Test func injectionInFieldNameIsUnknownField() {
        do {
            _ = try parser.parseFilter("givenName\"; DROP TABLE users; --='x'")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == "unknown_filter_field")
            #expect(error.text == "givenName\";")
            #expect(error.position == 0)
        }
    }

    @Test func fieldNameWithQuoteIsRejected() {
        do {
            _ = try parser.parseFilter("given'Name='x'")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == "unknown_filter_field")
            #expect(error.text == "given")
        }
    }

    @Test func defaultsWithoutParameters() throws {
        let query = try parser.parse([("other", "1")])
        #expect(query == RESTQuery(limit: 100, offset: 0))
    }

    @Test func allParametersTogether() throws {
        let query = try parser.parse([
            ("filter", "role='teacher'"), ("sort", "givenName"), ("orderBy", "desc"),
            ("fields", " sourcedId, email ,sourcedId"), ("limit", "25"), ("offset", "50"),
        ])
        #expect(query.filter?.predicates == [FilterPredicate(field: "role", op: .equal, value: "teacher")])
        #expect(query.sortField == "givenName")
        #expect(query.sortDirection == .descending)
        #expect(query.fields == ["sourcedId", "email"])
        #expect(query.limit == 25)
        #expect(query.offset == 50)
    }

    @Test(
        "limit values",
        arguments: [
            ("1", 1), ("10000", 10_000), ("0100", 100), ("10001", 10_000), ("50000", 10_000),
            ("99999999999999999999999", 10_000),
        ])
    func limitValues(text: String, limit: Int) throws {
        #expect(try parser.parse([("limit", text)]).limit == limit)
    }

    @Test(
        "invalid limits", arguments: ["0", "000", "-1", "-5", "abc", "", " 5", "5.0", "+5"])
    func invalidLimits(text: String) {
        do {
            _ = try parser.parse([("limit", text)])
            Issue.record("expected an error for '\(text)'")
        } catch {
            #expect(
                error.description
                    == "limit: invalid value '\(text)'; expected a whole number of 1 or more (pages hold at most 10000 records)"
            )
            #expect(error.codeMinor == "invaliddata")
        }
    }

    @Test func configurableMaximumLimit() throws {
        let small = RESTQueryParser(
            knownFields: ["sourcedId"], limits: RESTQueryLimits(defaultLimit: 10, maximumLimit: 50))
        #expect(try small.parse([]).limit == 10)
        #expect(try small.parse([("limit", "50")]).limit == 50)
        #expect(try small.parse([("limit", "51")]).limit == 50)
    }

    @Test("offset values", arguments: [("0", 0), ("6", 6), ("1000000", 1_000_000)])
    func offsetValues(text: String, offset: Int) throws {
        #expect(try parser.parse([("offset", text)]).offset == offset)
    }

    @Test("invalid offsets", arguments: ["-1", "x", "", "1e3", "99999999999999999999999"])
    func invalidOffsets(text: String) {
        do {
            _ = try parser.parse([("offset", text)])
            Issue.record("expected an error for '\(text)'")
        } catch {
            #expect(error.description == "offset: invalid value '\(text)'; expected a whole number of 0 or more")
        }
    }

    @Test func unknownSortField() {
        do {
            _ = try parser.parse([("sort", "familyName")])
            Issue.record("expected an error")
        } catch {
            #expect(
                error.description
                    == "sort: unknown field 'familyName'; expected one of sourcedId, status, dateLastModified, role, givenName, email, metadata.x"
            )
            #expect(error.codeMinor == "invalid_sort_field")
        }
    }

    @Test("invalid orderBy", arguments: ["ASC", "up", ""])
    func invalidOrderBy(text: String) {
        do {
            _ = try parser.parse([("orderBy", text)])
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "orderBy: invalid direction '\(text)'; expected asc or desc (lower case)")
        }
    }

    @Test func unknownSelectionFieldNamesIt() {
        do {
            _ = try parser.parse([("fields", "sourcedId, emial")])
            Issue.record("expected an error")
        } catch {
            #expect(error.text == "emial")
            #expect(error.position == 11)
            #expect(error.code == "unknown_selection_field")
            #expect(error.codeMinor == "invalid_selection_field")
        }
    }

    @Test("blank selection fields", arguments: ["", "sourcedId,", ",email", "sourcedId,,email", " "])
    func blankSelectionFields(text: String) {
        do {
            _ = try parser.parse([("fields", text)])
            Issue.record("expected an error")
        } catch {
            #expect(error.code == "blank_selection_field")
        }
    }

    @Test func repeatedParameterIsRejected() {
        do {
            _ = try parser.parse([("limit", "5"), ("limit", "6")])
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "limit: repeated parameter 'limit'; expected the parameter at most once")
        }
    }
}
