import Foundation
import Signing
import TrustRegistry

/// How DEQAR's vocabulary maps onto the registry's: QF-EHEA cycles to EQF levels, report decisions to "accredits or
/// not", DEQAR's inclusive last days to the registry's exclusive period ends.
public enum DEQARMapping {
    /// The EQF level of a QF-EHEA cycle, as the Paris Communiqué (2018) aligns the frameworks: short cycle 5, first
    /// cycle 6, second cycle 7, third cycle 8. DEQAR names cycles in words (`first cycle`); its submission API also
    /// numbers them 0-3. Nil for anything else.
    public static func eqfLevel(forQFEHEA level: String) -> Int? {
        switch level.trimmingCharacters(in: .whitespaces).lowercased() {
        case "short cycle", "short-cycle", "0": 5
        case "first cycle", "1": 6
        case "second cycle", "2": 7
        case "third cycle", "3": 8
        default: nil
        }
    }

    /// What a report's `decision` means for accreditation.
    public enum Decision: Sendable, Hashable {
        /// `positive`: accredits.
        case positive
        /// `positive with conditions or restrictions`: accredits (the conditions are the agency's to follow up).
        case positiveWithConditions
        /// `negative`: does not accredit (and withdraws an accreditation the same report gave before).
        case negative
        /// `not applicable` (evaluations without a formal decision), or a decision DEQAR does not define: does not
        /// accredit.
        case other(String)

        /// Reads DEQAR's decision text; nil (no decision) is `other("none")`.
        public init(_ text: String?) {
            let normalised = (text ?? "").trimmingCharacters(in: .whitespaces).lowercased()
            if normalised == "positive" {
                self = .positive
            } else if normalised.hasPrefix("positive with conditions") {
                self = .positiveWithConditions
            } else if normalised == "negative" {
                self = .negative
            } else {
                self = .other(normalised.isEmpty ? "none" : normalised)
            }
        }

        /// Whether the report accredits its institutions.
        public var accredits: Bool {
            switch self {
            case .positive, .positiveWithConditions: true
            case .negative, .other: false
            }
        }

        /// DEQAR's word for it.
        public var text: String {
            switch self {
            case .positive: "positive"
            case .positiveWithConditions: "positive with conditions or restrictions"
            case .negative: "negative"
            case .other(let text): text
            }
        }
    }

    /// A DEQAR date (`2024-09-30`, or `2024-09-30T00:00:00Z` as its search results write it) as that day's midnight UTC.
    public static func day(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.utf8.count >= 10 else { return nil }
        let dayPart = String(trimmed.prefix(10))
        let rest = trimmed.dropFirst(10)
        guard rest.isEmpty || rest == "T00:00:00Z" || rest == "T00:00:00.000Z" || rest == "T00:00:00" else { return nil }
        return try? ScopeInput.date(dayPart, option: "")
    }

    /// The registry's exclusive end for DEQAR's inclusive last day: the next day's midnight UTC (a report "valid to
    /// 2024-09-30" is valid through that day).
    public static func exclusiveEnd(ofLastDay day: Date) -> Date {
        day.addingTimeInterval(86_400)
    }

    /// How long DEQAR counts a report without `valid_to` as valid: six years from `valid_from`, as its
    /// `valid_to_calculated` does.
    public static let defaultReportYears = 6

    /// The period a report covers, before the agency's registration bounds it: from `valid_from` to the day after
    /// `valid_to` (or `valid_to_calculated`), else six years after `valid_from`.
    public static func reportPeriod(validFrom: Date, validTo: Date?) -> (from: Date, until: Date) {
        if let validTo { return (validFrom, exclusiveEnd(ofLastDay: validTo)) }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let until = calendar.date(byAdding: .year, value: defaultReportYears, to: validFrom) ?? validFrom
        return (validFrom, until)
    }

    /// A QF-EHEA level as DEQAR writes it: a string, or a number in its submission API.
    static func levelName(_ value: JSONValue) -> String? {
        if let text = value.stringValue?.trimmingCharacters(in: .whitespaces), !text.isEmpty { return text.lowercased() }
        if let number = value.integerValue { return String(number) }
        return nil
    }

    /// An https website for the registry's entity: DEQAR's `website_link` (an `http://` link is listed as its
    /// `https://` form, since the registry lists only https websites), else `fallback`.
    public static func website(_ link: String?, fallback: String) -> String {
        guard let link, !link.isEmpty else { return fallback }
        if link.hasPrefix("https://") { return link }
        if link.hasPrefix("http://") { return "https://" + link.dropFirst("http://".count) }
        if !link.contains("://") { return "https://" + link }
        return fallback
    }
}
