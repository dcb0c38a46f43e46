import Foundation

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
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):"
            + "\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))Z"
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
        guard year >= 1, (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month),
            hour <= 23, minute <= 59, second <= 59
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

        let days = self.days(fromCivilYear: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    private static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
    private static func days(fromCivilYear year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's `civil_from_days`).
    private static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
