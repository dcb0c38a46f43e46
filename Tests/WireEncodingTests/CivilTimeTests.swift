import Foundation
import Testing
import WireEncoding

/// The one civil-date implementation, against Foundation's Gregorian calendar where that calendar is Gregorian
/// (from 1582-10-15; before it Foundation switches to the Julian calendar, so there the arithmetic is checked
/// against itself: a round trip and consecutive days).
@Suite struct CivilTimeTests {
    static let utcCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// 1582-10-15, the first day of the Gregorian calendar.
    static let gregorianStart = -141_427
    /// 9999-12-31.
    static let lastFourDigitDay = 2_932_896

    static func expectMatchesFoundation(day: Int) -> Bool {
        let date = Date(timeIntervalSince1970: TimeInterval(day) * 86_400)
        let components = utcCalendar.dateComponents([.year, .month, .day, .weekday], from: date)
        let civil = CivilDate(daysSinceEpoch: day)
        let matches =
            civil.year == components.year && civil.month == components.month && civil.day == components.day
            && civil.weekday + 1 == components.weekday && civil.daysSinceEpoch == day
        if !matches { Issue.record("day \(day): \(civil) but Foundation says \(components)") }
        return matches
    }

    @Test func everyDayOf1900To2200IsFoundationsDate() {
        let start = CivilDate(year: 1900, month: 1, day: 1).daysSinceEpoch
        let end = CivilDate(year: 2200, month: 12, day: 31).daysSinceEpoch
        for day in start...end where !Self.expectMatchesFoundation(day: day) { return }
    }

    @Test func daysAcrossTheWholeGregorianFourDigitRangeAreFoundationsDates() {
        // Every 11th day: all months, weekdays and leap rules, over every year 1582...9999.
        for day in stride(from: Self.gregorianStart, through: Self.lastFourDigitDay, by: 11) where !Self.expectMatchesFoundation(day: day) {
            return
        }
        #expect(Self.expectMatchesFoundation(day: Self.lastFourDigitDay))
    }

    @Test func twoMillionConsecutiveDaysRoundTripAndFollowEachOther() {
        var previous = CivilDate(daysSinceEpoch: -1_500_001)
        for day in -1_500_000...1_500_000 {
            let civil = CivilDate(daysSinceEpoch: day)
            let next: CivilDate =
                previous.day < CivilDate.daysInMonth(year: previous.year, month: previous.month)
                ? CivilDate(year: previous.year, month: previous.month, day: previous.day + 1)
                : previous.month < 12
                    ? CivilDate(year: previous.year, month: previous.month + 1, day: 1) : CivilDate(year: previous.year + 1, month: 1, day: 1)
            guard civil == next, civil.daysSinceEpoch == day, CivilDate.isValid(year: civil.year, month: civil.month, day: civil.day),
                civil.weekday == (previous.weekday + 1) % 7
            else {
                Issue.record("day \(day): \(civil) after \(previous)")
                return
            }
            previous = civil
        }
    }

    @Test(arguments: [
        (1970, 1, 1, 0, 4), (1969, 12, 31, -1, 3), (2000, 2, 29, 11_016, 2), (1582, 10, 15, -141_427, 5), (9999, 12, 31, 2_932_896, 5),
        (1, 1, 1, -719_162, 1), (0, 3, 1, -719_468, 3), (2026, 11, 29, 20_786, 0),
    ])
    func knownDays(year: Int, month: Int, day: Int, days: Int, weekday: Int) {
        #expect(CivilDate(year: year, month: month, day: day).daysSinceEpoch == days)
        #expect(CivilDate(daysSinceEpoch: days) == CivilDate(year: year, month: month, day: day))
        #expect(CivilDate(daysSinceEpoch: days).weekday == weekday)
    }

    @Test func monthLengthsAndLeapYears() {
        #expect(CivilDate.isLeapYear(2000) && CivilDate.isLeapYear(2024) && CivilDate.isLeapYear(0))
        #expect(!CivilDate.isLeapYear(1900) && !CivilDate.isLeapYear(2100) && !CivilDate.isLeapYear(2023))
        #expect(CivilDate.isValid(year: 2024, month: 2, day: 29))
        #expect(!CivilDate.isValid(year: 2023, month: 2, day: 29))
        #expect(!CivilDate.isValid(year: 1900, month: 2, day: 29))
        #expect(!CivilDate.isValid(year: 2024, month: 4, day: 31))
        #expect(!CivilDate.isValid(year: 2024, month: 13, day: 1))
        #expect(!CivilDate.isValid(year: 2024, month: 0, day: 1))
        #expect(!CivilDate.isValid(year: 2024, month: 1, day: 0))
        #expect((1...12).map { CivilDate.daysInMonth(year: 2023, month: $0) } == [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    }

    @Test(arguments: [
        (0, "1970-01-01T00:00:00Z", "Thu, 01 Jan 1970 00:00:00 GMT"),
        (-1, "1969-12-31T23:59:59Z", "Wed, 31 Dec 1969 23:59:59 GMT"),
        (1_795_917_572, "2026-11-29T01:59:32Z", "Sun, 29 Nov 2026 01:59:32 GMT"),
        (951_782_400, "2000-02-29T00:00:00Z", "Tue, 29 Feb 2000 00:00:00 GMT"),
        (253_402_300_799, "9999-12-31T23:59:59Z", "Fri, 31 Dec 9999 23:59:59 GMT"),
        (-62_135_596_800, "0001-01-01T00:00:00Z", "Mon, 01 Jan 0001 00:00:00 GMT"),
    ])
    func knownTexts(seconds: Int, rfc3339: String, httpDate: String) {
        let time = CivilTime(secondsSinceEpoch: seconds)
        #expect(time.rfc3339 == rfc3339)
        #expect(time.httpDate == httpDate)
        #expect(time.secondsSinceEpoch == seconds)
    }

    @Test func textsAreFoundationsFormatting() {
        let httpFormatter = DateFormatter()
        httpFormatter.locale = Locale(identifier: "en_US_POSIX")
        httpFormatter.timeZone = TimeZone(identifier: "GMT")
        httpFormatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let isoFormatter = ISO8601DateFormatter()
        var generator = SplitMix64(seed: 0xDA7E)
        for round in 0..<20_000 {
            // Seconds from 1583 to 9999, and the edges of days.
            var seconds = Int.random(in: -12_212_553_600...253_402_300_799, using: &generator)
            if round % 4 == 0 { seconds -= seconds % 86_400 }
            if round % 4 == 1 { seconds += 86_399 - (seconds % 86_400 + 86_400) % 86_400 }
            let date = Date(timeIntervalSince1970: TimeInterval(seconds))
            let time = CivilTime(secondsSinceEpoch: seconds)
            guard time.rfc3339 == isoFormatter.string(from: date), time.httpDate == httpFormatter.string(from: date),
                time.secondsSinceEpoch == seconds
            else {
                Issue.record("\(seconds): \(time.rfc3339) / \(time.httpDate)")
                return
            }
        }
    }

    @Test func aLeapSecondCountsAsTheNextSecond() {
        let leap = CivilTime(date: CivilDate(year: 2016, month: 12, day: 31), hour: 23, minute: 59, second: 60)
        #expect(leap.secondsSinceEpoch == CivilTime(secondsSinceEpoch: 1_483_228_800).secondsSinceEpoch)
    }
}
