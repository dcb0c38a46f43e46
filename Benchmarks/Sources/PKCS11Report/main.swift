// Publication signing with keys in a PKCS#11 token (SoftHSM2) against file keys, in one run.
//
//   PKCS11Report [--quick] OUTPUT.json
//
// One publication of a 131,072-entry list (the W3C minimum size, 1 % set) is what SignedPublicationBuilder signs
// after a change: the W3C credential with an Ed25519 Data Integrity proof, the W3C credential as an ES256 vc+jwt, and
// the IETF Status List Token as statuslist+jwt and statuslist+cwt (ES256). The lists are compressed once beforehand,
// so the figures are serialisation plus the four signatures. Token and file keys run in alternating rounds
// (BenchSupport.compare); the ratio is token / file. Needs Debian's softhsm2: a throw-away token is made in a
// temporary directory (SOFTHSM2_CONF is set for this process only) and removed at the end.
import BenchSupport
import Foundation
import HardwareKeys
import Signing
import StatusList
import StatusListSecuring

#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments.dropFirst()
let quick = arguments.contains("--quick")
guard let output = arguments.first(where: { !$0.hasPrefix("--") }) else {
    FileHandle.standardError.write(Data("usage: PKCS11Report [--quick] OUTPUT.json\n".utf8))
    exit(2)
}
let rounds = quick ? 5 : 21

func log(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

// A throw-away SoftHSM2 token.
let module = ["/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"]
    .first { FileManager.default.fileExists(atPath: $0) }
guard let module, FileManager.default.isExecutableFile(atPath: "/usr/bin/softhsm2-util") else {
    log("SoftHSM2 is not installed: apt-get install softhsm2")
    exit(2)
}
let directory = NSTemporaryDirectory() + "standing-pkcs11-bench-" + UUID().uuidString
defer { try? FileManager.default.removeItem(atPath: directory) }
try FileManager.default.createDirectory(atPath: directory + "/tokens", withIntermediateDirectories: true)
try "directories.tokendir = \(directory)/tokens\nobjectstore.backend = file\nlog.level = ERROR\n"
    .write(toFile: directory + "/softhsm2.conf", atomically: true, encoding: .utf8)
setenv("SOFTHSM2_CONF", directory + "/softhsm2.conf", 1)
let pin = "benchmark-pin"
let initToken = Process()
initToken.executableURL = URL(fileURLWithPath: "/usr/bin/softhsm2-util")
initToken.arguments = ["--init-token", "--free", "--label", "bench", "--pin", pin, "--so-pin", "benchmark-so-pin"]
initToken.standardOutput = FileHandle.nullDevice
try initToken.run()
initToken.waitUntilExit()
guard initToken.terminationStatus == 0 else {
    log("softhsm2-util --init-token failed")
    exit(1)
}
let token = try PKCS11Token(module: try PKCS11Module.load(module), tokenLabel: "bench", pin: pin)

func signer(_ key: SigningKey, _ name: String) -> StatusListSigningKey {
    StatusListSigningKey(key: key, keyID: name, verificationMethod: "\(Statements.issuer)#\(name)")
}
let fileES256 = signer(SigningKey.generate(.es256), "file-es256")
let fileEd25519 = signer(SigningKey.generate(.edDSA), "file-ed25519")
let tokenES256 = signer(try token.generateKey(.es256).signingKey, "token-es256")
let tokenEd25519 = signer(try token.generateKey(.edDSA).signingKey, "token-ed25519")

let list = try ListFixture(entries: 131_072)
let statement = Statements.statement(list)
let credential = try StatusListSigner.w3cCredential(statement, level: Bitstring.defaultW3CCompressionLevel)
let ietf = try SegmentedCompressedList(list.bitstring, format: .ietf, level: Bitstring.defaultIETFCompressionLevel).compressed

func publish(es256: StatusListSigningKey, ed25519: StatusListSigningKey) throws -> Int {
    var total = try StatusListSigner.dataIntegrityCredential(credential, signer: ed25519, created: statement.issuedAt).count
    total += try StatusListSigner.credentialJWT(credential, signer: es256).utf8.count
    total += try StatusListSigner.statusListJWT(statement, signer: es256, compressedList: ietf).utf8.count
    total += try StatusListSigner.statusListCWT(statement, signer: es256, compressedList: ietf).count
    return total
}

struct Row: Codable {
    var id: String
    var tokenMicroseconds: Double
    var fileMicroseconds: Double
    var ratio: Double
    var ratioP25: Double
    var ratioP75: Double
    var rounds: Int
}

func row(_ id: String, _ comparison: Comparison) -> Row {
    let row = Row(
        id: id, tokenMicroseconds: comparison.candidateNanoseconds / 1000, fileMicroseconds: comparison.baselineNanoseconds / 1000,
        ratio: comparison.ratio, ratioP25: comparison.ratioP25, ratioP75: comparison.ratioP75, rounds: comparison.rounds)
    log(
        id.padding(toLength: 22, withPad: " ", startingAt: 0)
            + String(format: " token %9.1f µs  file %8.1f µs  x%.1f [%.1f-%.1f]", row.tokenMicroseconds, row.fileMicroseconds,
                row.ratio, row.ratioP25, row.ratioP75))
    return row
}

var rows: [Row] = []
let message = Data(repeating: 0x5A, count: 256)
for (name, tokenKey, fileKey) in [("ES256", tokenES256.key, fileES256.key), ("EdDSA", tokenEd25519.key, fileEd25519.key)] {
    rows.append(row("signature/\(name)", try compare(rounds: rounds, candidate: { try tokenKey.sign(message).count }, baseline: { try fileKey.sign(message).count })))
}
rows.append(
    row(
        "publication/131072",
        try compare(
            rounds: rounds,
            candidate: { try publish(es256: tokenES256, ed25519: tokenEd25519) },
            baseline: { try publish(es256: fileES256, ed25519: fileEd25519) })))

struct Report: Codable {
    var softHSM: String
    var rows: [Row]
}
let version = Process()
version.executableURL = URL(fileURLWithPath: "/usr/bin/softhsm2-util")
version.arguments = ["--version"]
let pipe = Pipe()
version.standardOutput = pipe
try version.run()
let versionText = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
version.waitUntilExit()
let encoder = JSONEncoder()
encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
try encoder.encode(Report(softHSM: versionText, rows: rows)).write(to: URL(fileURLWithPath: output))
