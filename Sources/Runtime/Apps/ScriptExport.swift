import Foundation
import OneRoster
import Store

/// One run of a Lua export script.
struct ScriptExport {
    let exporter: AppExporter
    let export: ExportConfig
    let app: AppConfig
    let district: String
    let store: SnapshotStore
    let plan: AppExporter.Plan

    func run(force: Bool) throws -> DeliveryRecord? {
        // TODO: run connectors/exports scripts.
        nil
    }
}
