extension ReportPage {
    /// Runs the history chart plots at most, the latest ones.
    static let maxHistoryPoints = 30

    /// Renders the history panel: an SVG chart of records and problems per run, and the same data as a table.
    static func history(_ report: RunReport) -> String {
        var html = "<section class=\"panel\" aria-labelledby=\"history-title\">\n"
        html += "<h2 id=\"history-title\">History</h2>\n"
        let points = Array(report.history.sorted { $0.run < $1.run }.suffix(maxHistoryPoints))
        guard !points.isEmpty else {
            html += "<p class=\"empty\">No runs are recorded for this district yet.</p>\n</section>\n"
            return html
        }
        if points.count == 1 && points[0].run == report.run {
            html += "<p class=\"note\">This is the district\u{2019}s first recorded run.</p>\n"
        }
        html += "<figure class=\"chart\">\n\(HistoryChart(points: points, current: report.run).svg())</figure>\n"
        html += historyTable(points, current: report.run)
        html += "</section>\n"
        return html
    }

    /// Renders the chart's data as a table inside a closed `<details>`, the chart's full text alternative.
    static func historyTable(_ points: [HistoryPoint], current: Int64) -> String {
        var html = "<details><summary>History as a table</summary>\n<div class=\"scroll\"><table>\n"
        html += "<caption class=\"hidden\">Records and findings of the district\u{2019}s last runs</caption>\n"
        html += "<thead><tr><th scope=\"col\">Run</th><th scope=\"col\">Started</th><th scope=\"col\">Status</th>"
        html += "<th scope=\"col\" class=\"num\">Records</th><th scope=\"col\" class=\"num\">Errors</th>"
        html += "<th scope=\"col\" class=\"num\">Warnings</th></tr></thead>\n<tbody>\n"
        for point in points.reversed() {
            let marker = point.run == current ? " (this run)" : ""
            html += "<tr><th scope=\"row\">\(point.run)\(marker)</th><td>\(HTMLText.escape(point.startedAt))</td>"
            html += "<td>\(HTMLText.escape(point.status))</td><td class=\"num\">\(HTMLText.number(point.records))</td>"
            html += countCell(point.errors, severity: "error") + countCell(point.warnings, severity: "warning")
            html += "</tr>\n"
        }
        html += "</tbody></table></div></details>\n"
        return html
    }
}

/// The SVG history chart: records as bars on the left axis, problems (errors plus warnings) as a line on the right.
struct HistoryChart {
    let points: [HistoryPoint]
    let current: Int64

    private let width = 640.0
    private let height = 280.0
    private let left = 60.0
    private let right = 52.0
    private let top = 40.0
    private let bottom = 46.0
    private let ticks = 4

    private var plotWidth: Double { width - left - right }
    private var plotHeight: Double { height - top - bottom }

    func svg() -> String {
        let recordsStep = Self.step(for: points.map(\.records).max() ?? 0, ticks: ticks)
        let problemsStep = Self.step(for: points.map(problems).max() ?? 0, ticks: ticks)
        let recordsMax = Double(recordsStep * ticks)
        let problemsMax = Double(problemsStep * ticks)

        var svg = "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" "
        svg += "aria-labelledby=\"history-chart-title history-chart-desc\">\n"
        svg += "<title id=\"history-chart-title\">Records and problems of the last \(points.count) "
        svg += "\(points.count == 1 ? "run" : "runs")</title>\n"
        svg += "<desc id=\"history-chart-desc\">\(HTMLText.escape(summary()))</desc>\n"
        svg += legend()
        svg += grid(recordsStep: recordsStep, problemsStep: problemsStep)
        svg += bars(recordsMax: recordsMax)
        svg += line(problemsMax: problemsMax)
        svg += xLabels()
        svg += "</svg>\n"
        return svg
    }

    private func problems(_ point: HistoryPoint) -> Int { point.errors + point.warnings }

    /// Writes one sentence that states what the chart shows, for readers who cannot see it.
    private func summary() -> String {
        guard let first = points.first, let last = points.last else { return "" }
        let describe = { (point: HistoryPoint) -> String in
            "run \(point.run) (\(HTMLText.number(point.records)) records, \(HTMLText.number(self.problems(point))) "
                + "problems, \(point.status))"
        }
        if points.count == 1 { return "One run: " + describe(first) + "." }
        return "From " + describe(first) + " to " + describe(last) + ". The table below lists every run."
    }

    /// Center of the slot of the point at `index`.
    private func x(_ index: Int) -> Double {
        left + plotWidth * (Double(index) + 0.5) / Double(points.count)
    }

    private func y(_ value: Int, max: Double) -> Double {
        guard max > 0 else { return top + plotHeight }
        return top + plotHeight * (1 - Double(value) / max)
    }

    private func legend() -> String {
        var svg = "<g class=\"legend\">\n"
        svg += "<rect x=\"\(Int(left))\" y=\"10\" width=\"12\" height=\"12\" class=\"bar\"/>"
        svg += "<text x=\"\(Int(left) + 17)\" y=\"20\">Records</text>\n"
        svg += "<rect x=\"\(Int(left) + 90)\" y=\"10\" width=\"12\" height=\"12\" class=\"bar other\"/>"
        svg += "<text x=\"\(Int(left) + 107)\" y=\"20\">Not committed</text>\n"
        svg += "<line x1=\"\(Int(left) + 220)\" y1=\"16\" x2=\"\(Int(left) + 240)\" y2=\"16\" class=\"problems\"/>"
        svg += "<circle cx=\"\(Int(left) + 230)\" cy=\"16\" r=\"3.5\" class=\"point\"/>"
        svg += "<text x=\"\(Int(left) + 246)\" y=\"20\">Problems (errors + warnings)</text>\n"
        svg += "</g>\n"
        return svg
    }

    private func grid(recordsStep: Int, problemsStep: Int) -> String {
        var svg = "<g class=\"axis\">\n"
        for tick in 0...ticks {
            let lineY = HTMLText.coordinate(top + plotHeight * (1 - Double(tick) / Double(ticks)))
            let style = tick == 0 ? "baseline" : "gridline"
            svg += "<line x1=\"\(Int(left))\" y1=\"\(lineY)\" x2=\"\(Int(width - right))\" y2=\"\(lineY)\" "
            svg += "class=\"\(style)\"/>"
            svg += "<text x=\"\(Int(left) - 6)\" y=\"\(lineY)\" dy=\"4\" text-anchor=\"end\">"
            svg += "\(Self.compact(recordsStep * tick))</text>"
            svg += "<text x=\"\(Int(width - right) + 6)\" y=\"\(lineY)\" dy=\"4\">\(Self.compact(problemsStep * tick))"
            svg += "</text>\n"
        }
        let middle = HTMLText.coordinate(top + plotHeight / 2)
        svg += "<text class=\"axis-title\" transform=\"translate(14 \(middle)) rotate(-90)\" text-anchor=\"middle\">"
        svg += "Records</text>\n"
        svg += "<text class=\"axis-title\" transform=\"translate(\(Int(width) - 10) \(middle)) rotate(90)\" "
        svg += "text-anchor=\"middle\">Problems</text>\n"
        svg += "<text class=\"axis-title\" x=\"\(HTMLText.coordinate(left + plotWidth / 2))\" "
        svg += "y=\"\(Int(height) - 6)\" text-anchor=\"middle\">Run</text>\n"
        svg += "</g>\n"
        return svg
    }

    private func bars(recordsMax: Double) -> String {
        let slot = plotWidth / Double(points.count)
        let barWidth = min(slot * 0.6, 48)
        var svg = "<g class=\"bars\">\n"
        for (index, point) in points.enumerated() {
            // A run without records keeps a thin stub, so its bar still shows and carries its hover title.
            let barTop = min(y(point.records, max: recordsMax), top + plotHeight - 2)
            var style = point.status == "committed" ? "bar" : "bar other"
            if point.run == current { style += " current" }
            svg += "<rect x=\"\(HTMLText.coordinate(x(index) - barWidth / 2))\" y=\"\(HTMLText.coordinate(barTop))\" "
            svg += "width=\"\(HTMLText.coordinate(barWidth))\" "
            let barHeight = top + plotHeight - barTop
            svg += "height=\"\(HTMLText.coordinate(barHeight))\" class=\"\(style)\">"
            svg += "<title>\(HTMLText.escape(tooltip(point)))</title></rect>\n"
        }
        svg += "</g>\n"
        return svg
    }

    private func line(problemsMax: Double) -> String {
        let coordinates = points.enumerated().map { index, point in
            "\(HTMLText.coordinate(x(index))),\(HTMLText.coordinate(y(problems(point), max: problemsMax)))"
        }
        var svg = "<g class=\"series\">\n"
        if coordinates.count > 1 {
            svg += "<polyline points=\"\(coordinates.joined(separator: " "))\" class=\"problems\"/>\n"
        }
        for (index, point) in points.enumerated() {
            svg += "<circle cx=\"\(HTMLText.coordinate(x(index)))\" "
            svg += "cy=\"\(HTMLText.coordinate(y(problems(point), max: problemsMax)))\" r=\"4\" class=\"point\">"
            svg += "<title>\(HTMLText.escape(tooltip(point)))</title></circle>\n"
        }
        svg += "</g>\n"
        return svg
    }

    /// Run numbers under the bars, thinned so that at most about 12 are written; the current run is always named.
    private func xLabels() -> String {
        let every = max(1, (points.count + 11) / 12)
        var svg = "<g class=\"axis\">\n"
        for (index, point) in points.enumerated() {
            let isCurrent = point.run == current
            guard isCurrent || (points.count - 1 - index) % every == 0 else { continue }
            svg += "<text x=\"\(HTMLText.coordinate(x(index)))\" y=\"\(Int(top + plotHeight) + 16)\" "
            svg += "text-anchor=\"middle\"\(isCurrent ? " class=\"current\"" : "")>\(point.run)</text>\n"
        }
        svg += "</g>\n"
        return svg
    }

    private func tooltip(_ point: HistoryPoint) -> String {
        let marker = point.run == current ? " (this run)" : ""
        return "Run \(point.run)\(marker), \(point.startedAt), \(point.status): \(HTMLText.number(point.records)) "
            + "records, \(HTMLText.number(point.errors)) errors, \(HTMLText.number(point.warnings)) warnings"
    }

    /// Returns the axis step: 1, 2 or 5 times a power of ten, so that `ticks` steps reach at least `maximum`.
    static func step(for maximum: Int, ticks: Int) -> Int {
        guard maximum > 0, ticks > 0 else { return 1 }
        let raw = (maximum + ticks - 1) / ticks
        var power = 1
        while power <= Int.max / 10 && power * 10 <= raw { power *= 10 }
        for factor in [1, 2, 5, 10] where factor * power >= raw {
            return factor * power
        }
        return raw
    }

    /// Formats a short axis label such as `950`, `12k` or `1.5M`.
    static func compact(_ value: Int) -> String {
        switch value {
        case ..<1000: return String(value)
        case ..<1_000_000: return trimmed(Double(value) / 1000) + "k"
        default: return trimmed(Double(value) / 1_000_000) + "M"
        }
    }

    private static func trimmed(_ value: Double) -> String {
        let text = HTMLText.decimal(value, places: 1)
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }
}
