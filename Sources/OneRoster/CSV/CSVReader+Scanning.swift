#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

private let comma: UInt8 = 0x2C
private let quote: UInt8 = 0x22
private let lineFeed: UInt8 = 0x0A
private let carriageReturn: UInt8 = 0x0D

/// The outcome of scanning the buffer from `bufferStart`.
enum ScanResult {
    /// A whole row is in `spans`; the next row starts at `next`.
    case row(next: Int)
    /// The line is empty; the next row starts at `next`.
    case emptyLine(next: Int)
    /// The row runs past the buffered bytes; refill and scan it again from its start.
    case needMore
}

extension CSVReader {
    /// Finds the field boundaries of the row at `bufferStart` without creating strings.
    func scanRow() throws(CSVError) -> ScanResult {
        let bytes = buffer
        let end = bufferEnd
        var index = bufferStart
        spans.removeAll(keepingCapacity: true)

        let first = bytes[index]
        if first == lineFeed { return .emptyLine(next: index + 1) }
        if first == carriageReturn {
            guard let next = afterCarriageReturn(at: index) else { return .needMore }
            return .emptyLine(next: next)
        }

        while true {
            if index == end {
                // The row ended with a comma right at the end of the file: one more empty field.
                guard sourceEnded else { return .needMore }
                spans.append(FieldSpan(start: index, end: index, hasDoubledQuotes: false))
                return .row(next: index)
            }

            var stop: Int
            if bytes[index] == quote {
                let contentStart = index + 1
                var searchFrom = contentStart
                var hasDoubledQuotes = false
                while true {
                    guard searchFrom < end, let found = memchr(bytes + searchFrom, Int32(quote), end - searchFrom)
                    else {
                        guard sourceEnded else { return .needMore }
                        throw unterminatedQuoteError()
                    }
                    let closing = found.assumingMemoryBound(to: UInt8.self) - bytes
                    if closing + 1 == end {
                        guard sourceEnded else { return .needMore }
                        spans.append(FieldSpan(start: contentStart, end: closing, hasDoubledQuotes: hasDoubledQuotes))
                        return .row(next: end)
                    }
                    if bytes[closing + 1] == quote {
                        hasDoubledQuotes = true
                        searchFrom = closing + 2
                        continue
                    }
                    spans.append(FieldSpan(start: contentStart, end: closing, hasDoubledQuotes: hasDoubledQuotes))
                    stop = closing + 1
                    break
                }
                let following = bytes[stop]
                if following != comma && following != lineFeed && following != carriageReturn {
                    throw textAfterQuoteError(at: stop)
                }
            } else {
                stop = index
                while stop < end {
                    let byte = bytes[stop]
                    if byte == comma || byte == lineFeed || byte == carriageReturn { break }
                    stop += 1
                }
                if stop == end {
                    guard sourceEnded else { return .needMore }
                    spans.append(FieldSpan(start: index, end: end, hasDoubledQuotes: false))
                    return .row(next: end)
                }
                spans.append(FieldSpan(start: index, end: stop, hasDoubledQuotes: false))
            }

            switch bytes[stop] {
            case comma:
                index = stop + 1
            case lineFeed:
                return .row(next: stop + 1)
            default:
                guard let next = afterCarriageReturn(at: stop) else { return .needMore }
                return .row(next: next)
            }
        }
    }

    /// Returns where the line after the CR at `index` starts, or nil when a LF may still follow unread.
    private func afterCarriageReturn(at index: Int) -> Int? {
        if index + 1 < bufferEnd {
            return buffer[index + 1] == lineFeed ? index + 2 : index + 1
        }
        return sourceEnded ? index + 1 : nil
    }

    private func unterminatedQuoteError() -> CSVError {
        let field = spans.count + 1
        return CSVError(
            .unterminatedQuote, file: fileName, row: rowNumber + 1,
            message: "field \(field) opens a quote that is never closed before the end of the file; "
                + "close the quote, or double any quote inside the value (\"\")")
    }

    private func textAfterQuoteError(at index: Int) -> CSVError {
        let field = spans.count
        let character = buffer[index] < 0x80 ? "'\(Character(UnicodeScalar(buffer[index])))'" : "a non-ASCII byte"
        return CSVError(
            .textAfterQuote, file: fileName, row: rowNumber + 1, byteOffset: bytesBeforeBuffer + index,
            message: "field \(field) has \(character) after its closing quote; "
                + "a quote inside a quoted value must be doubled (\"\")")
    }
}
