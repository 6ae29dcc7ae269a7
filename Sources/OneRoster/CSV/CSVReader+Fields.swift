private let quote: UInt8 = 0x22

extension CSVReader {
    /// Turns the scanned `spans` into strings, checking the encoding first.
    func makeFields(into fields: inout [String]) throws(CSVError) {
        fields.removeAll(keepingCapacity: true)
        switch encoding {
        case .utf8:
            try checkRowUTF8()
            for span in spans {
                fields.append(span.hasDoubledQuotes ? unescapedUTF8(span) : utf8String(span.start, span.end))
            }
        case .windows1252:
            for span in spans {
                fields.append(try windows1252String(span))
            }
        }
    }

    /// Copies the scanned `spans` into `row` as UTF-8, checking the encoding first.
    func makeFields(into row: inout CSVRow) throws(CSVError) {
        row.removeAll()
        switch encoding {
        case .utf8:
            try checkRowUTF8()
            for span in spans {
                if span.hasDoubledQuotes {
                    let count = unescape(span)
                    row.append(UnsafeBufferPointer(start: scratch, count: count))
                } else {
                    row.append(UnsafeBufferPointer(start: buffer + span.start, count: span.end - span.start))
                }
            }
        case .windows1252:
            for span in spans {
                var field = try windows1252String(span)
                field.withUTF8 { row.append($0) }
            }
        }
    }

    private func checkRowUTF8() throws(CSVError) {
        // Delimiters are ASCII and never occur inside a multi-byte sequence, so checking the row checks every field.
        let rowStart = spans.first?.start ?? bufferStart
        let rowEnd = spans.last?.end ?? bufferStart
        if let bad = UTF8Validation.firstInvalidIndex(buffer + rowStart, count: rowEnd - rowStart) {
            throw invalidUTF8Error(at: rowStart + bad)
        }
    }

    /// Writes a quoted field's bytes to `scratch` with doubled quotes made single, and returns their count.
    private func unescape(_ span: FieldSpan) -> Int {
        reserveScratch(span.end - span.start)
        var count = 0
        var index = span.start
        while index < span.end {
            let byte = buffer[index]
            scratch[count] = byte
            count += 1
            // The scanner accepted only doubled quotes inside the field, so the next byte is the pair's second quote.
            index += byte == quote ? 2 : 1
        }
        return count
    }

    @inline(__always)
    private func utf8String(_ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeBufferPointer(start: buffer + start, count: end - start), as: UTF8.self)
    }

    /// Decodes a quoted field whose doubled quotes must become single ones.
    private func unescapedUTF8(_ span: FieldSpan) -> String {
        let count = unescape(span)
        return String(decoding: UnsafeBufferPointer(start: scratch, count: count), as: UTF8.self)
    }

    /// Transcodes a Windows-1252 field to a string, unescaping doubled quotes on the way.
    private func windows1252String(_ span: FieldSpan) throws(CSVError) -> String {
        if !span.hasDoubledQuotes && isASCII(span.start, span.end) {
            return utf8String(span.start, span.end)
        }
        // Each byte becomes at most three UTF-8 bytes (U+20AC and the other 0x80-0x9F scalars are below U+FFFF).
        reserveScratch((span.end - span.start) * 3)
        var count = 0
        var index = span.start
        while index < span.end {
            let byte = buffer[index]
            index += span.hasDoubledQuotes && byte == quote ? 2 : 1
            guard let scalar = Windows1252.scalar(of: byte) else {
                throw undefinedWindows1252Error(at: index - 1, byte: byte)
            }
            count += writeUTF8(scalar, to: scratch + count)
        }
        return String(decoding: UnsafeBufferPointer(start: scratch, count: count), as: UTF8.self)
    }

    @inline(__always)
    private func isASCII(_ start: Int, _ end: Int) -> Bool {
        var index = start
        while index + 8 <= end {
            let word = UnsafeRawPointer(buffer + index).loadUnaligned(as: UInt64.self)
            if word & 0x8080_8080_8080_8080 != 0 { return false }
            index += 8
        }
        while index < end {
            if buffer[index] >= 0x80 { return false }
            index += 1
        }
        return true
    }

    /// Writes a scalar below U+10000 as UTF-8 and returns the number of bytes written.
    @inline(__always)
    private func writeUTF8(_ scalar: UInt32, to output: UnsafeMutablePointer<UInt8>) -> Int {
        if scalar < 0x80 {
            output[0] = UInt8(scalar)
            return 1
        }
        if scalar < 0x800 {
            output[0] = UInt8(0xC0 | (scalar >> 6))
            output[1] = UInt8(0x80 | (scalar & 0x3F))
            return 2
        }
        output[0] = UInt8(0xE0 | (scalar >> 12))
        output[1] = UInt8(0x80 | ((scalar >> 6) & 0x3F))
        output[2] = UInt8(0x80 | (scalar & 0x3F))
        return 3
    }

    private func invalidUTF8Error(at index: Int) -> CSVError {
        let offset = bytesBeforeBuffer + index
        return CSVError(
            .invalidUTF8, file: fileName, row: rowNumber + 1, byteOffset: offset,
            message: "not valid UTF-8 (byte \(hexByte(buffer[index])) at byte offset \(offset)); "
                + "save the file as UTF-8, or set encoding = \"windows-1252\" for this source")
    }

    private func undefinedWindows1252Error(at index: Int, byte: UInt8) -> CSVError {
        let offset = bytesBeforeBuffer + index
        return CSVError(
            .invalidWindows1252, file: fileName, row: rowNumber + 1, byteOffset: offset,
            message: "not valid windows-1252 (byte \(hexByte(byte)) at byte offset \(offset) has no character "
                + "in that code page); check the encoding set for this source")
    }
}

/// Formats a byte as `0xE9`.
func hexByte(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return "0x" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0x0F)])
}
