import Foundation

extension HTTPClient {
    /// Returns the delay in seconds from `now` that a `Retry-After` value requests, or nil when the value is invalid.
    ///
    /// RFC 9110 section 10.2.3 allows a number of seconds or an HTTP date, and section 5.6.7 requires recipients
    /// to accept the IMF-fixdate form and the obsolete RFC 850 and asctime forms. A date in the past gives 0.
    public static func retryAfterSeconds(_ value: String, now: Date) -> Double? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(text) { return seconds >= 0 && seconds.isFinite ? seconds : nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        for format in ["EEE, dd MMM yyyy HH:mm:ss 'GMT'", "EEEE, dd-MMM-yy HH:mm:ss 'GMT'", "EEE MMM d HH:mm:ss yyyy"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return max(0, date.timeIntervalSince(now)) }
        }
        return nil
    }
}
