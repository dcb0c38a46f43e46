import Foundation
import Testing

@testable import StatusList

@Suite("Errors and XML date-times")
struct ErrorAndDateTests {
    @Test("error equality is on the code; description includes the reason")
    func equality() {
        #expect(StatusListError(.truncated, "a") == StatusListError(.truncated, "b"))
        #expect(StatusListError(.truncated) != StatusListError(.trailingData))
        #expect(StatusListError(.corruptData, "bad CRC").description == "corruptData: bad CRC")
        #expect(StatusListError(.listFull).description == "listFull")
    }

    @Test("validation error kinds and their RFC 9457 type URIs")
    func kinds() {
        #expect(StatusValidationErrorKind.statusRetrievalError.typeURI == "https://www.w3.org/ns/credentials/status-list#STATUS_RETRIEVAL_ERROR")
        #expect(
            StatusValidationErrorKind.statusVerificationError.typeURI == "https://www.w3.org/ns/credentials/status-list#STATUS_VERIFICATION_ERROR"
        )
        #expect(StatusValidationErrorKind.statusListLengthError.typeURI == "https://www.w3.org/ns/credentials/status-list#STATUS_LIST_LENGTH_ERROR")
        #expect(StatusValidationErrorKind.rangeError.typeURI == "https://www.w3.org/TR/vc-data-model#RANGE_ERROR")
        #expect(StatusValidationErrorKind.malformedValueError.typeURI == "https://www.w3.org/TR/vc-data-model#MALFORMED_VALUE_ERROR")
        #expect(StatusValidationErrorKind(rawValue: "RANGE_ERROR") == .rangeError)
    }

    @Test("mapping from error codes to validation kinds")
    func mapping() {
        let expected: [(StatusListError.Code, StatusValidationErrorKind?)] = [
            (.indexOutOfRange, .rangeError), (.valueOutOfRange, .rangeError),
            (.lengthMismatch, .statusListLengthError), (.listTooShort, .statusListLengthError),
            (.invalidEntrySize, .malformedValueError), (.malformedEncoding, .malformedValueError),
            (.wrongCompressionFormat, .malformedValueError), (.corruptData, .malformedValueError),
            (.truncated, .malformedValueError), (.trailingData, .malformedValueError),
            (.sizeLimitExceeded, .malformedValueError), (.malformedValue, .malformedValueError),
            (.invalidCapacity, nil), (.compressionFailed, nil), (.invalidArgument, nil), (.listFull, nil),
        ]
        for (code, kind) in expected {
            #expect(StatusListError(code).validationErrorKind == kind, "\(code)")
        }
    }

    @Test("parsing dateTimeStamp values")
    func parse() throws {
        #expect(try XMLDateTime.parse("1970-01-01T00:00:00Z") == Date(timeIntervalSince1970: 0))
        #expect(try XMLDateTime.parse("2021-04-05T14:27:40Z") == Date(timeIntervalSince1970: 1_617_632_860))
        #expect(try XMLDateTime.parse("2021-04-05T16:27:40+02:00") == Date(timeIntervalSince1970: 1_617_632_860))
        #expect(try XMLDateTime.parse("2021-04-05T09:27:40-05:00") == Date(timeIntervalSince1970: 1_617_632_860))
        #expect(try XMLDateTime.parse("2021-04-05T14:27:40.250Z") == Date(timeIntervalSince1970: 1_617_632_860.25))
        #expect(try XMLDateTime.parse("2024-02-29T00:00:00Z") == Date(timeIntervalSince1970: 1_709_164_800))
        #expect(try XMLDateTime.parse("1900-01-01T00:00:00Z") == Date(timeIntervalSince1970: -2_208_988_800))
        for bad in [
            "2023-02-29T00:00:00Z", "2021-04-05", "2021-04-05T14:27:40", "2021-04-05 14:27:40Z", "2021-13-01T00:00:00Z",
            "2021-04-05T24:00:00Z", "2021-04-05T14:60:00Z", "2021-04-05T14:27:60Z", "2021-04-05T14:27:40.Z",
            "2021-04-05T14:27:40+0200", "2021-04-05T14:27:40+15:00", "21-04-05T14:27:40Z", "0000-01-01T00:00:00Z",
            "2021-04-05T14:27:40Zjunk", "2021-4-05T14:27:40Z", "",
        ] {
            expectStatusListError(.malformedValue) { _ = try XMLDateTime.parse(bad) }
        }
    }

    @Test("formatting is UTC, whole seconds, and parses back")
    func format() throws {
        #expect(XMLDateTime.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
        #expect(XMLDateTime.format(Date(timeIntervalSince1970: 1_617_632_860.9)) == "2021-04-05T14:27:40Z")
        #expect(XMLDateTime.format(Date(timeIntervalSince1970: -1)) == "1969-12-31T23:59:59Z")
        var generator = SeededGenerator(seed: 4)
        for _ in 0..<500 {
            let seconds = Int.random(in: -60_000_000_000...200_000_000_000, using: &generator)
            let date = Date(timeIntervalSince1970: Double(seconds))
            #expect(try XMLDateTime.parse(XMLDateTime.format(date)) == date)
        }
    }
}
