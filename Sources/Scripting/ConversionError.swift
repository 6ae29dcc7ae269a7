/// A Lua value that cannot become a `LuaValue`, with the path of keys that leads to it.
struct ConversionError: Error, CustomStringConvertible {
    /// Keys from the outermost table inward, each already formatted (`users`, `[3]`).
    var path: [String] = []
    let problem: String

    var description: String {
        guard !path.isEmpty else { return problem }
        var place = ""
        for component in path {
            if component.hasPrefix("[") || place.isEmpty {
                place += component
            } else {
                place += "." + component
            }
        }
        return "\(problem) at '\(place)'"
    }
}
