-- Rollbook configuration: the store, and the districts whose rosters it syncs.
-- Relative paths are resolved from the folder of this file.

store = "var/rollbook.sqlite"

-- A run that would remove more than this share of any entity's records is held for review
-- (`rollbook runs`, `rollbook approve RUN`, `rollbook discard RUN`); see docs/history.md.
safety = {
    removed = 0.10,
    expires = "7d",
}

-- Each sync writes its run's data-quality report here, as an HTML page and as JSON (docs/report.md).
reports_dir = "var/reports"

districts = {
    {
        id = "lakeview",
        name = "Lakeview Unified School District",
        connector = "oneroster_csv",
        settings = {
            path = "connectors/sis/fixtures/example-district",
        },
        -- Non-standard grade codes to convert while reading, for example { K = "KG" }.
        grade_map = {},
    },
}

-- Applications the districts share their rosters with. Each has a mapping script in connectors/apps that
-- decides what it sees (docs/apps.md), and exports that deliver its view.
apps = {
    {
        id = "codeyard",
        name = "Codeyard",
        districts = { "lakeview" },
        mapping = "codeyard",
        exports = {
            {
                name = "nightly",
                type = "csv",
                version = "1.1",
                mode = "delta",
                destination = { type = "folder", path = "var/exports/codeyard" },
            },
        },
    },
}
