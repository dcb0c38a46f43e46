import Foundation
import WireEncoding

/// Time as the registry records and publishes it: whole seconds, UTC, written `YYYY-MM-DDThh:mm:ssZ` (the lexical
/// form ETSI TS 119 602 clause 6.1.3 requires and TRQP's `Z`-only RFC 3339).
///
/// Every instant the registry stores is truncated to the second first, so hashes, signed payloads and comparisons
/// never depend on sub-second noise.
public enum RegistryTime {
    /// `date` truncated to the whole second (towards the past).
    /// - Parameter date: Any instant.
    /// - Returns: The instant at the start of its second.
    public static func truncated(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
    }

    /// The JWT NumericDate (seconds since the epoch) of `date`, truncated.
    /// - Parameter date: The instant (clamped to years 0000-9999).
    /// - Returns: Whole seconds since 1970-01-01T00:00:00Z.
    public static func numericDate(_ date: Date) -> Int {
        let seconds = date.timeIntervalSince1970
        guard seconds.isFinite else { return 0 }
        // Clamped to years 0000-9999 so no instant, however it was built, can trap the conversion.
        return Int(min(max(seconds, -62_167_219_200), 253_402_300_799).rounded(.down))
    }

    /// Formats `date` (truncated) as `YYYY-MM-DDThh:mm:ssZ`.
    /// - Parameter date: The instant; years outside 0000-9999 are clamped to that range.
    /// - Returns: The text.
    public static func format(_ date: Date) -> String {
        CivilTime(secondsSinceEpoch: numericDate(date)).rfc3339
    }

    /// Parses an RFC 3339 date-time: `YYYY-MM-DDThh:mm:ss`, optional fraction (dropped), then `Z` or `±hh:mm`.
    /// A lowercase `t`/`z` is accepted as RFC 3339 allows.
    /// - Parameter text: The text.
    /// - Returns: The instant, truncated to the second.
    /// - Throws: ``RegistryError/Code/malformed`` naming the text when it is not such a date-time or names an
    ///   impossible date.
    public static func parse(_ text: String) throws(RegistryError) -> Date {
        let bytes = Array(text.utf8)
        func fail() -> RegistryError {
            RegistryError(.malformed, "\"\(text.prefix(40))\" is not an RFC 3339 date-time (YYYY-MM-DDThh:mm:ssZ)")
        }
        guard bytes.count >= 20, bytes.count <= 40 else { throw fail() }
        func number(_ range: Range<Int>) throws(RegistryError) -> Int {
            var value = 0
            for index in range {
                let byte = bytes[index]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { throw fail() }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t"),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":")
        else { throw fail() }
        let year = try number(0..<4)
        let month = try number(5..<7)
        let day = try number(8..<10)
        let hour = try number(11..<13)
        let minute = try number(14..<16)
        let second = try number(17..<19)
        guard CivilDate.isValid(year: year, month: month, day: day), hour < 24, minute < 60, second < 61
        else { throw fail() }
        var index = 19
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
            guard index > start else { throw fail() }
        }
        guard index < bytes.count else { throw fail() }
        var offsetSeconds = 0
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard index + 1 == bytes.count else { throw fail() }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard index + 6 == bytes.count, bytes[index + 3] == UInt8(ascii: ":") else { throw fail() }
            let offsetHours = try number((index + 1)..<(index + 3))
            let offsetMinutes = try number((index + 4)..<(index + 6))
            guard offsetHours < 24, offsetMinutes < 60 else { throw fail() }
            offsetSeconds = (offsetHours * 3600 + offsetMinutes * 60) * (bytes[index] == UInt8(ascii: "+") ? 1 : -1)
        default:
            throw fail()
        }
        // A leap second (":60") is folded onto the next second, as POSIX time has no leap seconds.
        let time = CivilTime(date: CivilDate(year: year, month: month, day: day), hour: hour, minute: minute, second: second)
        let seconds = time.secondsSinceEpoch - offsetSeconds
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }
}
