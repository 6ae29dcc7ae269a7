import CLua
import OneRoster

extension LuaRuntime {
    /// Pushes a record as a table of field name to string, leaving out blank fields; extensions go in `metadata`.
    ///
    /// Stack: pushes one table.
    func pushRecord(_ record: Record) {
        let columns = Schema.columns(of: record.entity)
        withHostAllocation {
            lua_createtable(state, 0, Int32(columns.count))
            record.withValueBytes { values in
                for index in 0..<values.count {
                    guard let value = values[index], !value.isEmpty else { continue }
                    value.withMemoryRebound(to: CChar.self) { text in
                        _ = lua_pushlstring(state, text.baseAddress, text.count)
                    }
                    lua_setfield(state, -2, columns[index].name)
                }
            }
            if !record.extensions.isEmpty {
                lua_createtable(state, 0, Int32(record.extensions.count))
                for item in record.extensions {
                    pushString(item.value)
                    lua_setfield(state, -2, item.name)
                }
                lua_setfield(state, -2, "metadata")
            }
        }
    }

    /// Pushes an array of records.
    ///
    /// Stack: pushes one table.
    func pushRecords(_ records: [Record]) {
        withHostAllocation {
            _ = lua_checkstack(state, 4)
            lua_createtable(state, Int32(clamping: records.count), 0)
        }
        for (position, record) in records.enumerated() {
            pushRecord(record)
            lua_rawseti(state, -2, Int64(position + 1))
        }
    }
}
