import Foundation
import Mustache

/// The pages' templates, translated strings and style sheet, compiled into the binary (`PackageResources`, see
/// Package.swift's `webResources`) and parsed once at start: a copied executable serves them without the source tree.
struct WebResources: Sendable {
    /// Every template, by name (`layout`, `check`, `verdict`, `accreditation`, `issuers`, `issuer`, `registry`, `list`, `error`).
    let library: MustacheLibrary
    /// Each language's strings by key: the files translators edit (`Web/Resources/strings/<language>.json`).
    let strings: [WebLanguage: [String: String]]
    /// The one style sheet (`/web/standing.css`).
    let styleSheet: [UInt8]

    /// The embedded files, named as in Package.swift.
    static let templates: [(name: String, bytes: [UInt8])] = [
        ("layout", PackageResources.layout_mustache), ("check", PackageResources.check_mustache),
        ("verdict", PackageResources.verdict_mustache), ("accreditation", PackageResources.accreditation_mustache),
        ("issuers", PackageResources.issuers_mustache),
        ("issuer", PackageResources.issuer_mustache), ("registry", PackageResources.registry_mustache),
        ("list", PackageResources.list_mustache), ("error", PackageResources.error_mustache),
    ]

    static func stringsFile(_ language: WebLanguage) -> [UInt8] {
        switch language {
        case .en: PackageResources.en_json
        case .es: PackageResources.es_json
        case .fr: PackageResources.fr_json
        case .de: PackageResources.de_json
        }
    }

    /// Parses the embedded files.
    /// - Throws: A template that does not parse, a strings file that is not a JSON object of strings, or a language
    ///   missing a key English has (a translator's omission fails at start and in the tests, not on a page).
    static func load() throws -> WebResources {
        var library = MustacheLibrary()
        for (name, bytes) in templates {
            try library.register(String(decoding: bytes, as: UTF8.self), named: name)
        }
        var strings: [WebLanguage: [String: String]] = [:]
        for language in WebLanguage.allCases {
            let object = try JSONSerialization.jsonObject(with: Data(stringsFile(language)))
            guard let table = object as? [String: String] else {
                throw WebResourceError("strings/\(language.rawValue).json is not a JSON object of strings")
            }
            strings[language] = table
        }
        let english = Set(strings[.en]?.keys.map { $0 } ?? [])
        for language in WebLanguage.allCases {
            let missing = english.subtracting(strings[language]?.keys.map { $0 } ?? [])
            guard missing.isEmpty else {
                throw WebResourceError("strings/\(language.rawValue).json lacks \(missing.sorted().joined(separator: ", "))")
            }
        }
        return WebResources(library: library, strings: strings, styleSheet: PackageResources.standing_css)
    }

    /// One rendering; nil only for a template name that does not exist (a programming error the tests catch).
    func render<View: Sendable>(_ template: String, _ view: PageView<View>) -> String? {
        library.render(view, withTemplate: template)
    }
}

/// A web resource that does not load.
struct WebResourceError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
