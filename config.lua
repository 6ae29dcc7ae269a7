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

local demo_idp = env("ROLLBOOK_DEMO_IDP", false)

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
        -- Where the district's people sign in for single sign-on (docs/sso.md): Google Workspace, Microsoft
        -- Entra ID, ADFS, any OpenID provider, or LDAP / Active Directory. The demo provider of docs/sso.md is
        -- used when ROLLBOOK_DEMO_IDP names its address; a real district lists its own, for example
        --   { id = "google", type = "google", client_id = env("LAKEVIEW_GOOGLE_CLIENT_ID"),
        --     client_secret = env("LAKEVIEW_GOOGLE_CLIENT_SECRET"), hosted_domains = { "lakeviewusd.example" } },
        identity = demo_idp and {
            { id = "demo", type = "oidc", label = "Sign in with the demo provider", issuer = demo_idp,
              client_id = "rollbook-demo", client_secret = env("ROLLBOOK_DEMO_IDP_SECRET"), trust_email = true },
        } or {},
    },
}

-- `rollbook serve` listens here and serves the OneRoster REST API, the admin pages and /metrics (docs/service.md).
-- The admin pages need an account: put the output of `rollbook hash-secret` in ROLLBOOK_ADMIN_PASSWORD_HASH.
local admin_hash = env("ROLLBOOK_ADMIN_PASSWORD_HASH", false)
server = {
    listen = "127.0.0.1:8080",
    admins = admin_hash and { { name = "admin", password_hash = admin_hash } } or {},
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
        -- Clients of the app's OneRoster REST API. The demo client's secret is "codeyard-demo-secret"; give a
        -- real client a random secret and put only its hash (`rollbook hash-secret`) here.
        api = {
            clients = {
                {
                    id = "codeyard-demo",
                    secret_hash = "pbkdf2-sha256$600000$DISmS3ib6Be99Ca3GHHNkw$z8ZTQil1teuh5knv9D0BzD2ZoXqCPxh1z/HlOY/STN4",
                    scopes = { "roster-core.readonly" },
                },
            },
        },
        -- Codeyard's sign-in with OpenID Connect (docs/sso.md). This demo client is public: it has no secret and
        -- must use PKCE. A web app with a back end gets a secret_hash made by `rollbook hash-secret`.
        sso = {
            clients = {
                {
                    id = "codeyard-web",
                    redirect_uris = { "http://127.0.0.1:8090/callback" },
                    scopes = { "openid", "profile", "email", "roster" },
                    launch_url = "http://127.0.0.1:8090/login",
                },
            },
        },
    },
}
