import Testing

@testable import Server

/// The issuer search matches folded text byte for byte; these are the cases people type.
struct IssuerSearchMatchingTests {
    @Test(arguments: [
        ("Technische Universität München", "universitat", true),
        ("ÉCOLE POLYTECHNIQUE", "ecole poly", true),
        ("Universidad de Alcalá", "alcala", true),
        ("Universidad de Alcalá", "ALCALÁ", true),
        ("did:web:issuer1234.bench.example", "issuer12", true),
        ("did:web:issuer1234.bench.example", "issuer13", false),
        ("Open University", "", true),
        ("abc", "abcd", false),
        ("", "a", false),
    ])
    func foldedTextMatchesAsPeopleType(text: String, typed: String, expected: Bool) {
        let haystack = Array(RegistryPages.fold(text).utf8)
        let needle = Array(RegistryPages.fold(typed).utf8)
        #expect(IssuerIndex.contains(haystack, needle) == expected)
    }
}
