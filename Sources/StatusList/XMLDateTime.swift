import Foundation
import WireEncoding

/// XML Schema `dateTimeStamp` values as VCDM 2.0 uses them for `validFrom` and `validUntil`:
/// `YYYY-MM-DDThh:mm:ss[.fraction](Z|±hh:mm)`.
///
/// Parsing is strict and locale-free: four-digit years 0001...9999, a time zone is required, no leap second, no
/// `24:00:00`. Formatting always produces whole seconds in UTC with `Z`.
public enum XMLDateTime {
    /// Parses a `dateTimeStamp`.
    /// - Parameter text: For example `2025-05-15T00:00:00Z` or `2025-05-15T02:00:00.5+02:00`.
    /// - Returns: The instant it denotes.
    /// - Throws: ``StatusListError/Code/malformedValue`` when the text is not a valid `dateTimeStamp`.
    public static func parse(_ text: String) throws -> Date {
        guard let date = date(from: text) else {
            throw StatusListError(
                .malformedValue,
                "\"\(text.prefix(64))\" is not an XML Schema dateTimeStamp such as 2025-05-15T00:00:00Z"
            )
        }
        return date
    }

    /// Formats an instant as `YYYY-MM-DDThh:mm:ssZ` (UTC, fractional seconds dropped).
    /// - Parameter date: An instant between the years 1 and 9999.
    public static func format(_ date: Date) -> String {
        CivilTime(secondsSinceEpoch: Int(date.timeIntervalSince1970.rounded(.down))).rfc3339
    }

    static func date(from text: String) -> Date? {
        let characters = Array(text.utf8)
        var position = 0

        func digits(_ count: Int) -> Int? {
            guard position + count <= characters.count else { return nil }
            var value = 0
            for offset in 0..<count {
                let character = characters[position + offset]
                guard ModelValidation.isASCIIDigit(character) else { return nil }
                value = value * 10 + Int(character - UInt8(ascii: "0"))
            }
            position += count
            return value
        }
        func expect(_ character: Character) -> Bool {
            guard position < characters.count, characters[position] == character.asciiValue else { return false }
            position += 1
            return true
        }

        guard let year = digits(4), expect("-"), let month = digits(2), expect("-"), let day = digits(2),
            expect("T"), let hour = digits(2), expect(":"), let minute = digits(2), expect(":"),
            let second = digits(2)
        else { return nil }
        guard year >= 1, CivilDate.isValid(year: year, month: month, day: day), hour <= 23, minute <= 59, second <= 59
        else { return nil }

        var fraction = 0.0
        if expect(".") {
            var scale = 0.1
            let start = position
            while position < characters.count, ModelValidation.isASCIIDigit(characters[position]) {
                fraction += Double(characters[position] - UInt8(ascii: "0")) * scale
                scale /= 10
                position += 1
            }
            guard position > start else { return nil }
        }

        var offsetSeconds = 0
        if expect("Z") {
            offsetSeconds = 0
        } else if position < characters.count, characters[position] == UInt8(ascii: "+") || characters[position] == UInt8(ascii: "-") {
            let sign = characters[position] == UInt8(ascii: "-") ? -1 : 1
            position += 1
            guard let offsetHours = digits(2), expect(":"), let offsetMinutes = digits(2), offsetMinutes <= 59,
                offsetHours * 60 + offsetMinutes <= 14 * 60
            else { return nil }
            offsetSeconds = sign * (offsetHours * 3600 + offsetMinutes * 60)
        } else {
            return nil
        }
        guard position == characters.count else { return nil }

        let time = CivilTime(date: CivilDate(year: year, month: month, day: day), hour: hour, minute: minute, second: second)
        let seconds = time.secondsSinceEpoch - offsetSeconds
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }
}
