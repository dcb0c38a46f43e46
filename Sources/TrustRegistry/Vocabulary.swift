/// The controlled vocabularies registry scopes use, and the normalisation TRQP queries get.
///
/// Scope values are compared as exact strings, so pick one spelling: the EU Publications Office `http://` URIs below.
public enum RegistryVocabulary {
    /// European Qualifications Framework levels (ELM vocabulary): `http://data.europa.eu/snb/eqf/1` … `/8`.
    public static let eqfPrefix = "http://data.europa.eu/snb/eqf/"
    /// ISCED-F 2013 fields of education and training (ELM vocabulary): `http://data.europa.eu/snb/isced-f/0613`.
    public static let iscedFPrefix = "http://data.europa.eu/snb/isced-f/"
    /// The EU country authority table: `http://publications.europa.eu/resource/authority/country/ESP`.
    public static let countryPrefix = "http://publications.europa.eu/resource/authority/country/"
    /// The EU administrative-territorial-unit table EBSI uses for `limitJurisdiction`.
    public static let atuPrefix = "http://publications.europa.eu/resource/authority/atu/"

    /// The URI of an EQF level.
    /// - Parameter level: 1 to 8.
    /// - Returns: `http://data.europa.eu/snb/eqf/<level>`.
    public static func eqfLevel(_ level: Int) -> String { eqfPrefix + String(level) }

    /// The URI of an ISCED-F code.
    /// - Parameter code: A broad (2-digit), narrow (3-digit) or detailed (4-digit) field code, e.g. `0613`.
    /// - Returns: `http://data.europa.eu/snb/isced-f/<code>`.
    public static func iscedF(_ code: String) -> String { iscedFPrefix + code }

    /// The URI of a country in the EU country authority table.
    /// - Parameter code: The ISO 3166-1 alpha-3 code, e.g. `ESP`.
    /// - Returns: `http://publications.europa.eu/resource/authority/country/<code>`.
    public static func country(_ code: String) -> String { countryPrefix + code }

    /// Whether `uri` is an EQF level URI (levels 1 to 8).
    static func isEQFLevel(_ uri: String) -> Bool {
        guard uri.hasPrefix(eqfPrefix) else { return false }
        let level = uri.dropFirst(eqfPrefix.count)
        return level.count == 1 && ("1"..."8").contains(level)
    }

    /// The code of an ISCED-F URI (2 to 4 digits), or `nil`.
    static func iscedFCode(_ uri: String) -> Substring? {
        guard uri.hasPrefix(iscedFPrefix) else { return nil }
        let code = uri.dropFirst(iscedFPrefix.count)
        guard (2...4).contains(code.count), code.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return code
    }

    /// Normalises a TRQP `eqfLevel` context value: a bare level `6` becomes the EQF URI; anything else is kept.
    static func normalisedEQFLevel(_ value: String) -> String {
        value.count == 1 && ("1"..."8").contains(value) ? eqfLevel(Int(value) ?? 0) : value
    }

    /// Normalises a TRQP `jurisdiction` context value: a bare ISO alpha-3 code `ESP` becomes the country URI.
    static func normalisedJurisdiction(_ value: String) -> String {
        value.count == 3 && value.allSatisfy({ $0.isASCII && $0.isUppercase }) ? country(value) : value
    }

    /// Normalises a TRQP `iscedF` context value: a bare code `0613` becomes the ISCED-F URI.
    static func normalisedISCEDF(_ value: String) -> String {
        (2...4).contains(value.count) && value.allSatisfy({ $0.isASCII && $0.isNumber }) ? iscedF(value) : value
    }

    /// Whether `text` is an absolute URI: a scheme (`ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`), a colon, then at
    /// least one character, with no whitespace or control characters anywhere.
    static func isAbsoluteURI(_ text: String) -> Bool {
        guard text.utf8.count <= 2048, let colon = text.firstIndex(of: ":"), colon != text.startIndex else { return false }
        let scheme = text[..<colon]
        guard let first = scheme.first, first.isASCII, first.isLetter,
            scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == ".") })
        else { return false }
        let rest = text[text.index(after: colon)...]
        return !rest.isEmpty && !text.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F })
    }

    /// Whether `text` is an `https` URL (or `http` for `localhost`, for development).
    static func isWebURL(_ text: String) -> Bool {
        guard isAbsoluteURI(text) else { return false }
        let lowered = text.lowercased()
        return lowered.hasPrefix("https://") && lowered.count > "https://".count
            || lowered.hasPrefix("http://localhost") || lowered.hasPrefix("http://127.0.0.1")
    }
}
