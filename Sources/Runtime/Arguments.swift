import OneRoster

/// A parsed command line.
public enum Command: Equatable, Sendable {
    case sync(config: String?, district: String?, json: Bool, dryRun: Bool = false)
    case runs(config: String?, district: String?, json: Bool, limit: Int)
    case diff(run: Int64, config: String?, json: Bool, samples: Int)
    case decide(run: Int64, approve: Bool, config: String?, json: Bool)
    case report(run: Int64, config: String?, html: String?, json: Bool)
    case validate(path: String, json: Bool, version: String?, encoding: String?)
    case appPreview(app: String, config: String?, district: String?, limit: Int, json: Bool)
    case audit(app: String, config: String?, district: String?, limit: Int, json: Bool)
    case export(app: String, config: String?, district: String?, export: String?, bulk: Bool, json: Bool)
    case serve(config: String?)
    case links(LinkCommand)
    case connector(ConnectorCommand)
    case hashSecret
    case help(topic: String?)
    case version
}

/// A `rollbook links` command: the stored links from sign-in accounts to roster users.
public enum LinkCommand: Equatable, Sendable {
    case list(district: String, user: String?, provider: String?, config: String?, json: Bool)
    case add(district: String, provider: String, subject: String, user: String, config: String?, json: Bool)
    case remove(district: String, user: String, provider: String?, config: String?, json: Bool)
}

/// A `rollbook connector` command: checking a SIS connector script or running it on local files.
public enum ConnectorCommand: Equatable, Sendable {
    case check(name: String, district: String?, config: String?, json: Bool)
    case run(name: String, fixtures: String?, settings: String?, http: HTTPFixtureMode?, limit: Int, json: Bool)
}

/// The handling of the connector's HTTP requests besides sending them.
public enum HTTPFixtureMode: Equatable, Sendable {
    /// Send live and write each exchange into the folder (`--record DIR`).
    case record(String)
    /// Respond from the folder's recordings with no network (`--replay DIR`).
    case replay(String)
}

/// A command line that cannot be run, with a pointer to the usage.
///
/// The whole usage is a hundred lines, which would push the message itself off the screen.
public struct UsageError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message + "\nRun `rollbook help` to see every command and option." }
}

/// The help text.
public enum Usage {
    public static let text = """
        Usage:
          rollbook sync [--config FILE] [--district ID] [--json] [--dry-run]
              Run the configured connector for one district (or all) and store the snapshot.
              With --dry-run, show what would change and store nothing.
          rollbook runs [--config FILE] [--district ID] [--json] [--limit N]
              List runs, newest first, with their status, record counts and changes.
          rollbook diff RUN [--config FILE] [--json] [--samples N]
              Show what a run changes: counts per entity and kind of change, with samples.
          rollbook approve RUN [--config FILE] [--json]
              Publish a held or blocked run's staged changes.
          rollbook discard RUN [--config FILE] [--json]
              Drop a held or blocked run's staged changes; the snapshot stays as it is.
          rollbook report RUN [--config FILE] [--html FILE] [--json]
              The run's data-quality report: a summary, JSON, or one self-contained HTML page.
          rollbook validate PATH [--json] [--version 1.1|1.2] [--encoding utf-8|windows-1252]
              Read a OneRoster CSV package (folder or .zip) through the same connector and validator;
              store nothing.
          rollbook app preview APP [--config FILE] [--district ID] [--limit N] [--json]
              Map the current snapshot with the app's mapping as it is now, and show the mapped
              records and how the app's view would change; store nothing.
          rollbook audit APP [--config FILE] [--district ID] [--limit N] [--json]
              List what was disclosed to the app: per app run and delivery, the entities, fields
              and record counts, newest first.
          rollbook export APP [--config FILE] [--district ID] [--export NAME] [--bulk] [--json]
              Run the app's exports now: deliver what changed since each export's last delivery.
              --bulk sends the whole view, even when nothing changed.
          rollbook serve [--config FILE]
              Run as a service: the OneRoster REST API, the OpenID Connect provider with its sign-in
              pages and portal, the admin pages, /healthz, /readyz and /metrics, and each district's
              scheduled syncs. Logs are JSON lines on standard error.
              SIGHUP reloads config.lua; SIGTERM stops after requests in flight and the current
              step of a running sync.
          rollbook links list --district ID [--user SOURCEDID] [--provider ID] [--json] [--config FILE]
              List the district's stored sign-in links, newest first: provider, account namespace and
              subject, roster user, when each was created and last used.
          rollbook links add --district ID --provider ID --subject SUBJECT --user SOURCEDID [--json]
                             [--config FILE]
              Link an account of the district's identity provider to a live roster user, so that it signs
              in as that user. SUBJECT is the account's 'sub' (oidc, adfs, google), its object ID 'oid'
              (entra), or the entry's objectGUID in base64, else its DN (ldap).
          rollbook links remove --district ID --user SOURCEDID [--provider ID] [--json] [--config FILE]
              Remove the user's stored links, for one provider or for all, and print how many.
          rollbook connector check NAME [--district ID] [--config FILE] [--json]
              Load connectors/sis/NAME.lua and check its contract, then the settings of each district
              that uses it (or of --district) and its check(ctx). Without such a district, only the
              contract is checked.
          rollbook connector run NAME [--fixtures DIR] [--settings FILE] [--limit N] [--json]
                                 [--record DIR | --replay DIR]
              Run the connector's sync on fixtures, validate the records as validate does and print
              per entity the count and the first records; store nothing. A DIR recorded with
              --record is replayed with no network; any other DIR becomes the path setting. DIR's
              settings.lua, then --settings FILE, give the other settings.
              --record writes a live run's exchanges and settings to DIR without secrets;
              --replay answers its requests from such a DIR with no network.
          rollbook hash-secret
              Read a secret from standard input and print the hash to put in config.lua as an API
              client's secret_hash or an admin's password_hash.
          rollbook help | --help
          rollbook --version

        Options:
          --config FILE      Configuration file (default: $ROLLBOOK_CONFIG, or ./config.lua).
          --district ID      Sync only this district; for links, the district of the links.
          --user SOURCEDID   The roster user's sourcedId (links).
          --provider ID      The id of an identity provider in the district's `identity` list (links).
          --subject SUBJECT  The upstream account's identifier at that provider (links add).
          --json             Print one JSON object instead of text (sync: {"runs": [...]}).
          --dry-run          Compare with the snapshot and report, but store nothing at all.
          --limit N          Runs or entries to list (default 20); records per entity for app preview
                             and connector run (default 5).
          --export NAME      Run only the export with this name.
          --bulk             Send the whole view, even where the export sends deltas.
          --samples N        sourcedIds to show per entity and kind of change (default 5).
          --html FILE        Write the report as an HTML page to FILE.
          --fixtures DIR     The fixtures a connector run reads: a folder recorded with --record, or
                             the folder or file for its path setting (connector run).
          --settings FILE    A Lua file that returns (or sets) the connector's settings; they win over
                             DIR/settings.lua, and path is replaced by --fixtures (connector run).
          --record DIR       Write each HTTP exchange of the connector to DIR/http and each LDAP search
                             to DIR/ldap as one JSON file, and its settings to DIR/settings.lua, with
                             credentials and tokens left out; DIR must hold no recording (connector run).
          --replay DIR       Answer the connector's HTTP requests and LDAP searches from a recorded DIR
                             (or HTTP requests from a folder of exchanges); an unrecorded request
                             fails (connector run).
          --version 1.1|1.2  OneRoster version of a package without manifest.csv (a manifest's
                             oneroster.version wins when there is one).
          --encoding NAME    Text encoding of the CSV files: utf-8 (the default) or windows-1252.

        Environment: ROLLBOOK_CONFIG (configuration file), ROLLBOOK_LOG_LEVEL (debug, info,
        warning or error; the default is error), ROLLBOOK_CONNECTORS (connectors folder for
        validate).

        Exit status: 0 when every run stored (or validated) with no errors, 1 when records were
        rejected, 2 when a run could not happen (bad configuration or command line, unreadable input,
        a run that cannot be approved or discarded; for links, an unknown district, provider or user, or
        a clash with a stored link), 3 when a sync was held by a safety limit or
        blocked behind a held run, so nothing of it was published, 4 when the snapshot was stored
        but an app's view could not be built or an export was not delivered. When several apply,
        the first of 2, 3, 4, 1 is returned.
        """
}

extension Command {
    /// Parses the arguments after the program name.
    public static func parse(_ arguments: [String]) throws(UsageError) -> Command {
        // A bare `rollbook` is a command line without a command: usage on standard error, exit status 2.
        guard let verb = arguments.first else { return .help(topic: "") }
        if arguments.dropFirst().contains(where: { $0 == "--help" || $0 == "-h" }) { return .help(topic: verb) }
        var options = OptionReader(Array(arguments.dropFirst()))
        switch verb {
        case "sync":
            let config = try options.value("--config")
            let district = try options.value("--district")
            let json = options.flag("--json")
            let dryRun = options.flag("--dry-run")
            try options.finish(positionals: 0)
            return .sync(config: config, district: district, json: json, dryRun: dryRun)
        case "runs":
            let config = try options.value("--config")
            let district = try options.value("--district")
            let json = options.flag("--json")
            let limit = try options.count("--limit") ?? 20
            try options.finish(positionals: 0)
            return .runs(config: config, district: district, json: json, limit: limit)
        case "diff":
            let config = try options.value("--config")
            let json = options.flag("--json")
            let samples = try options.count("--samples") ?? 5
            let run = try Command.run(try options.finish(positionals: 1, name: "RUN")[0])
            return .diff(run: run, config: config, json: json, samples: samples)
        case "approve", "discard":
            let config = try options.value("--config")
            let json = options.flag("--json")
            let run = try Command.run(try options.finish(positionals: 1, name: "RUN")[0])
            return .decide(run: run, approve: verb == "approve", config: config, json: json)
        case "report":
            let config = try options.value("--config")
            let html = try options.value("--html")
            let json = options.flag("--json")
            let run = try Command.run(try options.finish(positionals: 1, name: "RUN")[0])
            return .report(run: run, config: config, html: html, json: json)
        case "validate":
            let json = options.flag("--json")
            let version = try options.value("--version")
            if let version, OneRosterVersion(manifestValue: version) == nil {
                throw UsageError(message: "Option --version is '\(version)'; expected 1.1 or 1.2.")
            }
            let encoding = try options.value("--encoding")
            if let encoding, TextEncoding(name: encoding) == nil {
                throw UsageError(message: "Option --encoding is '\(encoding)'; expected utf-8 or windows-1252.")
            }
            let positionals = try options.finish(positionals: 1)
            return .validate(path: positionals[0], json: json, version: version, encoding: encoding)
        case "app":
            guard arguments.count > 1, arguments[1] == "preview" else {
                throw UsageError(message: "Unknown app command; expected `rollbook app preview APP`.")
            }
            options = OptionReader(Array(arguments.dropFirst(2)))
            let config = try options.value("--config")
            let district = try options.value("--district")
            let limit = try options.count("--limit") ?? 5
            let json = options.flag("--json")
            let app = try options.finish(positionals: 1, name: "APP")[0]
            return .appPreview(app: app, config: config, district: district, limit: limit, json: json)
        case "audit":
            let config = try options.value("--config")
            let district = try options.value("--district")
            let limit = try options.count("--limit") ?? 20
            let json = options.flag("--json")
            let app = try options.finish(positionals: 1, name: "APP")[0]
            return .audit(app: app, config: config, district: district, limit: limit, json: json)
        case "export":
            let config = try options.value("--config")
            let district = try options.value("--district")
            let export = try options.value("--export")
            let bulk = options.flag("--bulk")
            let json = options.flag("--json")
            let app = try options.finish(positionals: 1, name: "APP")[0]
            return .export(app: app, config: config, district: district, export: export, bulk: bulk, json: json)
        case "serve":
            let config = try options.value("--config")
            try options.finish(positionals: 0)
            return .serve(config: config)
        case "links":
            return .links(try LinkCommand.parse(Array(arguments.dropFirst())))
        case "connector":
            return .connector(try ConnectorCommand.parse(Array(arguments.dropFirst())))
        case "hash-secret":
            try options.finish(positionals: 0)
            return .hashSecret
        case "help", "--help", "-h":
            return .help(topic: arguments.dropFirst().first)
        case "--version", "version":
            return .version
        default:
            throw UsageError(
                message:
                    "Unknown command '\(verb)'; expected sync, validate, runs, diff, approve, discard, report, app, "
                    + "audit, export, serve, links, connector, hash-secret or help.")
        }
    }

    private static func run(_ text: String) throws(UsageError) -> Int64 {
        guard let id = Int64(text), id > 0 else {
            throw UsageError(message: "RUN is '\(text)'; expected a run number, as `rollbook runs` lists them.")
        }
        return id
    }
}

extension LinkCommand {
    /// Parses the arguments after `links`: the subcommand and its options.
    static func parse(_ arguments: [String]) throws(UsageError) -> LinkCommand {
        guard let verb = arguments.first, ["list", "add", "remove"].contains(verb) else {
            let found = arguments.first.map { " '\($0)'" } ?? ""
            throw UsageError(
                message: "Unknown links command\(found); expected `rollbook links list`, `add` or `remove`.")
        }
        var options = OptionReader(Array(arguments.dropFirst()))
        let config = try options.value("--config")
        let json = options.flag("--json")
        let district = try options.required("--district", for: "links \(verb)")
        switch verb {
        case "list":
            let user = try options.value("--user")
            let provider = try options.value("--provider")
            try options.finish(positionals: 0)
            return .list(district: district, user: user, provider: provider, config: config, json: json)
        case "add":
            let provider = try options.required("--provider", for: "links add")
            let subject = try options.required("--subject", for: "links add")
            let user = try options.required("--user", for: "links add")
            try options.finish(positionals: 0)
            return .add(
                district: district, provider: provider, subject: subject, user: user, config: config, json: json)
        default:
            let user = try options.required("--user", for: "links remove")
            let provider = try options.value("--provider")
            try options.finish(positionals: 0)
            return .remove(district: district, user: user, provider: provider, config: config, json: json)
        }
    }
}

extension ConnectorCommand {
    /// Parses the arguments after `connector`: the subcommand, the connector name and the options.
    static func parse(_ arguments: [String]) throws(UsageError) -> ConnectorCommand {
        guard let verb = arguments.first, ["check", "run"].contains(verb) else {
            let found = arguments.first.map { " '\($0)'" } ?? ""
            throw UsageError(
                message: "Unknown connector command\(found); expected `rollbook connector check` or `run`.")
        }
        var options = OptionReader(Array(arguments.dropFirst()))
        let json = options.flag("--json")
        if verb == "check" {
            let config = try options.value("--config")
            let district = try options.value("--district")
            let name = try connectorName(try options.finish(positionals: 1, name: "NAME")[0])
            return .check(name: name, district: district, config: config, json: json)
        }
        let fixtures = try options.value("--fixtures")
        let settings = try options.value("--settings")
        let record = try options.value("--record")
        let replay = try options.value("--replay")
        let limit = try options.count("--limit") ?? 5
        let name = try connectorName(try options.finish(positionals: 1, name: "NAME")[0])
        guard fixtures != nil || settings != nil || replay != nil else {
            throw UsageError(
                message: "`rollbook connector run` needs --fixtures DIR (the files the connector reads), "
                    + "--settings FILE (its settings, such as an API's address), --replay DIR, or a combination.")
        }
        var http: HTTPFixtureMode?
        switch (record, replay) {
        case (let folder?, nil): http = .record(folder)
        case (nil, let folder?): http = .replay(folder)
        case (nil, nil): http = nil
        case (_?, _?):
            throw UsageError(
                message: "`rollbook connector run` takes --record DIR or --replay DIR, not both; record first, "
                    + "then replay the folder in a second run.")
        }
        return .run(name: name, fixtures: fixtures, settings: settings, http: http, limit: limit, json: json)
    }

    /// Returns `text` when it can name a script in connectors/sis, so that it never reaches outside that folder.
    private static func connectorName(_ text: String) throws(UsageError) -> String {
        let allowed = text.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
        }
        guard !text.isEmpty, allowed else {
            throw UsageError(
                message: "NAME is '\(text)'; expected the name of a script in connectors/sis without '.lua', "
                    + "such as oneroster_csv (letters, digits, '_' and '-').")
        }
        return text
    }
}

/// Takes options out of an argument list one by one, so that what is left can be checked.
private struct OptionReader {
    var arguments: [String]

    init(_ arguments: [String]) {
        self.arguments = arguments
    }

    mutating func flag(_ name: String) -> Bool {
        guard let index = arguments.firstIndex(of: name) else { return false }
        arguments.remove(at: index)
        return true
    }

    mutating func value(_ name: String) throws(UsageError) -> String? {
        if let index = arguments.firstIndex(where: { $0.hasPrefix(name + "=") }) {
            let value = String(arguments[index].dropFirst(name.count + 1))
            arguments.remove(at: index)
            return value
        }
        guard let index = arguments.firstIndex(of: name) else { return nil }
        guard index + 1 < arguments.count, !arguments[index + 1].hasPrefix("--") else {
            throw UsageError(message: "Option \(name) needs a value.")
        }
        let value = arguments[index + 1]
        arguments.removeSubrange(index...(index + 1))
        return value
    }

    /// Returns the non-empty value of an option that `command` cannot run without.
    mutating func required(_ name: String, for command: String) throws(UsageError) -> String {
        guard let value = try value(name) else {
            throw UsageError(message: "Option \(name) is missing; `rollbook \(command)` requires it.")
        }
        guard !value.isEmpty else { throw UsageError(message: "Option \(name) is empty; expected a value.") }
        return value
    }

    mutating func count(_ name: String) throws(UsageError) -> Int? {
        guard let text = try value(name) else { return nil }
        guard let number = Int(text), number > 0 else {
            throw UsageError(message: "Option \(name) is '\(text)'; expected a whole number of at least 1.")
        }
        return number
    }

    /// Checks that only `positionals` plain arguments are left and returns them.
    @discardableResult
    func finish(positionals: Int, name: String = "PATH") throws(UsageError) -> [String] {
        if let unknown = arguments.first(where: { $0.hasPrefix("-") }) {
            throw UsageError(message: "Unknown option '\(unknown)'.")
        }
        guard arguments.count == positionals else {
            if arguments.count < positionals { throw UsageError(message: "Missing argument: \(name).") }
            throw UsageError(message: "Unexpected argument '\(arguments[positionals])'.")
        }
        return arguments
    }
}
