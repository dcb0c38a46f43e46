import Foundation

/// The languages the pages speak. English is the fallback; strings live in `Web/Resources/strings/<code>.json`.
enum WebLanguage: String, CaseIterable, Sendable, Hashable {
    case en, es, fr, de

    /// The locale dates and numbers are formatted in. English pages use British conventions ("3 March 2026"), as
    /// the European institutions' English texts do, rather than the US month-first order.
    var locale: Locale { Locale(identifier: self == .en ? "en_GB" : rawValue) }

    /// The language's own name, for the switch.
    var endonym: String {
        switch self {
        case .en: "English"
        case .es: "Español"
        case .fr: "Français"
        case .de: "Deutsch"
        }
    }

    /// The cookie the switch sets, so that the choice holds on later pages.
    static let cookieName = "standing-lang"

    /// The language of a request: an explicit `lang` parameter (the switch's links and the forms' hidden field), then
    /// the cookie the switch set, then the best `Accept-Language` match, then English.
    static func negotiate(parameter: String?, cookie: String?, acceptLanguage: String?) -> WebLanguage {
        if let parameter, let chosen = WebLanguage(rawValue: parameter.lowercased()) { return chosen }
        if let cookie, let chosen = WebLanguage(rawValue: cookie.lowercased()) { return chosen }
        return acceptLanguage.flatMap(bestMatch) ?? .en
    }

    /// The supported language the `Accept-Language` value prefers most (RFC 9110 12.5.4: by `q`, then by order;
    /// `q=0` refuses a language; a tag matches on its primary subtag).
    static func bestMatch(_ header: String) -> WebLanguage? {
        var ranked: [(language: WebLanguage, quality: Double, order: Int)] = []
        for (order, item) in header.split(separator: ",").prefix(32).enumerated() {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = parts.first, !tag.isEmpty else { continue }
            var quality = 1.0
            for parameter in parts.dropFirst() where parameter.lowercased().hasPrefix("q=") {
                quality = Double(parameter.dropFirst(2)) ?? 0
            }
            let primary = tag.split(separator: "-").first.map { String($0).lowercased() } ?? ""
            guard quality > 0, let language = WebLanguage(rawValue: primary) else { continue }
            ranked.append((language, quality, order))
        }
        return ranked.sorted { ($0.quality, -$0.order) > ($1.quality, -$1.order) }.first?.language
    }
}

/// Words, dates and numbers in one language.
struct WebLocalizer: Sendable {
    let language: WebLanguage
    let strings: [String: String]

    /// The string for `key`; the key itself when missing (``WebResources/load()`` refuses files with gaps).
    func callAsFunction(_ key: String) -> String { strings[key] ?? key }

    /// `key`'s string with `{name}` placeholders replaced.
    func callAsFunction(_ key: String, _ values: [String: String]) -> String {
        values.reduce(self(key)) { $0.replacingOccurrences(of: "{\($1.key)}", with: $1.value) }
    }

    /// `key_one` or `key_other` for a count, by the language's plural rule (CLDR's cardinal rules, reduced to what
    /// these four languages need: French treats 0 as singular), with `{n}` filled in.
    func count(_ key: String, _ value: Int) -> String {
        let singular = language == .fr ? (0...1).contains(value) : value == 1
        return self(key + (singular ? "_one" : "_other"), ["n": number(value)])
    }

    /// A day, as people of the language write it (`3 March 2026`, `3 de marzo de 2026`, `3. März 2026`).
    func date(_ date: Date) -> String {
        date.formatted(Date.FormatStyle(date: .long, time: .omitted, locale: language.locale, timeZone: .gmt))
    }

    /// A day and time in UTC.
    func dateTime(_ date: Date) -> String {
        date.formatted(Date.FormatStyle(date: .long, time: .shortened, locale: language.locale, timeZone: .gmt)) + " UTC"
    }

    /// A count with the language's grouping (`131,072`, `131.072`, `131 072`).
    func number(_ value: Int) -> String {
        value.formatted(IntegerFormatStyle<Int>(locale: language.locale))
    }

    /// A size in bytes, with a unit.
    func bytes(_ count: Int) -> String {
        count < 10_240 ? self("unit_bytes", ["n": number(count)]) : self("unit_kib", ["n": number((count + 512) / 1024)])
    }
}
