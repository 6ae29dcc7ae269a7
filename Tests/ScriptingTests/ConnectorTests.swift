import Testing

@testable import Scripting

private let exampleConnector = """
    return {
        name = "example",
        version = "1.0.0",
        description = "Example SIS",
        settings = {
            base_url = { type = "string", required = true, description = "API root" },
            page_size = { type = "integer", default = 100 },
            ratio = { type = "number" },
            enabled = { type = "boolean", default = true },
            export_dir = { type = "path" },
            api_key = { type = "string", secret = true, required = true },
        },
        check = function(ctx)
            if ctx.settings.base_url == "down" then return nil, "server is down" end
            return true
        end,
        sync = function(ctx)
            ctx.emit("users", {
                sourcedId = "u1", givenName = "Ana", familyName = "Díaz", role = "student",
                grades = { "09" }, enabledUser = true, score = 3, weight = 3.0,
            })
            ctx.state.cursor = (ctx.state.cursor or 0) + 1
            ctx.state.seen = { "u1" }
            ctx.log.info("synced", { count = 1 })
            return nil
        end,
    }
    """

@Suite struct ConnectorTests {
    private func load(
        _ source: String = exampleConnector, configuration: LuaRuntime.Configuration = .init()
    ) throws -> (Connector, TemporaryDirectory) {
        let directory = try TemporaryDirectory()
        let path = try directory.write("connectors/sis/example.lua", source)
        let connector = try Connector.load(path: path, runtime: try LuaRuntime(configuration: configuration))
        return (connector, directory)
    }

    @Test func loadReadsDescription() throws {
        let (connector, _) = try load()
        #expect(connector.name == "example")
        #expect(connector.version == "1.0.0")
        #expect(connector.summary == "Example SIS")
        #expect(connector.schema.map(\.name) == ["api_key", "base_url", "enabled", "export_dir", "page_size", "ratio"])
    }

    @Test func missingSyncIsContractError() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(
            "bad.lua", "return { name = 'x', version = '1', description = 'd', settings = {}, check = function() end }")
        #expect {
            _ = try Connector.load(path: path, runtime: try LuaRuntime())
        } throws: { error in
            let error = error as? ScriptError
            return error?.codeName == "contract"
                && error?.description == "\(path): the connector table must have 'sync' (function); got nil"
        }
    }

    @Test func wrongReturnIsContractError() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("bad.lua", "return 42")
        #expect {
            _ = try Connector.load(path: path, runtime: try LuaRuntime())
        } throws: { error in
            (error as? ScriptError)?.message == "the script must return a table describing the connector; got number"
        }
    }

    @Test func badSchemaIsContractError() throws {
        let source = """
            return { name = 'x', version = '1', description = 'd',
                settings = { port = { type = "int", required = true } },
                check = function() end, sync = function() end }
            """
        #expect {
            _ = try load(source)
        } throws: { error in
            (error as? ScriptError)?.message
                == "setting 'port' has type 'int'; expected one of string, number, integer, boolean, path, table"
        }
    }

    @Test func settingsValidationMessages() throws {
        let (connector, _) = try load()
        let problems = connector.validateSettings([
            "bse_url": "https://x", "page_size": "abc", "ratio": 2, "colour": "red", "api_key": "k",
        ])
        #expect(
            problems == [
                "unknown setting 'bse_url'; did you mean 'base_url'?",
                "unknown setting 'colour'; known settings are api_key, base_url, enabled, export_dir, "
                    + "page_size, ratio",
                "missing required setting 'base_url' (string): API root",
                "setting 'page_size' is 'abc' (string); expected an integer",
            ])
    }

    @Test func settingsFillDefaultsAndHideSecrets() throws {
        let (connector, _) = try load()
        let problems = connector.validateSettings(["base_url": "https://sis", "api_key": "k-123", "page_size": 50.0])
        #expect(problems.isEmpty)
        #expect(connector.settings == ["base_url": "https://sis", "page_size": 50, "enabled": true])
    }

    @Test func secretFromConfigurationSatisfiesRequired() throws {
        let (connector, _) = try load(configuration: .init(secrets: ["api_key": "from-env"]))
        #expect(connector.validateSettings(["base_url": "https://sis"]).isEmpty)
    }

    @Test func secretTypeMismatchHidesValue() throws {
        let (connector, _) = try load()
        let problems = connector.validateSettings(["base_url": "u", "api_key": 12345])
        #expect(problems == ["setting 'api_key' is '(hidden)' (number); expected a string"])
    }

    @Test func emitReachesSinkWithExactValues() throws {
        let logger = RecordingLogger()
        let (connector, _) = try load(configuration: .init(logger: logger))
        connector.validateSettings(["base_url": "https://sis", "api_key": "k"])
        let sink = RecordingSink()
        _ = try connector.sync(context: ConnectorContext(sink: sink))
        #expect(sink.records.count == 1)
        #expect(sink.records.first?.kind == "users")
        let expected: LuaValue = .map([
            "sourcedId": "u1", "givenName": "Ana", "familyName": "Díaz", "role": "student",
            "grades": .array(["09"]), "enabledUser": true, "score": .integer(3), "weight": .number(3.0),
        ])
        #expect(sink.records.first?.record == expected)
        #expect(logger.lines.last?.message == "synced")
        #expect(logger.lines.last?.fields["count"] == "1")
    }

    @Test func stateRoundTrips() throws {
        let (connector, _) = try load()
        connector.validateSettings(["base_url": "https://sis", "api_key": "k"])
        let first = try connector.sync(context: ConnectorContext(sink: RecordingSink()))
        #expect(first == ["cursor": 1, "seen": .array(["u1"])])
        let second = try connector.sync(context: ConnectorContext(sink: RecordingSink(), state: first))
        #expect(second["cursor"] == 2)
    }

    @Test func sinkErrorNamesScriptLine() throws {
        let (connector, _) = try load()
        connector.validateSettings(["base_url": "https://sis", "api_key": "k"])
        let sink = RecordingSink()
        sink.rejectedKind = "users"
        #expect {
            _ = try connector.sync(context: ConnectorContext(sink: sink))
        } throws: { error in
            let error = error as? ScriptError
            return error?.line == 18
                && error?.message == "emit of 'users' failed: kind 'users' is not accepted here"
        }
    }

    @Test func checkPassesAndFails() throws {
        let (connector, _) = try load()
        connector.validateSettings(["base_url": "https://sis", "api_key": "k"])
        try connector.check(context: ConnectorContext(sink: RecordingSink()))
        connector.validateSettings(["base_url": "down", "api_key": "k"])
        #expect {
            try connector.check(context: ConnectorContext(sink: RecordingSink()))
        } throws: { error in
            (error as? ScriptError)?.description == "\(connector.path): check failed: server is down"
        }
    }

    @Test func invalidSettingsStopSync() throws {
        let (connector, _) = try load()
        #expect {
            _ = try connector.sync(context: ConnectorContext(sink: RecordingSink()))
        } throws: { error in
            (error as? ScriptError)?.codeName == "settings"
        }
    }

    @Test func emitRejectsWrongArguments() throws {
        let source = """
            return { name = 'x', version = '1', description = 'd', settings = {},
                check = function() end,
                sync = function(ctx)
                    ctx.emit("users", "not a table")
                end }
            """
        let (connector, _) = try load(source)
        #expect {
            _ = try connector.sync(context: ConnectorContext(sink: RecordingSink()))
        } throws: { error in
            let error = error as? ScriptError
            return error?.line == 4 && error?.message == "bad argument #2 to 'ctx.emit' (table expected, got string)"
        }
    }
}

@Suite struct SecretTests {
    private let source = """
        return { name = 'x', version = '1', description = 'd',
            settings = { token = { type = "string", secret = true }, other = { type = "string" } },
            check = function() end,
            sync = function(ctx)
                ctx.state.token = rollbook.secrets.get("token")
                ctx.state.visible = ctx.settings.token == nil
                ctx.state.missing = select(2, rollbook.secrets.get("token2"))
            end }
        """

    private var declaredOnly: String {
        source.replacingOccurrences(of: "ctx.state.missing = select(2, rollbook.secrets.get(\"token2\"))", with: "")
    }

    @Test func declaredSecretIsReadable() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("s.lua", declaredOnly)
        let runtime = try LuaRuntime(configuration: .init(secrets: ["token": "t-1", "token2": "t-2"]))
        let connector = try Connector.load(path: path, runtime: runtime)
        connector.validateSettings([:])
        let state = try connector.sync(context: ConnectorContext(sink: RecordingSink()))
        #expect(state["token"] == "t-1")
        #expect(state["visible"] == true)
    }

    @Test func undeclaredSecretRaises() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("s.lua", source)
        let runtime = try LuaRuntime(configuration: .init(secrets: ["token": "t-1", "token2": "t-2"]))
        let connector = try Connector.load(path: path, runtime: runtime)
        connector.validateSettings([:])
        #expect {
            _ = try connector.sync(context: ConnectorContext(sink: RecordingSink()))
        } throws: { error in
            let error = error as? ScriptError
            return error?.line == 7
                && error?.message
                    == "secret 'token2' is not declared; add it to the connector's settings with secret = true "
                    + "(declared secrets: 'token')"
        }
    }

    @Test func declaredSecretWithoutValueReturnsNil() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("s.lua", declaredOnly)
        let connector = try Connector.load(path: path, runtime: try LuaRuntime())
        connector.validateSettings([:])
        let state = try connector.sync(context: ConnectorContext(sink: RecordingSink()))
        #expect(state["token"] == nil)
    }
}
