import Foundation
import HTTP
import OneRoster
import Store

/// The pages of one run (its facts, diff, decision buttons and report) and the approve and discard actions.
extension AdminPages {
    /// Sourced ids shown per entity and kind of change, as `rollbook diff` shows by default.
    static let diffSamples = 5

    func runPage(_ idText: String, session: AdminSession, notice: AdminLayout.Notice? = nil, status: Int = 200)
        -> HTTPResponse
    {
        guard let id = Self.runId(idText) else { return noSuchRun(idText, session: session) }
        let shown = notice ?? sessions.takeFlash(for: session.id)
        return withStore(session: session) { store in
            guard let run = try store.run(id) else { return noSuchRun(idText, session: session) }
            let diff = try RunDiff.load(run: run, store: store, samples: Self.diffSamples)
            let content = RunPageContent(run: run, diff: diff, session: session).html()
            return AdminResponse.page(
                AdminLayout.page(title: "Run \(run.id)", content: content, session: session, notice: shown),
                status: status)
        }
    }

    /// Renders the run's data-quality report as the page `rollbook report RUN --html` writes.
    func reportPage(_ idText: String, session: AdminSession) -> HTTPResponse {
        guard let id = Self.runId(idText) else { return noSuchRun(idText, session: session) }
        return withStore(session: session) { store in
            guard let run = try store.run(id) else { return noSuchRun(idText, session: session) }
            return AdminResponse.page(ReportPage.html(for: try RunReportBuilder.build(run: run, store: store)))
        }
    }

    /// Approves or discards a held or blocked run as `rollbook approve` and `discard` do, then redirects to the run.
    func decide(_ idText: String, approve: Bool, session: AdminSession) -> HTTPResponse {
        guard let id = Self.runId(idText) else { return noSuchRun(idText, session: session) }
        let config = control.config
        let outcome = decision { store in
            guard let district = try store.run(id)?.district else { return nil }
            // A held run past its district's deadline expires first, as the command line does, so it cannot be approved.
            if let policy = config.districts.first(where: { $0.id == district })?.safety {
                try store.expirePendingRuns(district: district, before: Date().addingTimeInterval(-policy.expiresAfter))
            }
            let (run, superseded) = try Application.recordDecision(run: id, approve: approve, store: store)
            control.logger.info(
                approve ? "admin approved a run" : "admin discarded a run",
                ["admin": session.name, "run.id": String(id), "district": run.district])
            guard approve else {
                return .success("Run \(id) of district \(run.district) is discarded; the snapshot is unchanged.")
            }
            var message = "Run \(id) of district \(run.district) is approved and published."
            if !superseded.isEmpty {
                message +=
                    " Superseded, because they compared with the replaced snapshot: run "
                    + superseded.map(String.init).joined(separator: ", ") + "."
            }
            // NOTE: the app views and their exports are refreshed while the request waits, as in `rollbook approve`.
            // A slow export delivery delays the redirect by as much.
            let apps = Application.refreshApps(of: run.district, config: config, store: store, logger: control.logger)
            for app in apps {
                message += " " + app.summary().replacingOccurrences(of: "\n", with: " ")
            }
            return apps.contains(where: \.failed) ? .error(message) : .success(message)
        }
        switch outcome {
        case .decided(let notice):
            sessions.setFlash(notice, for: session.id)
            return AdminResponse.redirect(to: "/admin/runs/\(id)")
        case .missing:
            return noSuchRun(idText, session: session)
        case .refused(let message):
            return runPage(idText, session: session, notice: .error(message), status: 409)
        case .failed(let message):
            return errorPage("Decision failed", message, status: 500, session: session)
        }
    }

    private func noSuchRun(_ idText: String, session: AdminSession) -> HTTPResponse {
        errorPage(
            "Run not found", "There is no run '\(idText)'; the dashboard lists the recent runs.", status: 404,
            session: session)
    }

    private enum DecisionOutcome {
        case decided(AdminLayout.Notice)
        case missing
        /// The store rejected the decision, such as for a run that is not held. The message gives the reason.
        case refused(String)
        case failed(String)
    }

    /// Opens the store and runs a decision. A nil result from `body` means that the run does not exist.
    private func decision(_ body: (SnapshotStore) throws -> AdminLayout.Notice?) -> DecisionOutcome {
        do {
            let store = try SnapshotStore(path: storePath)
            guard let notice = try body(store) else { return .missing }
            return .decided(notice)
        } catch let error as StoreError where error.code == "store.not_decidable" {
            return .refused(error.description)
        } catch {
            control.logger.error("admin decision failed", ["error": "\(error)"])
            return .failed("The decision failed: \(error)")
        }
    }

    private static func runId(_ text: String) -> Int64? {
        guard let id = Int64(text), id > 0 else { return nil }
        return id
    }
}
