/// Validation helpers shared by the JSON models.
enum ModelValidation {
    /// Runs a decoding body and turns any error other than ``StatusListError`` (missing key, wrong JSON type, a
    /// number that is not an `Int`...) into ``StatusListError/Code/malformedValue``, so verifiers get one error
    /// vocabulary.
    static func decoding<T>(_ what: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as StatusListError {
            throw error
        } catch let error as DecodingError {
            throw StatusListError(.malformedValue, "\(what): \(describe(error))")
        } catch {
            // JSONDecoder reports some number problems (1.5 or 1e30 for an Int) with an internal error type.
            throw StatusListError(.malformedValue, "\(what): invalid value (\(error))")
        }
    }

    /// Whether `text` is an absolute URI in the sense of RFC 3986: a scheme, ":" and no whitespace or controls.
    ///
    /// This is a syntax screen, not a full RFC 3986 parser: it rejects relative references, empty strings and text
    /// with spaces or control characters, which is what matters for identifiers and fetch locations.
    static func isAbsoluteURI(_ text: String) -> Bool {
        let utf8 = Array(text.utf8)
        guard let colon = utf8.firstIndex(of: UInt8(ascii: ":")), colon > 0, colon < utf8.count - 1 else {
            return false
        }
        let scheme = utf8[..<colon]
        guard let first = scheme.first, isASCIILetter(first) else { return false }
        for character in scheme.dropFirst() {
            let allowed =
                isASCIILetter(character) || isASCIIDigit(character) || character == UInt8(ascii: "+")
                || character == UInt8(ascii: "-") || character == UInt8(ascii: ".")
            guard allowed else { return false }
        }
        // Non-ASCII (IRI) characters are tolerated; spaces, controls and DEL are not.
        return !utf8.contains { $0 <= 0x20 || $0 == 0x7F }
    }

    /// Throws ``StatusListError/Code/malformedValue`` unless `text` is an absolute URI.
    static func requireAbsoluteURI(_ text: String, _ what: String) throws {
        guard isAbsoluteURI(text) else {
            throw StatusListError(.malformedValue, "\(what) must be an absolute URI, got \"\(text.prefix(200))\"")
        }
    }

    static func isASCIILetter(_ character: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(character) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(character)
    }

    static func isASCIIDigit(_ character: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(character)
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            return "missing member \"\(key.stringValue)\"\(path(context.codingPath))"
        case .typeMismatch(let type, let context):
            return "wrong JSON type at \(path(context.codingPath, root: true)), expected \(type)"
        case .valueNotFound(let type, let context):
            return "null at \(path(context.codingPath, root: true)), expected \(type)"
        case .dataCorrupted(let context):
            return "invalid data at \(path(context.codingPath, root: true)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    private static func path(_ codingPath: [any CodingKey], root: Bool = false) -> String {
        let joined = codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        if root { return joined.isEmpty ? "the top level" : joined }
        return joined.isEmpty ? "" : " in \(joined)"
    }
}
