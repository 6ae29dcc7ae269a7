import Foundation
import Scripting

/// Hands a finished package to its destination and reports the outcome for the delivery log.
enum Delivery {
    struct Outcome {
        var delivered: Bool
        /// Where the file landed, such as its path in the destination folder.
        var location: String?
        /// The attempts as JSON text, for the log.
        var attempts: String?
        var message: String?
    }

    static func deliver(
        file: String, name: String, destination: [String: LuaValue], config: Config, logger: Logger
    ) -> Outcome {
        let type = destination["type"]?.stringValue ?? ""
        switch type {
        case "folder":
            guard let path = destination["path"]?.stringValue, !path.isEmpty else {
                return Outcome(delivered: false, message: "the folder destination needs 'path'")
            }
            let folder = config.resolve(path)
            let target = (folder as NSString).appendingPathComponent(name)
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                let partial = target + ".partial"
                try? FileManager.default.removeItem(atPath: partial)
                try FileManager.default.copyItem(atPath: file, toPath: partial)
                if rename(partial, target) != 0 {
                    return Outcome(delivered: false, message: "cannot rename \(partial) to \(target): errno \(errno)")
                }
                return Outcome(delivered: true, location: target)
            } catch {
                return Outcome(delivered: false, message: "\(error)")
            }
        default:
            return Outcome(
                delivered: false, message: "unknown destination type '\(type)'; expected folder, sftp or https")
        }
    }
}
