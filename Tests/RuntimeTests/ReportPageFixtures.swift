import Runtime

/// Reports that the report page tests render: a realistic held run, a clean first run and a hostile one.
enum ReportFixtures {
    /// Builds a held sync run of a mid-sized district with several rules, a hold over two limits and 10 history points.
    static func heldRun() -> RunReport {
        RunReport(
            district: "lincoln-county", districtName: "Lincoln County Schools", run: 42, kind: "sync",
            status: "held", startedAt: "2024-09-03T02:00:04Z", endedAt: "2024-09-03T02:01:31Z", seconds: 87.4,
            counts: [
                "orgs": EntityTotals(accepted: 14, rejected: 0),
                "academicSessions": EntityTotals(accepted: 6, rejected: 0),
                "courses": EntityTotals(accepted: 412, rejected: 3),
                "classes": EntityTotals(accepted: 2_980, rejected: 11),
                "users": EntityTotals(accepted: 18_204, rejected: 57),
                "enrollments": EntityTotals(accepted: 96_310, rejected: 240),
                "demographics": EntityTotals(accepted: 17_950, rejected: 0),
            ],
            changes: [
                "orgs": ChangeTotals(unchanged: 14),
                "academicSessions": ChangeTotals(created: 2, unchanged: 4),
                "courses": ChangeTotals(created: 8, updated: 21, unchanged: 383, removed: 2),
                "classes": ChangeTotals(created: 120, updated: 340, unchanged: 2_520, removed: 410),
                "users": ChangeTotals(created: 301, updated: 1_204, unchanged: 16_699, removed: 2_315, restored: 4),
                "enrollments": ChangeTotals(created: 5_120, updated: 0, unchanged: 91_190, removed: 14_800),
                "demographics": ChangeTotals(created: 280, updated: 95, unchanged: 17_575),
            ],
            totals: SeverityTotals(errors: 311, warnings: 1_046, infos: 2),
            rules: [
                RuleSummary(
                    rule: "field.format", severity: "warning", count: 903, files: ["users.csv"],
                    examples: [
                        Example(
                            file: "users.csv", row: 118, field: "email", value: "jdoe@@lincoln.k12",
                            sourcedId: "u-10117",
                            message: "users.csv:118: field 'email' is 'jdoe@@lincoln.k12'; expected an email address"),
                        Example(
                            file: "users.csv", row: 940, field: "email", value: "", sourcedId: "u-10939",
                            message: "users.csv:940: field 'email' is empty; expected an email address"),
                    ]),
                RuleSummary(
                    rule: "reference.missing", severity: "error", count: 240, files: ["enrollments.csv"],
                    examples: (0..<7).map { index in
                        Example(
                            file: "enrollments.csv", row: 2_001 + index * 37, field: "classSourcedId",
                            value: "c-2024-\(900 + index)", sourcedId: "e-\(55_000 + index)",
                            message: "enrollments.csv:\(2_001 + index * 37): field 'classSourcedId' is "
                                + "'c-2024-\(900 + index)'; expected the sourcedId of a class in classes.csv")
                    }),
                RuleSummary(
                    rule: "field.enum", severity: "error", count: 57, files: ["users.csv"],
                    examples: [
                        Example(
                            file: "users.csv", row: 42, field: "role", value: "Student", sourcedId: "u-10041",
                            message: "users.csv:42: field 'role' is 'Student'; expected one of student, teacher, "
                                + "administrator, ... (values are case-sensitive)")
                    ]),
                RuleSummary(
                    rule: "record.duplicate", severity: "error", count: 14, files: ["classes.csv", "courses.csv"],
                    examples: [
                        Example(
                            file: "classes.csv", row: 77, field: "sourcedId", value: "c-2024-077",
                            sourcedId: "c-2024-077",
                            message: "classes.csv:77: sourcedId 'c-2024-077' appears again; first seen at row 76")
                    ]),
                RuleSummary(
                    rule: "field.date", severity: "warning", count: 143, files: ["demographics.csv"],
                    examples: [
                        Example(
                            file: "demographics.csv", row: 5, field: "birthDate", value: "2011-02-30",
                            sourcedId: "u-10004",
                            message: "demographics.csv:5: field 'birthDate' is '2011-02-30'; expected a date as "
                                + "YYYY-MM-DD")
                    ]),
                RuleSummary(
                    rule: "package.unwrapped", severity: "info", count: 2,
                    examples: [Example(message: "The package's files were inside a folder 'export/'; read from there")]
                ),
            ],
            files: [
                FileSummary(file: "users.csv", errors: 57, warnings: 903),
                FileSummary(file: "enrollments.csv", errors: 240),
                FileSummary(file: "classes.csv", errors: 11),
                FileSummary(file: "courses.csv", errors: 3),
                FileSummary(file: "demographics.csv", warnings: 143),
                FileSummary(file: "manifest.csv", infos: 2),
            ],
            hold: HoldSummary(
                reason: "The run would remove more records than the district's change limits allow.",
                limits: [
                    HoldLimit(
                        entity: "users", change: "removed", count: 2_315, stored: 20_514, share: 0.1128, limit: 0.05),
                    HoldLimit(
                        entity: "enrollments", change: "removed", count: 14_800, stored: 105_990, share: 0.1396,
                        limit: 0.1),
                ],
                expiresAt: "2024-09-10T02:01:31Z"),
            samples: [
                ChangeSample(entity: "users", change: "removed", sourcedIds: ["u-8812", "u-8813", "u-9020"]),
                ChangeSample(entity: "users", change: "created", sourcedIds: ["u-18300", "u-18301"]),
                ChangeSample(entity: "classes", change: "updated", sourcedIds: ["c-2024-001", "c-2024-014"]),
                ChangeSample(entity: "enrollments", change: "removed", sourcedIds: ["e-40001", "e-40002", "e-40003"]),
            ],
            history: (Int64(33)...42).map { run in
                let index = Int(run - 33)
                let held = run == 42
                return HistoryPoint(
                    run: run, startedAt: held ? "2024-09-03T02:00:04Z" : "2024-08-\(20 + index)T02:00:0\(index)Z",
                    status: held ? "held" : (run == 37 ? "failed" : "committed"),
                    records: run == 37 ? 0 : 131_000 + index * 950 - (held ? 12_000 : 0),
                    errors: run == 37 ? 0 : 120 + index * 19, warnings: run == 37 ? 0 : 700 + index * 35)
            })
    }

    /// Builds the first committed run of a district: no findings, no changes known, one history point.
    static func cleanFirstRun() -> RunReport {
        RunReport(
            district: "oak-valley", run: 1, kind: "sync", status: "committed", startedAt: "2024-09-01T06:00:00Z",
            endedAt: "2024-09-01T06:00:12Z", seconds: 12.25,
            counts: ["orgs": EntityTotals(accepted: 3), "users": EntityTotals(accepted: 250)],
            history: [
                HistoryPoint(
                    run: 1, startedAt: "2024-09-01T06:00:00Z", status: "committed", records: 253, errors: 0, warnings: 0
                )
            ])
    }

    /// The hostile-looking text every data field of `hostile()` carries, with a distinct suffix per field.
    static let hostileText = "<script>alert(\"x\")</script> & 'quoted'"

    /// Returns a report in which every string the page shows contains markup, quotes and ampersands.
    static func hostile() -> RunReport {
        func text(_ field: String) -> String { hostileText + " " + field }
        return RunReport(
            district: text("district"), districtName: text("districtName"), run: 7, kind: text("kind"),
            status: text("status"), startedAt: text("startedAt"), endedAt: text("endedAt"), seconds: 1,
            error: text("error"),
            counts: [text("countsEntity"): EntityTotals(accepted: 1, rejected: 1)],
            changes: [text("countsEntity"): ChangeTotals(created: 1)],
            totals: SeverityTotals(errors: 1),
            rules: [
                RuleSummary(
                    rule: text("rule"), severity: text("severity"), count: 1, files: [text("ruleFile")],
                    examples: [
                        Example(
                            file: text("exampleFile"), row: 2, field: text("exampleField"), value: text("exampleValue"),
                            sourcedId: text("exampleSourcedId"), message: text("exampleMessage"))
                    ])
            ],
            files: [FileSummary(file: text("fileSummary"), errors: 1)],
            hold: HoldSummary(
                reason: text("holdReason"),
                limits: [
                    HoldLimit(
                        entity: text("limitEntity"), change: text("limitChange"), count: 1, stored: 2, share: 0.5,
                        limit: 0.1)
                ],
                expiresAt: text("expiresAt")),
            samples: [
                ChangeSample(entity: text("sampleEntity"), change: text("sampleChange"), sourcedIds: [text("sampleId")])
            ],
            history: [
                HistoryPoint(
                    run: 6, startedAt: text("historyStartedAt"), status: text("historyStatus"), records: 5, errors: 1,
                    warnings: 0),
                HistoryPoint(
                    run: 7, startedAt: text("historyStartedAt2"), status: text("historyStatus2"), records: 4, errors: 1,
                    warnings: 0),
            ])
    }

    /// The field names `hostile()` puts after the hostile text.
    static let hostileFields = [
        "district", "districtName", "kind", "status", "startedAt", "endedAt", "error", "countsEntity", "rule",
        "severity", "ruleFile", "exampleFile", "exampleField", "exampleValue", "exampleSourcedId", "exampleMessage",
        "fileSummary", "holdReason", "limitEntity", "limitChange", "expiresAt", "sampleEntity", "sampleChange",
        "sampleId", "historyStartedAt", "historyStatus", "historyStartedAt2", "historyStatus2",
    ]
}
