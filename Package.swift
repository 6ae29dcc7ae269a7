// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Rollbook",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "rollbook", targets: ["rollbook"]),
        .plugin(name: "new-connector", targets: ["NewConnector"]),
        .plugin(name: "check-connectors", targets: ["CheckConnectors"]),
    ],
    targets: [
        .systemLibrary(name: "CLua", pkgConfig: "lua5.4", providers: [.apt(["liblua5.4-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CZip", pkgConfig: "libzip", providers: [.apt(["libzip-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CSSH", pkgConfig: "libssh", providers: [.apt(["libssh-dev"])]),
        .systemLibrary(name: "CLDAP", pkgConfig: "ldap", providers: [.apt(["libldap-dev"])]),
        .systemLibrary(
            name: "CMicroHTTPD", pkgConfig: "libmicrohttpd", providers: [.apt(["libmicrohttpd-dev"])]),

        .target(name: "OneRoster"),
        .target(name: "Archive", dependencies: ["CZip", "OneRoster"]),
        .target(
            name: "Validation", dependencies: ["OneRoster"],
            // The checker's tables are used from one thread; run-time exclusivity checks cost more than the
            // lookups they guard on the per-record path.
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]),
        .target(name: "LDAP", dependencies: ["CLDAP"]),
        .target(name: "Scripting", dependencies: ["CLua", "HTTP", "OneRoster", "Archive", "LDAP", "COpenSSL"]),
        .target(name: "Store", dependencies: ["CSQLite", "OneRoster"]),
        .target(name: "HTTP", dependencies: ["CMicroHTTPD", "CCurl"]),
        .target(name: "Export", dependencies: ["OneRoster", "Archive", "Store", "HTTP", "CCurl", "CZip", "CSSH"]),
        .target(name: "SSO", dependencies: ["HTTP", "Store", "COpenSSL", "LDAP"]),
        .target(
            name: "Runtime",
            dependencies: [
                "OneRoster", "Archive", "Validation", "Scripting", "Store", "Export", "HTTP", "SSO", "LDAP", "COpenSSL",
            ]
        ),
        .executableTarget(name: "rollbook", dependencies: ["Runtime"]),

        .testTarget(name: "OneRosterTests", dependencies: ["OneRoster"]),
        .testTarget(name: "ArchiveTests", dependencies: ["Archive", "OneRoster"]),
        .testTarget(name: "ValidationTests", dependencies: ["Validation", "OneRoster"]),
        .testTarget(name: "ScriptingTests", dependencies: ["Scripting", "OneRoster", "LDAP", "TestFixtures"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "OneRoster"]),
        .testTarget(name: "HTTPTests", dependencies: ["HTTP"]),
        .testTarget(
            name: "ExportTests", dependencies: ["Export", "Archive", "OneRoster", "Store", "HTTP", "TestFixtures"],
            exclude: ["Golden"]),
        // Servers the tests run on 127.0.0.1 (slapd, a pyop OpenID provider) and the process helpers they share.
        .target(
            name: "TestFixtures", path: "Tests/Fixtures",
            exclude: ["upstream_op.py", "relying_party.py", "devtools_pipe.py"]),
        .testTarget(name: "SSOTests", dependencies: ["SSO", "LDAP", "HTTP", "Store", "TestFixtures"]),
        .testTarget(
            name: "RuntimeTests", dependencies: ["Runtime", "Store", "OneRoster", "Validation", "Archive", "TestFixtures"]),

        // `swift package new-connector NAME` and `swift package check-connectors`.
        .plugin(
            name: "NewConnector",
            capability: .command(
                intent: .custom(
                    verb: "new-connector",
                    description: "Create connectors/sis/NAME.lua with a sample fixture and its expected counts"),
                permissions: [
                    .writeToPackageDirectory(
                        reason: "Writes the new connector script and its fixtures under connectors/sis, and its test suite")
                ])),
        .plugin(
            name: "CheckConnectors",
            capability: .command(
                intent: .custom(
                    verb: "check-connectors",
                    description: "Run each connector on its fixtures and compare the counts with expected.json"))),
    ],
    swiftLanguageModes: [.v6]
)
