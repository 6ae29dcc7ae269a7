import Foundation
import OneRoster
import Store

/// Runs an app's exports for a district and keeps the delivery log and the disclosure audit.
struct AppExporter {
    let config: Config
    let logger: Logger

    /// Runs every export of the app whose last delivery is older than the current view.
    func runExports(
        of app: AppConfig, district: String, store: SnapshotStore, only: String? = nil, forceBulk: Bool = false,
        force: Bool = false
    ) -> [DeliveryRecord] {
        // TODO: write packages and deliver them once the package writer and transports land.
        []
    }
}
