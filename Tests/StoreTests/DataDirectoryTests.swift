import Foundation
import Signing
import Store
import Testing

#if canImport(Glibc)
import Glibc
#endif

private func permissions(_ path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return try #require(attributes[.posixPermissions] as? NSNumber).intValue & 0o777
}

@Suite("DataDirectory")
struct DataDirectoryTests {
    @Test func prepareCreatesPrivateFolders() async throws {
        try await withTemporaryDirectory { root in
            let directory = DataDirectory(path: root.appendingPathComponent("data/nested").path)
            #expect(directory.survey().isEmpty)
            try directory.prepare()
            try directory.prepare()
            #expect(try permissions(directory.path) == 0o700)
            #expect(try permissions(directory.keysPath) == 0o700)
            #expect(directory.databasePath == directory.path + "/standing.sqlite")

            _ = try SQLiteStore(path: directory.databasePath)
            #expect(directory.survey().databaseBytes != nil)
        }
    }

    @Test func generatedKeysArePrivateAndReload() async throws {
        try await withTemporaryDirectory { root in
            let directory = DataDirectory(path: root.appendingPathComponent("data").path)
            #expect(try directory.signingKeys().isEmpty)

            let generated = try directory.generateSigningKeysIfMissing(algorithms: [.es256, .edDSA])
            #expect(Set(generated.map(\.key.algorithm)) == [.es256, .edDSA])
            let files = try FileManager.default.contentsOfDirectory(atPath: directory.keysPath).sorted()
            #expect(files == generated.map { $0.keyID + ".jwk" }.sorted())
            for file in files {
                #expect(try permissions(directory.keysPath + "/" + file) == 0o600)
            }

            let reloaded = try directory.signingKeys()
            #expect(Set(reloaded.map(\.keyID)) == Set(generated.map(\.keyID)))
            for key in generated {
                let match = try #require(reloaded.first { $0.keyID == key.keyID })
                #expect(match.key.verificationKey == key.key.verificationKey)
                #expect(key.keyID == key.key.verificationKey.thumbprint)
                // The reloaded private key signs for the original public key.
                let signature = try match.key.sign(Data("probe".utf8))
                #expect(key.key.verificationKey.isValidSignature(signature, for: Data("probe".utf8)))
            }

            #expect(try directory.generateSigningKeysIfMissing(algorithms: [.es256, .edDSA]).isEmpty)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.keysPath).count == 2)

            let added = try directory.generateSigningKeysIfMissing(algorithms: [.es256, .es384])
            #expect(added.map(\.key.algorithm) == [.es384])
            #expect(try directory.signingKeys().count == 3)
        }
    }

    @Test func newerKeyFilesComeLastSoTheyBecomeTheSigningKey() async throws {
        try await withTemporaryDirectory { root in
            let directory = DataDirectory(path: root.appendingPathComponent("data").path)
            let first = try directory.generateSigningKeysIfMissing(algorithms: [.es256])
            // A rotated-in key: a second ES256 key file, written later.
            let rotated = SigningKey.generate(.es256)
            let path = directory.keysPath + "/" + rotated.verificationKey.thumbprint + ".jwk"
            try JSONEncoder().encode(rotated.jwk).write(to: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes(
                [.modificationDate: Date().addingTimeInterval(60)], ofItemAtPath: path)
            let keys = try directory.signingKeys()
            #expect(keys.map(\.keyID) == [first[0].keyID, rotated.verificationKey.thumbprint])
        }
    }

    @Test func invalidKeyFileIsReportedWithoutItsContent() async throws {
        try await withTemporaryDirectory { root in
            let directory = DataDirectory(path: root.path)
            try directory.prepare()
            let secretLooking = #"{"kty":"OKP","crv":"Ed25519","x":"AAAA","d":"SECRET-MATERIAL"}"#
            try Data(secretLooking.utf8).write(to: URL(fileURLWithPath: directory.keysPath + "/broken.jwk"))
            do {
                _ = try directory.signingKeys()
                Issue.record("an invalid key file was accepted")
            } catch let error as StoreError {
                #expect(error.code == .unavailable)
                #expect(error.reason.contains("broken.jwk"))
                #expect(!error.reason.contains("SECRET-MATERIAL"))
            }
        }
    }

    @Test func publicOnlyKeyFileIsRefused() async throws {
        try await withTemporaryDirectory { root in
            let directory = DataDirectory(path: root.path)
            try directory.prepare()
            let publicJWK = SigningKey.generate(.es256).verificationKey.jwk
            try JSONEncoder().encode(publicJWK).write(to: URL(fileURLWithPath: directory.keysPath + "/public.jwk"))
            #expect(throws: StoreError(.unavailable, "")) {
                _ = try directory.signingKeys()
            }
        }
    }

    @Test func secretIsWrittenOnceWithPrivateMode() async throws {
        try await withTemporaryDirectory { root in
            let directory = DataDirectory(path: root.appendingPathComponent("data").path)
            try directory.writeSecretOnce(name: DataDirectory.operatorTokenFileName, contents: "first-secret")
            let file = directory.path + "/operator-token"
            #expect(try permissions(file) == 0o600)
            #expect(try String(contentsOfFile: file, encoding: .utf8) == "first-secret")

            #expect(throws: StoreError(.conflict, "")) {
                try directory.writeSecretOnce(name: DataDirectory.operatorTokenFileName, contents: "second-secret")
            }
            #expect(try String(contentsOfFile: file, encoding: .utf8) == "first-secret")
            // No temporary files are left behind.
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["keys", "operator-token"])

            for name in ["", "..", "../escape", "a/b"] {
                #expect(throws: StoreError(.rejected, "")) {
                    try directory.writeSecretOnce(name: name, contents: "x")
                }
            }
        }
    }

    @Test func theLockIsExclusiveAndNamesItsHolder() async throws {
        try await withTemporaryDirectory { root in
            let directory = DataDirectory(path: root.appendingPathComponent("data").path)
            let held = try directory.lock(for: "standing serve")
            #expect(try permissions(held.path) == 0o600)
            do {
                _ = try directory.lock(for: "standing init")
                Issue.record("a second lock was granted")
            } catch let error as DataDirectoryError {
                #expect(error.problem == "another Standing process (PID \(getpid()), standing serve) is using the data directory \(directory.path)")
            }
            held.release()
            held.release()
            let again = try directory.lock(for: "standing init")
            again.release()
        }
    }

    @Test func surveySeesEachPartOfAnInstallation() async throws {
        try await withTemporaryDirectory { root in
            let directory = DataDirectory(path: root.appendingPathComponent("data").path)
            #expect(directory.survey().isEmpty)
            try directory.prepare()
            _ = try directory.lock()
            #expect(directory.survey().isEmpty, "empty folders and the lock file are not an installation")
            try directory.writeSecretOnce(name: DataDirectory.operatorTokenFileName, contents: "x")
            #expect(!directory.survey().isEmpty)
            #expect(throws: DataDirectoryError.self) { try directory.requireDatabase(directory.survey()) }
            try directory.createPrivateDatabaseFile()
            #expect(directory.survey().databaseBytes == 0)
            #expect(throws: DataDirectoryError.self) { try directory.requireDatabase(directory.survey()) }
            #expect(throws: StoreError(.conflict, "")) { try directory.createPrivateDatabaseFile() }
        }
    }

    @Test func privateModesAreEnforced() async throws {
        try await withTemporaryDirectory { root in
            let directory = DataDirectory(path: root.appendingPathComponent("data").path)
            try directory.generateSigningKeysIfMissing(algorithms: [.es256])
            try directory.createPrivateDatabaseFile()
            #expect(chmod(directory.path, 0o755) == 0)
            #expect(chmod(directory.databasePath, 0o644) == 0)
            let repaired = try directory.enforcePrivateModes()
            #expect(repaired.count == 2)
            #expect(try permissions(directory.path) == 0o700)
            #expect(try permissions(directory.databasePath) == 0o600)
            #expect(try directory.enforcePrivateModes().isEmpty)

            let key = try #require(try FileManager.default.contentsOfDirectory(atPath: directory.keysPath).first)
            #expect(chmod(directory.keysPath + "/" + key, 0o640) == 0)
            #expect(throws: DataDirectoryError.self) { try directory.enforcePrivateModes() }
        }
    }
}
