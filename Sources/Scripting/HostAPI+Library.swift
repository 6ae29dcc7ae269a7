import CLua
import Foundation

extension HostAPI {
    static let libraryFunctions: [HostFunction] = [
        HostFunction(
            name: "library", scope: .rollbook, signature: "rollbook.library(name) -> value",
            summary: "Runs `connectors/lib/NAME.lua`, code that several connectors share, and returns what it returns, "
                + "such as a table of functions; NAME is letters, digits and `_`.",
            body: { call in
                let name = try call.string(1)
                guard !name.isEmpty, name.utf8.count <= 64,
                    name.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F })
                else {
                    throw call.badArgument(1, expected: "a library name of lowercase letters, digits and '_'")
                }
                let runtime = call.runtime
                guard let folder = runtime.libraryFolder else {
                    throw LuaRaise("rollbook.library: no library folder; libraries load only from connector scripts")
                }
                let path = (folder as NSString).appendingPathComponent(name + ".lua")
                let caller = runtime.currentScript
                defer { runtime.currentScript = caller }
                var bytes = try runtime.readScript(path: path)
                try runtime.load(bytes: &bytes, name: path)
                try runtime.protectedCall(arguments: 0, results: 1)
                return 1
            })
    ]
}
