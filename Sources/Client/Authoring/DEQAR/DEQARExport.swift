import Foundation
import Signing

/// An export of the Database of External Quality Assurance Results (DEQAR), in the shapes of its public Web API
/// (`https://backend.deqar.eu/webapi/v2`): `{"agencies": [...], "institutions": [...], "reports": [...]}`, each array
/// holding the records the API's detail endpoints return (`/browse/agencies/{id}/`, `/browse/institutions/{id}`,
/// `/browse/reports/{id}/`). Members this import does not use are ignored.
///
/// The member names are DEQAR's own: agencies `id`, `deqar_id`, `name_primary`, `acronym_primary`, `country`,
/// `is_registered`, `registration_start`, `registration_valid_to`, `website_link`, `focus_countries`; institutions
/// `id`, `deqar_id`, `name_primary`, `website_link`, `countries[].country`, `qf_ehea_levels[].qf_ehea_level`,
/// `identifiers[]`; reports `id`, `agency_id` (or `agency`), `agency_esg_activity_type`, `institutions[].id`,
/// `programmes[].qf_ehea_level`, `status`, `decision`, `valid_from`, `valid_to`.
public struct DEQARExport: Sendable, Hashable {
    /// EQAR-registered quality-assurance agencies.
    public var agencies: [Agency]
    /// Higher education institutions.
    public var institutions: [Institution]
    /// Quality-assurance reports.
    public var reports: [Report]

    /// A country as DEQAR's `country` objects carry it (`iso_3166_alpha2`, `iso_3166_alpha3`, `name_english`).
    public struct Country: Sendable, Hashable {
        /// ISO 3166-1 alpha-2, upper case (`ES`).
        public var alpha2: String
        /// ISO 3166-1 alpha-3, upper case (`ESP`).
        public var alpha3: String
    }

    /// An agency (`/browse/agencies/{id}/`).
    public struct Agency: Sendable, Hashable {
        /// DEQAR's agency id.
        public var id: String
        /// `name_primary`.
        public var name: String
        /// `acronym_primary`.
        public var acronym: String?
        /// The country the agency is based in.
        public var country: Country
        /// `focus_countries`: where the agency works besides its own country.
        public var focusCountries: [Country]
        /// `is_registered`; when absent, registration is read from `registration_valid_to`.
        public var isRegistered: Bool?
        /// `registration_start`.
        public var registrationStart: Date
        /// The last day of the registration (inclusive), if DEQAR gives one.
        public var registrationValidTo: Date?
        /// `website_link`.
        public var website: String?
    }

    /// An institution (`/browse/institutions/{id}`).
    public struct Institution: Sendable, Hashable {
        /// DEQAR's numeric id.
        public var id: String
        /// `DEQARINST0382`.
        public var deqarId: String?
        /// `name_primary`.
        public var name: String
        /// `website_link`.
        public var website: String?
        /// `countries[].country`.
        public var countries: [Country]
        /// The QF-EHEA levels the institution awards, as DEQAR names them (`first cycle`).
        public var qfEHEALevels: [String]
        /// `identifiers[].identifier` values that are DIDs (DEQAR's `DID-EBSI` resource, or any `did:`).
        public var dids: [String]
    }

    /// A report (`/browse/reports/{id}/`).
    public struct Report: Sendable, Hashable {
        /// DEQAR's report id.
        public var id: String
        /// `agency_id` (the Web API's report detail) or `agency` (an id or an agency object).
        public var agencyId: String
        /// `agency_esg_activity_type`: `institutional`, `programme`, `joint programme`, `institutional/programme`.
        public var activityType: String?
        /// The ids of the institutions the report covers.
        public var institutionIds: [String]
        /// The programmes' QF-EHEA levels, as DEQAR names them; empty for institutional reports.
        public var programmeLevels: [String]
        /// `status`: `part of obligatory EQA system` or `voluntary` (informative only).
        public var status: String?
        /// `decision`: `positive`, `positive with conditions or restrictions`, `negative`, `not applicable`.
        public var decision: String?
        /// `valid_from`.
        public var validFrom: Date
        /// The last day of validity (inclusive), if DEQAR gives one (`valid_to`, else `valid_to_calculated`).
        public var validTo: Date?
    }

    /// Parses an export.
    /// - Parameters:
    ///   - data: The file's bytes.
    ///   - name: The file's name, for errors.
    /// - Throws: ``AuthoringError`` in one line naming the file, the record and the member at fault.
    public init(parsing data: Data, name: String) throws {
        let document: JSONValue
        do {
            document = try JSONValue(parsing: data)
        } catch {
            throw AuthoringError("\(name) is not JSON: \(error.reason)")
        }
        guard document.objectValue != nil else { throw AuthoringError("\(name) is not a DEQAR export: expected an object with agencies, institutions and reports") }
        func records(_ member: String) throws -> [JSONValue] {
            guard let value = document[member] else { throw AuthoringError("\(name) is not a DEQAR export: it has no \"\(member)\" array") }
            // A page of the Web API (`{"count", "results"}`) is accepted as well as a bare array.
            guard let array = value.arrayValue ?? value["results"]?.arrayValue else {
                throw AuthoringError("\(name): \"\(member)\" is not an array")
            }
            return array
        }
        agencies = try records("agencies").enumerated().map { try Agency(parsing: $1, at: "\(name): agencies[\($0)]") }
        institutions = try records("institutions").enumerated().map { try Institution(parsing: $1, at: "\(name): institutions[\($0)]") }
        reports = try records("reports").enumerated().map { try Report(parsing: $1, at: "\(name): reports[\($0)]") }
    }
}

// MARK: - Reading DEQAR's members

extension DEQARExport {
    /// A member that must be present: DEQAR ids are numbers, but strings are accepted too.
    static func identifier(_ record: JSONValue, _ member: String, at place: String) throws -> String {
        if let number = record[member]?.integerValue { return String(number) }
        if let text = record[member]?.stringValue, !text.isEmpty { return text }
        throw AuthoringError("\(place) has no \(member)")
    }

    static func text(_ record: JSONValue, _ member: String) -> String? {
        guard let text = record[member]?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return nil }
        return text
    }

    /// A DEQAR date: `2018-09-14` (the Web API) or `2018-01-01T00:00:00Z` (its search results), read as that day at
    /// midnight UTC; `null` or absent is nil.
    static func date(_ record: JSONValue, _ member: String, at place: String) throws -> Date? {
        guard let value = record[member], !value.isNull else { return nil }
        guard let text = value.stringValue, let day = DEQARMapping.day(text) else {
            throw AuthoringError("\(place): \(member) is not a date like 2024-09-30")
        }
        return day
    }

    /// A country: DEQAR's object (`iso_3166_alpha2`, `iso_3166_alpha3`), possibly wrapped (`{"country": {...}}`, as in
    /// `countries` and `focus_countries`).
    static func country(_ value: JSONValue, at place: String) throws -> Country {
        let object = value["country"].flatMap { $0.objectValue != nil ? $0 : nil } ?? value
        guard let alpha2 = object["iso_3166_alpha2"]?.stringValue?.uppercased(), alpha2.count == 2,
            let alpha3 = object["iso_3166_alpha3"]?.stringValue?.uppercased(), alpha3.count == 3,
            (alpha2 + alpha3).allSatisfy({ $0.isASCII && $0.isLetter })
        else {
            throw AuthoringError("\(place): a country needs iso_3166_alpha2 and iso_3166_alpha3 (as DEQAR's country records carry them)")
        }
        return Country(alpha2: alpha2, alpha3: alpha3)
    }
}

extension DEQARExport.Agency {
    init(parsing record: JSONValue, at place: String) throws {
        id = try DEQARExport.identifier(record, "id", at: place)
        let place = "\(place) (agency \(id))"
        guard let name = DEQARExport.text(record, "name_primary") ?? DEQARExport.text(record, "acronym_primary") else {
            throw AuthoringError("\(place) has no name_primary")
        }
        self.name = name
        acronym = DEQARExport.text(record, "acronym_primary")
        guard let country = record["country"] else { throw AuthoringError("\(place) has no country") }
        self.country = try DEQARExport.country(country, at: place)
        focusCountries = try (record["focus_countries"]?.arrayValue ?? []).map { try DEQARExport.country($0, at: place + " focus_countries") }
        isRegistered = record["is_registered"]?.boolValue
        guard let start = try DEQARExport.date(record, "registration_start", at: place) else {
            throw AuthoringError("\(place) has no registration_start")
        }
        registrationStart = start
        registrationValidTo = try DEQARExport.date(record, "registration_valid_to", at: place)
        website = DEQARExport.text(record, "website_link")
    }
}

extension DEQARExport.Institution {
    init(parsing record: JSONValue, at place: String) throws {
        id = try DEQARExport.identifier(record, "id", at: place)
        let place = "\(place) (institution \(id))"
        deqarId = DEQARExport.text(record, "deqar_id")
        guard let name = DEQARExport.text(record, "name_primary") else { throw AuthoringError("\(place) has no name_primary") }
        self.name = name
        website = DEQARExport.text(record, "website_link")
        countries = try (record["countries"]?.arrayValue ?? []).map { try DEQARExport.country($0, at: place + " countries") }
        qfEHEALevels = (record["qf_ehea_levels"]?.arrayValue ?? []).compactMap { level in
            level["qf_ehea_level"].flatMap(DEQARMapping.levelName) ?? DEQARMapping.levelName(level)
        }
        dids = (record["identifiers"]?.arrayValue ?? []).compactMap { $0["identifier"]?.stringValue }.filter { $0.hasPrefix("did:") }
    }
}

extension DEQARExport.Report {
    init(parsing record: JSONValue, at place: String) throws {
        id = try DEQARExport.identifier(record, "id", at: place)
        let place = "\(place) (report \(id))"
        if let agencyValue = record["agency_id"], !agencyValue.isNull {
            agencyId = try DEQARExport.identifier(record, "agency_id", at: place)
        } else if let agency = record["agency"], agency.objectValue != nil {
            agencyId = try DEQARExport.identifier(agency, "id", at: place + " agency")
        } else {
            agencyId = try DEQARExport.identifier(record, "agency", at: place)
        }
        activityType = DEQARExport.text(record, "agency_esg_activity_type") ?? record["agency_esg_activity"]?["type"]?.stringValue
        institutionIds = try (record["institutions"]?.arrayValue ?? []).map { institution -> String in
            if institution.objectValue == nil, let number = institution.integerValue { return String(number) }
            return try DEQARExport.identifier(institution, "id", at: place + " institutions")
        }
        guard !institutionIds.isEmpty else { throw AuthoringError("\(place) names no institutions") }
        programmeLevels = (record["programmes"]?.arrayValue ?? []).compactMap { $0["qf_ehea_level"].flatMap(DEQARMapping.levelName) }
        status = DEQARExport.text(record, "status")
        decision = DEQARExport.text(record, "decision")
        guard let from = try DEQARExport.date(record, "valid_from", at: place) else { throw AuthoringError("\(place) has no valid_from") }
        validFrom = from
        validTo = try DEQARExport.date(record, "valid_to", at: place) ?? DEQARExport.date(record, "valid_to_calculated", at: place)
    }
}
