import Foundation
import OneRoster
import Store

extension Application {
    /// Brings the views of every app that shares a district up to date, then runs their exports.
    static func refreshApps(of district: String, config: Config, store: SnapshotStore, logger: Logger)
        -> [AppSyncResult]
    {
        let materializer = AppMaterializer(config: config, logger: logger)
        var results: [AppSyncResult] = []
        for app in config.apps where app.districts.contains(district) {
            let view = materializer.refresh(app, district: district, store: store)
            var result = AppSyncResult(view: view)
            if view.error == nil {
                result.deliveries = AppExporter(config: config, logger: logger).runExports(
                    of: app, district: district, store: store)
            }
            results.append(result)
        }
        return results
    }
}
