import Archive
import CLua
import OneRoster

/// An open `rollbook.csv.rows` iteration: the reader, its header and a reused row buffer.
final class RowIterator {
    let reader: CSVReader
    let header: [String]
    var fields: [String] = []
    /// The archive an entry is read from, kept open while the iteration runs.
    let archive: ZipArchive?

    init(reader: CSVReader, header: [String], archive: ZipArchive?) {
        self.reader = reader
        self.header = header
        self.archive = archive
    }
}

extension HostAPI {
    static let csvFunctions: [HostFunction] = [
        HostFunction(
            name: "csv.rows", scope: .rollbook,
            signature: "rollbook.csv.rows(path [, {encoding=, entry=}]) -> iterator | nil, err",
            summary:
                "Streams a CSV file (or the CSV `entry` of a zip at `path`) as rows keyed by header name, with the "
                + "row number (the header is row 1); a malformed row raises, and a header that repeats a column name "
                + "returns nil, err. Encodings: utf-8, windows-1252.",
            body: { call in try openRows(call) }),
        HostFunction(
            name: "csv.next", scope: .hidden, signature: "iterator() -> row, number",
            summary: "Returns the next row of a rollbook.csv.rows iteration.",
            body: { call in try nextRow(call) }),
        HostFunction(
            name: "csv.release", scope: .hidden, signature: "__gc(handle)",
            summary: "Closes a rollbook.csv.rows iteration that the script dropped.",
            body: { call in
                if let pointer = lua_touserdata(call.state, 1) {
                    call.runtime.iterators[pointer.load(as: Int.self)] = nil
                }
                return 0
            }),
    ]

    static let zipFunctions: [HostFunction] = [
        HostFunction(
            name: "zip.entries", scope: .rollbook,
            signature: "rollbook.zip.entries(path) -> {{name=, size=}, ...} | nil, err",
            summary:
                "Lists the files in a zip (folders left out), in the zip's order; read one with rollbook.csv.rows.",
            body: { call in
                let path = try call.string(1)
                let resolved: String
                switch try call.resolvePath(path) {
                case .success(let canonical): resolved = canonical
                case .failure(let failure): return call.failure(failure.description)
                }
                do {
                    let archive = try ZipArchive(path: resolved)
                    let files = archive.entries.filter { !$0.isDirectory }
                    return call.result(
                        .array(
                            files.map {
                                .object(["name": .string($0.name), "size": .integer(Int64(clamping: $0.size))])
                            }))
                } catch {
                    return call.failure("\(error)")
                }
            })
    ]

    private static let rowsOptions: Set<String> = ["encoding", "entry"]

    /// Stack: pushes the iterator function, or `nil, message`.
    private static func openRows(_ call: HostCall) throws -> Int32 {
        let iterator: RowIterator
        switch try openIterator(call, function: "rollbook.csv.rows") {
        case .success(let opened): iterator = opened
        case .failure(let failure): return call.failure(failure.description)
        }
        let runtime = call.runtime
        let handle = runtime.nextIteratorHandle
        runtime.nextIteratorHandle += 1
        runtime.iterators[handle] = iterator

        let state = call.state
        guard let storage = lua_newuserdatauv(state, MemoryLayout<Int>.size, 0) else {
            runtime.iterators[handle] = nil
            throw LuaRaise("rollbook.csv.rows: out of memory")
        }
        storage.storeBytes(of: handle, as: Int.self)
        if luaL_newmetatable(state, "rollbook.csv.handle") != 0 {
            pushFunction(named: "csv.release", in: runtime)
            lua_setfield(state, -2, "__gc")
        }
        lua_setmetatable(state, -2)
        pushFunction(named: "csv.next", in: runtime, extra: 1)
        return 1
    }

    /// Reads the path and options at stack positions 1 and 2 and opens the file up to its header row.
    /// Caller mistakes raise a Lua error that names `function`. A missing or unreadable file gives a failure result.
    static func openIterator(_ call: HostCall, function: String) throws -> Result<RowIterator, RowsFailure> {
        let path = try call.string(1)
        var encoding = TextEncoding.utf8
        var entryName: String?
        if case .map(let options)? = try call.optionalTable(2) {
            for key in options.keys {
                guard case .string(let name) = key, rowsOptions.contains(name) else {
                    throw LuaRaise(
                        "\(function): unknown option '\(key.value.debugText)'; expected encoding or entry")
                }
            }
            if let given = options["encoding"] {
                guard case .string(let name) = given, let chosen = TextEncoding(name: name) else {
                    throw LuaRaise(
                        "\(function): encoding '\(given.debugText)' is not supported; use utf-8 or windows-1252")
                }
                encoding = chosen
            }
            if let given = options["entry"] {
                guard case .string(let name) = given else {
                    throw LuaRaise("\(function): option 'entry' must be the name of a file in the zip")
                }
                entryName = name
            }
        }
        let resolved: String
        switch try call.resolvePath(path) {
        case .success(let canonical): resolved = canonical
        case .failure(let failure): return .failure(RowsFailure(description: failure.description))
        }
        do {
            return .success(try openIterator(path: resolved, shownAs: path, entry: entryName, encoding: encoding))
        } catch let failure as RowsFailure {
            return .failure(failure)
        }
    }

    struct RowsFailure: Error, CustomStringConvertible {
        let description: String
    }

    /// Opens the file or zip entry and reads the header row.
    private static func openIterator(
        path: String, shownAs shown: String, entry: String?, encoding: TextEncoding
    ) throws -> RowIterator {
        var archive: ZipArchive?
        let source: any ByteSource
        let fileName: String
        do {
            if let entry {
                let opened = try ZipArchive(path: path)
                guard let found = opened.entries.first(where: { $0.name == entry }) else {
                    let names = opened.entries.filter { !$0.isDirectory }.map(\.name).prefix(10).joined(separator: ", ")
                    throw RowsFailure(description: "zip '\(shown)' has no entry '\(entry)'; it contains \(names)")
                }
                source = try opened.open(found)
                archive = opened
                fileName = entry
            } else {
                source = try FileByteSource(path: path)
                fileName = shown
            }
        } catch let failure as RowsFailure {
            throw failure
        } catch {
            throw RowsFailure(description: "\(error)")
        }
        let reader = CSVReader(source: source, fileName: fileName, encoding: encoding)
        do {
            guard let header = try reader.readRow() else {
                throw RowsFailure(description: "'\(fileName)' is empty; expected a header row")
            }
            if let duplicate = firstDuplicate(in: header) {
                throw RowsFailure(
                    description: "'\(fileName)': column '\(duplicate.name)' appears twice in the header (columns "
                        + "\(duplicate.first) and \(duplicate.second)); rename or remove one of them")
            }
            return RowIterator(reader: reader, header: header, archive: archive)
        } catch let error as CSVError {
            throw RowsFailure(description: error.description)
        }
    }

    /// Finds the first non-empty column name that the header repeats, with both 1-based positions.
    ///
    /// Rows are keyed by column name, so a repeated name would let one column hide the other.
    /// Empty names are left out because some exports pad the header with empty trailing cells.
    static func firstDuplicate(in header: [String]) -> (name: String, first: Int, second: Int)? {
        var positions: [String: Int] = [:]
        for (index, name) in header.enumerated() where !name.isEmpty {
            if let first = positions[name] { return (name, first + 1, index + 1) }
            positions[name] = index
        }
        return nil
    }

    /// Stack: upvalue 2 is the handle userdata; pushes `row, number`, or nothing at the end.
    private static func nextRow(_ call: HostCall) throws -> Int32 {
        let state = call.state
        guard let storage = lua_touserdata(state, rb_lua_upvalueindex(2)) else { return 0 }
        let handle = storage.load(as: Int.self)
        guard let iterator = call.runtime.iterators[handle] else { return 0 }
        let hasRow: Bool
        do {
            hasRow = try iterator.reader.readRow(into: &iterator.fields)
        } catch {
            call.runtime.iterators[handle] = nil
            throw LuaRaise(error.description)
        }
        guard hasRow else {
            call.runtime.iterators[handle] = nil
            return 0
        }
        let header = iterator.header
        let fields = iterator.fields
        guard fields.count <= header.count else {
            call.runtime.iterators[handle] = nil
            throw LuaRaise(
                "\(iterator.reader.fileName):\(iterator.reader.rowNumber): the row has \(fields.count) fields but the "
                    + "header has \(header.count)")
        }
        lua_createtable(state, 0, Int32(clamping: header.count))
        for (position, value) in fields.enumerated() {
            call.runtime.pushString(value)
            lua_setfield(state, -2, header[position])
        }
        lua_pushinteger(state, Int64(iterator.reader.rowNumber))
        return 2
    }
}
