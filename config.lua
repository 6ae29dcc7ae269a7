-- Rollbook configuration: the store, and the districts whose rosters it syncs.
-- Relative paths are resolved from the folder of this file.

store = "var/rollbook.sqlite"

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
