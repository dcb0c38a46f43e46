import Foundation
import MultipartKit
import NIOCore

/// The fields of a form post to `/check`: `application/x-www-form-urlencoded` (the text area and the list form), or
/// `multipart/form-data` (the upload form, whose file input is the field `credential`). Multipart framing is parsed by
/// vapor/multipart-kit's ``MultipartKit/MultipartParser``; the body has already been bounded by
/// ``WebSecurity/maximumFormBytes``, so a part is never larger than that.
enum WebForm {
    /// At most this many fields are read, in either encoding (as ``WebSecurity/formFields(_:)``).
    static let maximumFields = 32

    /// The form's fields by name.
    /// - Throws: ``ServiceError`` (400) for a multipart body without a usable boundary or that does not parse, so
    ///   the page answers a 400 HTML page, never a 500. The error names what is wrong, never what was sent.
    static func fields(body: ByteBuffer, contentType: String?) throws -> [String: String] {
        guard let contentType, mediaType(contentType) == "multipart/form-data" else {
            return WebSecurity.formFields(Substring(String(decoding: body.readableBytesView, as: UTF8.self)))
        }
        guard let boundary = parameter("boundary", in: contentType), (1...70).contains(boundary.utf8.count) else {
            throw ServiceError(.badRequest, "a multipart/form-data body needs a boundary of 1 to 70 characters")
        }
        return try multipartFields(body, boundary: boundary)
    }

    /// The parts of a `multipart/form-data` body as fields: a part's `Content-Disposition` name, its body as UTF-8
    /// text. A name that comes twice keeps its last non-empty value (an empty file input after a filled one does not
    /// erase it).
    static func multipartFields(_ body: ByteBuffer, boundary: String) throws -> [String: String] {
        guard headerNamesAreASCII(Array(body.readableBytesView), boundary: boundary) else {
            throw ServiceError(.badRequest, "a part header name of the multipart/form-data body is not ASCII")
        }
        let parser = MultipartParser(boundary: boundary)
        var parts: [MultipartPart] = []
        var headers = HTTPHeaders()
        var content = ByteBuffer()
        var closed = false
        parser.onHeader = { name, value in headers.add(name: name, value: value) }
        parser.onBody = { chunk in content.writeBuffer(&chunk) }
        parser.onPartComplete = {
            parts.append(MultipartPart(headers: headers, body: content))
            headers = HTTPHeaders()
            content = ByteBuffer()
        }
        do {
            try parser.execute(body)
            // The parser reads past the closing delimiter without saying so; a body cut short (no `--BOUNDARY--`) is
            // refused rather than answered from the parts that happened to be complete.
            closed = body.readableBytesView.firstRange(of: Array("--\(boundary)--".utf8)) != nil
        } catch {
            throw ServiceError(.badRequest, "the multipart/form-data body does not parse")
        }
        guard closed, !parts.isEmpty else {
            throw ServiceError(.badRequest, "the multipart/form-data body is incomplete (no closing boundary)")
        }
        var fields: [String: String] = [:]
        for part in parts.prefix(maximumFields) {
            guard let name = part.name else { continue }
            let value = String(decoding: part.body.readableBytesView, as: UTF8.self)
            if value.isEmpty, fields[name]?.isEmpty == false { continue }
            fields[name] = value
        }
        return fields
    }

    /// Whether every part header name in `bytes` is ASCII. multipart-kit 4.7.1's parser looks each header-name byte up
    /// in a table of 128 entries, so a byte over 0x7F there traps and would bring the server down; such a body is
    /// refused before the parser sees it. Checked after every `--BOUNDARY` (wherever the parser could start a part's
    /// headers, and more): each line up to its `:`, from the line after the delimiter to the first empty line.
    static func headerNamesAreASCII(_ bytes: [UInt8], boundary: String) -> Bool {
        let delimiter = Array("--\(boundary)".utf8)
        let carriageReturn: UInt8 = 13
        let lineFeed: UInt8 = 10
        let colon: UInt8 = 58
        var start = bytes.startIndex
        while let found = bytes[start...].firstRange(of: delimiter) {
            // The rest of the delimiter's line, then one header line after another until an empty one.
            var position = bytes[found.upperBound...].firstIndex(of: lineFeed).map { $0 + 1 } ?? bytes.endIndex
            while position < bytes.endIndex {
                let lineEnd = bytes[position...].firstIndex(of: carriageReturn) ?? bytes.endIndex
                let line = bytes[position..<lineEnd].drop { $0 == lineFeed }
                if line.isEmpty { break }
                if line.prefix(while: { $0 != colon }).contains(where: { $0 > 0x7F }) { return false }
                position = lineEnd + 1
            }
            start = found.upperBound
        }
        return true
    }

    /// `multipart/form-data` of `multipart/form-data; boundary=x`, lower-cased.
    static func mediaType(_ contentType: String) -> String {
        contentType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
    }

    /// A parameter of a `Content-Type`, unquoted (`boundary="a b"` → `a b`).
    static func parameter(_ name: String, in contentType: String) -> String? {
        for item in contentType.split(separator: ";").dropFirst() {
            let pair = item.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == name else { continue }
            var value = pair[1].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            return value
        }
        return nil
    }
}
