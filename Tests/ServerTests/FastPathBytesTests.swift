import Foundation
import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOPosix
import StandingAPI
import StandingTestSupport
import StatusList
import Store
import Synchronization
import Testing

@testable import Server

/// The event-loop fast path writes pre-serialised bytes; they must be the router's bytes (apart from `Date`), for
/// every representation, method and conditional, and for the direct lookup; and they must never come out of order.
@Suite struct FastPathBytesTests {
    // MARK: - Content negotiation memo

    static let acceptTable: [String?] = [
        nil, "", "   ", ",", "*/*", "*/*;q=0", "application/*", "APPLICATION/*", "application/VC+JWT", "text/html",
        "text/html, */*;q=0.1", "text/*, application/json;q=0.5", "application/statuslist+jwt",
        "application/statuslist+cwt;q=0.9, application/statuslist+jwt;q=0.5", "application/statuslist+jwt;q=0",
        "application/statuslist+jwt;q=0, */*", "application/vc+jwt;q=0.3, application/vc;q=0.3", "application/json",
        "application/ld+json;profile=x", "application/vc+ld+json;q=1.0", "application/vc;q=2", "application/vc;q=abc",
        "application/vc; Q=0", "*/*;q=0.5, application/*;q=0", "application/*;q=0.2, application/statuslist+cwt",
        "garbage", "a/b/c", "/json", "application/", " application/vc+jwt ; q=0.8 ,application/statuslist+cwt;q=0.81",
        "application/vc,application/vc+jwt,application/statuslist+jwt,application/statuslist+cwt",
    ]

    static let offerSets: [[StatusMediaType]] = [
        StatusMediaType.allCases, [.vc, .vcJWT], [.statusListJWT, .statusListCWT], [.statusListCWT], [],
    ]

    @Test(arguments: acceptTable)
    func negotiationMemoAgreesWithChoose(accept: String?) {
        var memo = NegotiationMemo()
        for (setNumber, available) in Self.offerSets.enumerated() {
            let offers = ContentNegotiation.offers(available: available)
            let expected = ContentNegotiation.choose(accept: accept, offers: offers)
            // Twice: the first asks `choose`, the second comes from the memo.
            for _ in 0..<2 {
                let position = memo.position(accept: accept, offerSet: UInt8(setNumber), offers: offers)
                #expect(position.map { offers[$0] } == expected, "\(accept ?? "none") with \(available)")
            }
        }
    }

    @Test func negotiationMemoStaysBoundedAndRight() {
        var memo = NegotiationMemo()
        let offers = ContentNegotiation.offers(available: StatusMediaType.allCases)
        let values = (0..<(NegotiationMemo.capacity * 3)).map { "application/statuslist+jwt;q=0.\($0 % 10), application/vc;q=0.\($0 / 10)" }
        for round in 0..<2 {
            for value in values + Self.acceptTable.compactMap({ $0 }) {
                #expect(
                    memo.position(accept: value, offerSet: 1, offers: offers).map { offers[$0] }
                        == ContentNegotiation.choose(accept: value, offers: offers),
                    "round \(round): \(value)"
                )
            }
        }
        let long = String(repeating: "text/html, ", count: 200) + "application/statuslist+cwt"
        #expect(memo.position(accept: long, offerSet: 1, offers: offers).map { offers[$0].mediaType } == "application/statuslist+cwt")
    }

    /// The router chooses with ``PreparedStatusReads/response(format:accept:)`` and the fast path with the memo and
    /// the same prepared answers: for every `Accept` value both pick the same ``PreparedResponse`` (or none).
    @Test(arguments: acceptTable)
    func routerAndFastPathChooseTheSamePreparedResponse(accept: String?) throws {
        let reads = PreparedStatusReads(try Self.publication(version: 2))
        var memo = NegotiationMemo()
        let position = memo.position(accept: accept, offerSet: reads.offerSet, offers: reads.offers)
        switch Result(catching: { () throws(ServiceError) in try reads.response(format: nil, accept: accept) }) {
        case .success(let chosen):
            let fastPath = try #require(position.map { reads.negotiated[$0] }, "\(accept ?? "none")")
            #expect(chosen.okHead == fastPath.okHead && chosen.headers == fastPath.headers, "\(accept ?? "none")")
            #expect(chosen.headers[.vary] == "Accept")
        case .failure(let error):
            #expect(position == nil, "\(accept ?? "none")")
            #expect(error.code == .notAcceptable)
        }
        for type in StatusMediaType.allCases {
            let forced = try reads.response(format: type, accept: accept)
            #expect(forced.headers[.contentType] == type.rawValue && forced.headers[.vary] == nil)
            #expect(forced.okHead == reads.perFormat(type)?.okHead)
        }
    }

    @Test func aFormatThatIsNotPublishedIsNotFound() throws {
        let full = try Self.publication(version: 2)
        let w3cOnly = PublishedList(
            definition: full.definition, version: 2, publishedAt: full.publishedAt, validUntil: full.validUntil, bitstring: full.bitstring,
            representations: full.representations.filter { $0.key == .vc || $0.key == .vcJWT })
        let reads = PreparedStatusReads(w3cOnly)
        let error = #expect(throws: ServiceError.self) { try reads.response(format: .statusListCWT, accept: nil) }
        #expect(error?.code == .notFound)
        #expect(error?.detail == "list 'list1' is not published as application/statuslist+cwt")
        #expect(try reads.response(format: nil, accept: "application/statuslist+jwt, */*;q=0.1").headers[.contentType] == "application/vc")
    }

    // MARK: - Request targets

    /// A recognised target with the list id as a string, for a readable table.
    enum Target: Equatable {
        case list(id: String, format: StatusMediaType?)
        case lookup(id: String, index: Int)
    }

    static let targets: [(String, Target?)] = [
        ("/status/abc", .list(id: "abc", format: nil)),
        ("/status/abc.jwt", .list(id: "abc", format: .statusListJWT)),
        ("/status/abc.cwt", .list(id: "abc", format: .statusListCWT)),
        ("/status/abc.vc.json", .list(id: "abc", format: .vc)),
        ("/status/abc.vc.jwt", .list(id: "abc", format: .vcJWT)),
        ("/status/abc/0", .lookup(id: "abc", index: 0)),
        ("/status/abc/0042", .lookup(id: "abc", index: 42)),
        ("/status/a.b/7", .lookup(id: "a.b", index: 7)),
        ("/status/abc/999999999999999999", .lookup(id: "abc", index: 999_999_999_999_999_999)),
        ("/status/abc/9999999999999999999", nil),
        ("/status/abc.xml", nil), ("/status/abc.", nil), ("/status/.jwt", nil), ("/status/", nil), ("/status", nil),
        ("/status/abc?time=1", nil), ("/status/abc%2e", nil), ("/status/abc#x", nil), ("/status/ab\u{e9}", nil),
        ("/status/abc/", nil), ("/status/abc/1/2", nil), ("/status/abc/-1", nil), ("/status/abc/+1", nil),
        ("/status/abc/x", nil), ("/status//1", nil), ("/status/lookup", nil), ("/Status/abc", nil),
        ("http://host/status/abc", nil), ("/status/a bc", nil), ("/statusx/abc", nil), ("/admin/lists", nil),
    ]

    @Test(arguments: targets)
    func requestTargetsAreRecognisedExactly(target: String, expected: Target?) {
        let bytes = Array(target.utf8)
        let recognised = bytes.withUnsafeBytes { StatusReadTarget($0) }.map { read -> Target in
            switch read {
            case .list(let id, let format): .list(id: String(decoding: bytes[id], as: UTF8.self), format: format)
            case .lookup(let id, let index): .lookup(id: String(decoding: bytes[id], as: UTF8.self), index: index)
            }
        }
        #expect(recognised == expected, "\(target)")
    }

    // MARK: - Heads and conditional requests

    @Test func aJoinedHeadIsReusedOnlyForTheSameHeadInTheSameSecond() {
        var heads = ResponseHeadTail(serverName: "standing")
        let first = Date(timeIntervalSince1970: 1_800_000_000)
        let later = first.addingTimeInterval(1)
        let headA = ByteBuffer(string: "HTTP/1.1 304 Not Modified\r\nETag: \"a\"\r\n")
        let headB = ByteBuffer(string: "HTTP/1.1 304 Not Modified\r\nETag: \"b\"\r\n")
        let shorter = ByteBuffer(string: "HTTP/1.1 304 Not Modified\r\n")
        func joined(_ head: ByteBuffer, _ tail: ByteBuffer) -> ByteBuffer {
            var buffer = head
            buffer.writeImmutableBuffer(tail)
            return buffer
        }
        let tail = heads.current(now: first)
        let nextTail = heads.current(now: later)
        #expect(tail != nextTail)
        for (head, now, expectedTail) in [
            (headA, first, tail), (headA, first.addingTimeInterval(0.5), tail), (headB, first, tail), (shorter, first, tail),
            (headA, first, tail), (headA, later, nextTail), (headA, first, tail),
        ] {
            #expect(heads.joined(head, now: now) == joined(head, expectedTail))
        }
    }

    @Test func aRepeatedAnswerIsGivenOnlyForTheSameBytesTheSameGenerationAndTheSameSecond() {
        var memo = RepeatedAnswer()
        let request = Array("GET /status/list1 HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"a\"\r\n\r\n".utf8)
        let answer = ByteBuffer(string: "HTTP/1.1 304 Not Modified\r\nETag: \"a\"\r\nDate: x\r\n\r\n")
        func given(_ input: [UInt8], generation: Int = 3, second: Int = 100) -> (answer: ByteBuffer, length: Int)? {
            input.withUnsafeBytes { memo.answer(for: $0, generation: generation, second: second) }
        }
        #expect(given(request) == nil, "nothing remembered yet")
        request.withUnsafeBytes { memo.remember(request: $0, answer: answer, generation: 3, second: 100) }
        #expect(given(request).map { [$0.answer == answer, $0.length == request.count] } == [true, true])
        // Pipelined: the remembered request followed by more bytes.
        #expect(given(request + request.prefix(10))?.length == request.count)
        #expect(given(Array(request.dropLast())) == nil, "the request has not fully arrived")
        var changed = request
        changed[changed.count - 6] = UInt8(ascii: "b")
        #expect(given(changed) == nil, "another If-None-Match")
        #expect(given(request, generation: 4) == nil, "a list was published since")
        #expect(given(request, second: 101) == nil, "the Date would be another")
    }

    @Test(arguments: ["\"fp\"", "W/\"fp\"", "\"x\", \"fp\"", "\"x\",W/\"fp\"", "*", "\"x\"", "", "\"FP\"", "fp", "\"fp"])
    func ifNoneMatchAsBytesAgreesWithTheString(value: String) {
        let response = PreparedResponse(
            body: ByteBuffer(string: "x"), fingerprint: "fp", contentType: "application/statuslist+jwt", negotiated: false,
            lastModified: nil, cacheControl: "max-age=60")
        var bytes = value
        let fromBytes = bytes.withUTF8 { response.isNotModified(ifNoneMatch: UnsafeRawBufferPointer($0)) }
        #expect(fromBytes == response.isNotModified(ifNoneMatch: value))
        #expect(fromBytes == ["\"fp\"", "W/\"fp\"", "\"x\", \"fp\"", "\"x\",W/\"fp\"", "*"].contains(value))
    }

    // MARK: - Lookup JSON

    @Test func lookupJSONIsWhatJSONEncoderWrites() throws {
        let publication = try Self.publication(version: 7)
        let lookup = try #require(PreparedLookup(publication))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let tail = ByteBuffer(string: "Date: x\r\n\r\n")
        for index in 0..<publication.bitstring.count {
            let value = Int(publication.bitstring[index])
            let expected = StatusReadController.LookupResult(
                list: publication.definition.id,
                index: index,
                status: value,
                purpose: publication.definition.purpose.rawValue,
                message: value < publication.definition.statusMessages.count ? publication.definition.statusMessages[value].message : nil,
                version: publication.version,
                publishedAt: publication.publishedAt,
                validUntil: publication.validUntil
            )
            let response = try #require(lookup.response(index: index, tail: tail, allocator: ByteBufferAllocator()))
            let parsed = try #require(RawHTTP.parse(Array(response.readableBytesView), bodiless: [false])?.first)
            #expect(parsed.body == Array(try encoder.encode(expected)), "index \(index)")
            #expect(parsed.header("Content-Length") == String(parsed.body.count))
        }
        #expect(lookup.response(index: publication.bitstring.count, tail: tail, allocator: ByteBufferAllocator()) == nil)
        #expect(lookup.response(index: -1, tail: tail, allocator: ByteBufferAllocator()) == nil)
    }

    // MARK: - The handler in a pipeline with a stand-in for the router

    @Test(arguments: [false, true])
    func answersStatusReadsAndForwardsEverythingElse(beforeDecoder: Bool) async throws {
        let harness = try await Harness.start(publication: try Self.publication(version: 1), beforeDecoder: beforeDecoder)
        defer { Task { await harness.close() } }
        let etag = try #require(harness.published.preparedReads("list1")?.perFormat(.vc)?.etag)
        let cases: [(request: String, routed: Bool, status: Int)] = [
            ("GET /status/list1 HTTP/1.1\r\nHost: x\r\n\r\n", false, 200),
            ("HEAD /status/list1 HTTP/1.1\r\nHost: x\r\n\r\n", false, 200),
            ("GET /status/list1.jwt HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\n\r\n", false, 200),
            ("GET /status/list1.vc.json HTTP/1.1\r\nHost: x\r\n\r\n", false, 200),
            ("GET /status/list1 HTTP/1.1\r\nHost: x\r\nIf-None-Match: \(etag)\r\n\r\n", false, 304),
            ("GET /status/list1 HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n", false, 200),
            ("GET /status/list1/3 HTTP/1.1\r\nHost: x\r\n\r\n", false, 200),
            ("GET /status/list1.xml HTTP/1.1\r\nHost: x\r\n\r\n", true, 200),
            ("GET /status/list1?time=1 HTTP/1.1\r\nHost: x\r\n\r\n", true, 200),
            ("GET /status/unknown HTTP/1.1\r\nHost: x\r\n\r\n", true, 200),
            ("GET /status/list1 HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\n\r\n", true, 200),
            ("GET /status/list1 HTTP/1.1\r\nHost: x\r\nAccept: application/vc\r\naccept: application/json\r\n\r\n", true, 200),
            ("GET /status/list1 HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n", true, 200),
            ("POST /status/list1 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}", true, 200),
            ("HEAD /status/list1/3 HTTP/1.1\r\nHost: x\r\n\r\n", true, 200),
            ("GET /status/list1/16 HTTP/1.1\r\nHost: x\r\n\r\n", true, 200),
            ("GET /status/list1/x HTTP/1.1\r\nHost: x\r\n\r\n", true, 200),
            ("GET /status/list1 HTTP/1.1\r\nHost: x\r\nConnection: Keep-Alive, CLOSE\r\n\r\n", true, 200),
        ]
        let connection = try await RawHTTP.Connection.open(port: harness.port)
        for (request, routed, status) in cases {
            let before = harness.log.count
            let isHead = request.hasPrefix("HEAD")
            let response = try #require(try await connection.exchange([request], bodiless: [isHead]).first)
            #expect((response.header("X-Answered-By") == "router") == routed, "\(request)")
            #expect(harness.log.count - before == (routed ? 1 : 0), "\(request)")
            #expect(response.status == status, "\(request)")
            #expect(response.header("Date") != nil, "\(request)")
            if !routed, status == 200 {
                #expect(response.header("Server") == "standing")
                let length = try #require(response.header("Content-Length").flatMap { Int($0) })
                #expect(isHead ? response.body.isEmpty : response.body.count == length, "\(request)")
            }
        }
        await connection.close()
    }

    /// Sends `requests` on `connection` and expects each answer's `Date` to be current: from the second they were
    /// sent in to the moment the answers were read.
    static func exchangeExpectingCurrentDates(
        _ connection: RawHTTP.Connection, _ requests: [String], bodiless: [Bool], sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> [RawHTTP.Response] {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let sent = Date().timeIntervalSince1970.rounded(.down)
        let answers = try await connection.exchange(requests, bodiless: bodiless)
        let received = Date().timeIntervalSince1970
        for answer in answers {
            let date = try #require(answer.header("Date").flatMap { formatter.date(from: $0) }, sourceLocation: sourceLocation)
            let seconds = date.timeIntervalSince1970
            #expect(seconds >= sent && seconds <= received, "\(answer.header("Date") ?? "")", sourceLocation: sourceLocation)
        }
        return answers
    }

    /// The same 304 and HEAD again and again on one connection (answered from ``RepeatedAnswer`` after the first):
    /// a new publication is seen at once, and the `Date` stays current.
    @Test func repeatedRevalidationsFollowPublicationsAndTheClock() async throws {
        let harness = try await Harness.start(publication: try Self.publication(version: 1), beforeDecoder: true)
        defer { Task { await harness.close() } }
        let etag = try #require(harness.published.preparedReads("list1")?.perFormat(.statusListJWT)?.etag)
        let revalidation = "GET /status/list1.jwt HTTP/1.1\r\nHost: x\r\nIf-None-Match: \(etag)\r\n\r\n"
        let head = "HEAD /status/list1.jwt HTTP/1.1\r\nHost: x\r\n\r\n"
        let connection = try await RawHTTP.Connection.open(port: harness.port)
        let started = Date()
        while Date().timeIntervalSince(started) < 2.2 {
            // Only the revalidation here: a different request in between would replace the remembered answer.
            let answers = try await Self.exchangeExpectingCurrentDates(connection, [revalidation, revalidation], bodiless: [false, false])
            #expect(answers.map(\.status) == [304, 304])
            #expect(answers.allSatisfy { $0.header("ETag") == etag })
            try await Task.sleep(for: .milliseconds(50))
        }
        let heads = try await connection.exchange([head, head], bodiless: [true, true])
        #expect(heads.map(\.status) == [200, 200] && heads.allSatisfy { $0.header("ETag") == etag && $0.body.isEmpty })
        harness.published.replace(try Self.publication(version: 2, largeBody: Array("statuslist-jwt, version 2".utf8)))
        let newTag = try #require(harness.published.preparedReads("list1")?.perFormat(.statusListJWT)?.etag)
        #expect(newTag != etag)
        let afterPublication = try await connection.exchange([revalidation, head], bodiless: [false, true])
        #expect(afterPublication.map(\.status) == [200, 200])
        #expect(afterPublication.allSatisfy { $0.header("ETag") == newTag })
        #expect(harness.log.count == 0, "every request was answered before the decoder")
        await connection.close()
    }

    /// A body from ``BodyFile/threshold`` on is sent from its file (`sendfile`): the same bytes, from either handler,
    /// for GET and (without body) HEAD, pipelined.
    @Test(arguments: [false, true])
    func largeBodiesAreSentWholeFromTheirFile(beforeDecoder: Bool) async throws {
        let large = (0..<(BodyFile.threshold * 3 + 17)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
        let publication = try Self.publication(version: 1, largeBody: large)
        let harness = try await Harness.start(publication: publication, beforeDecoder: beforeDecoder)
        defer { Task { await harness.close() } }
        #expect(harness.published.preparedReads("list1")?.perFormat(.statusListJWT)?.file?.length == large.count)
        #expect(harness.published.preparedReads("list1")?.perFormat(.vc)?.file == nil)
        let connection = try await RawHTTP.Connection.open(port: harness.port)
        let get = "GET /status/list1.jwt HTTP/1.1\r\nHost: x\r\n\r\n"
        let head = "HEAD /status/list1.jwt HTTP/1.1\r\nHost: x\r\n\r\n"
        let answers = try await connection.exchange([get, head, get, "GET /status/list1.vc.json HTTP/1.1\r\n\r\n"], bodiless: [false, true, false, false])
        #expect(answers.allSatisfy { $0.header("X-Answered-By") == nil && $0.status == 200 })
        #expect(answers[0].body == large && answers[2].body == large)
        #expect(answers[1].body.isEmpty && answers[1].header("Content-Length") == String(large.count))
        #expect(answers[3].body == Array("vc-bytes".utf8))
        // Across a few seconds, so that some answers go out as the second's whole-answer file (head and body in one
        // `sendfile`) and some as head and body file: the same bytes either way, and a current `Date`.
        let started = Date()
        while Date().timeIntervalSince(started) < 2.5 {
            let again = try await Self.exchangeExpectingCurrentDates(connection, [get, get], bodiless: [false, false])
            for answer in again {
                #expect(answer.status == 200 && answer.body == large && answer.header("Content-Length") == String(large.count))
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        // Once a second's whole-answer file is there, it is what goes out: made here first, with a marked tail.
        let response = try #require(harness.published.preparedReads("list1")?.perFormat(.statusListJWT))
        var sentTheWholeFile = false
        for _ in 0..<10 where !sentTheWholeFile {
            let second = Int(Date().timeIntervalSince1970)
            let marked = ByteBuffer(string: "X-Whole-Answer: \(second)\r\n\r\n")
            var made: BodyFile?
            for _ in 0..<200 where made == nil {
                made = response.wholeAnswerFile(second: second, tail: marked)
                if made == nil { try await Task.sleep(for: .milliseconds(5)) }
            }
            guard made != nil, Int(Date().timeIntervalSince1970) == second else { continue }
            let answer = try await connection.exchange([get], bodiless: [false])[0]
            #expect(answer.status == 200 && answer.body == large)
            sentTheWholeFile = answer.header("X-Whole-Answer") == String(second)
            if !sentTheWholeFile { try await Task.sleep(for: .milliseconds(300)) }
        }
        #expect(sentTheWholeFile)
        await connection.close()
    }

    @Test(arguments: [false, true])
    func switchedOffLookupGoesToTheRouter(beforeDecoder: Bool) async throws {
        let harness = try await Harness.start(publication: try Self.publication(version: 1), directLookup: false, beforeDecoder: beforeDecoder)
        defer { Task { await harness.close() } }
        let connection = try await RawHTTP.Connection.open(port: harness.port)
        let response = try await connection.exchange(["GET /status/list1/3 HTTP/1.1\r\nHost: x\r\n\r\n"], bodiless: [false])
        #expect(response.first?.header("X-Answered-By") == "router")
        await connection.close()
    }

    @Test(arguments: [false, true])
    func pipelinedMixedRequestsKeepTheirOrder(beforeDecoder: Bool) async throws {
        let harness = try await Harness.start(publication: try Self.publication(version: 1), beforeDecoder: beforeDecoder)
        defer { Task { await harness.close() } }
        let connection = try await RawHTTP.Connection.open(port: harness.port)
        // One burst: the first three are answered here at once; the router answers the fourth later, and everything
        // after it must wait its turn (so goes to the router too).
        let burst: [(String, Bool)] = [
            ("GET /status/list1.jwt HTTP/1.1\r\nHost: x\r\n\r\n", false),
            ("HEAD /status/list1 HTTP/1.1\r\nHost: x\r\n\r\n", true),
            ("GET /status/list1/2 HTTP/1.1\r\nHost: x\r\n\r\n", false),
            ("GET /status/unknown HTTP/1.1\r\nHost: x\r\n\r\n", false),
            ("GET /status/list1.cwt HTTP/1.1\r\nHost: x\r\n\r\n", false),
            ("HEAD /status/other HTTP/1.1\r\nHost: x\r\n\r\n", true),
            ("GET /status/list1/3 HTTP/1.1\r\nHost: x\r\n\r\n", false),
        ]
        let first = try await connection.exchange(burst.map(\.0), bodiless: burst.map(\.1))
        #expect(first.map { $0.header("X-Answered-By") == "router" } == [false, false, false, true, true, true, true])
        #expect(first[0].header("Content-Type") == "application/statuslist+jwt" && first[0].body == Array("statuslist-jwt".utf8))
        #expect(first[1].header("Content-Type") == "application/vc" && first[1].body.isEmpty)
        #expect(first[2].header("Content-Type") == "application/json" && String(decoding: first[2].body, as: UTF8.self).contains("\"index\":2,"))
        #expect(first[3].header("X-Request") == "GET /status/unknown" && first[3].body == Array("router GET /status/unknown".utf8))
        #expect(first[4].header("X-Request") == "GET /status/list1.cwt")
        #expect(first[5].header("X-Request") == "HEAD /status/other" && first[5].body.isEmpty)
        #expect(first[6].header("X-Request") == "GET /status/list1/3")

        // Once the router is done the fast path answers again; a routed GET after a HEAD answered here still gets
        // its body (NIO's encoder stays paired with the requests).
        let second: [(String, Bool)] = [
            ("HEAD /status/list1.vc.jwt HTTP/1.1\r\nHost: x\r\n\r\n", true),
            ("GET /status/other HTTP/1.1\r\nHost: x\r\n\r\n", false),
            ("HEAD /status/list1 HTTP/1.1\r\nHost: x\r\n\r\n", true),
        ]
        let answers = try await connection.exchange(second.map(\.0), bodiless: second.map(\.1))
        #expect(answers.map { $0.header("X-Answered-By") == "router" } == [false, true, true])
        #expect(answers[0].header("Content-Type") == "application/vc+jwt" && answers[0].header("Content-Length") == "6")
        #expect(answers[1].body == Array("router GET /status/other".utf8))
        let third: [(String, Bool)] = [
            ("HEAD /status/list1 HTTP/1.1\r\nHost: x\r\n\r\n", true),
            ("GET /status/list1.vc.json HTTP/1.1\r\nHost: x\r\n\r\n", false),
        ]
        let last = try await connection.exchange(third.map(\.0), bodiless: third.map(\.1))
        #expect(last.map { $0.header("X-Answered-By") == "router" } == [false, false])
        #expect(last[1].body == Array("vc-bytes".utf8))
        await connection.close()
    }

    // MARK: - Against the real router

    /// The fast path's answer (no query string) and the router's (a query string it ignores sends the same read there).
    /// The process-wide count of reads the fast path answered (the metrics system is shared by the test servers).
    func fastPathServed(_ server: TestServer) async throws -> Int {
        let metrics = try await server.request(.GET, "/metrics").text
        let line = metrics.split(separator: "\n").first { $0.hasPrefix(StatusFastPathConfiguration.servedMetric) }
        return line.flatMap { $0.split(separator: " ").last.flatMap { Double($0) } }.map { Int($0) } ?? 0
    }

    func compareWithRouter(_ server: TestServer, _ requests: [(target: String, method: String, headers: String)]) async throws {
        func request(_ item: (target: String, method: String, headers: String), query: String) -> String {
            "\(item.method) \(item.target)\(query) HTTP/1.1\r\nHost: x\r\n\(item.headers)\r\n"
        }
        let bodiless = requests.map { $0.method == "HEAD" }
        // One at a time: pipelined behind a request the router answers, the fast path would leave them to the router.
        let servedBefore = try await fastPathServed(server)
        let fastConnection = try await RawHTTP.Connection.open(port: server.port)
        var fast: [RawHTTP.Response] = []
        for (item, isHead) in zip(requests, bodiless) {
            fast += try await fastConnection.exchange([request(item, query: "")], bodiless: [isHead])
        }
        await fastConnection.close()
        // Were the fast path not installed (that only logs an error), the router would answer both sides alike.
        #expect(try await fastPathServed(server) > servedBefore, "the fast path answered none of the requests")
        let routerConnection = try await RawHTTP.Connection.open(port: server.port)
        let routed = try await routerConnection.exchange(requests.map { request($0, query: "?via=router") }, bodiless: bodiless)
        await routerConnection.close()
        for (position, item) in requests.enumerated() {
            #expect(fast[position].withoutDate == routed[position].withoutDate, "\(item.method) \(item.target) \(item.headers)")
            #expect(fast[position].body == routed[position].body, "\(item.method) \(item.target) \(item.headers)")
            #expect(fast[position].header("Date") != nil && routed[position].header("Date") != nil)
        }
    }

    @Test func everyRepresentationMatchesTheRouterByteForByte() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        for parameters in [["purpose": "revocation", "ttlSeconds": 120], ["purpose": "message", "statusSize": 2]] as [[String: Any]] {
            let list = try await server.createList(parameters)
            var etags: [String] = []
            for type in StatusMediaType.allCases {
                let response = try await server.request(.GET, "/status/\(list).\(type.pathSuffix)")
                if let etag = response.header("ETag") { etags.append(etag) }
            }
            let vcETag = try #require(etags.first)
            let conditionals = [
                "", "If-None-Match: \(vcETag)\r\n", "If-None-Match: *\r\n", "If-None-Match: W/\(vcETag)\r\n",
                "If-None-Match: \"nothing\"\r\n", "If-None-Match: \(etags.joined(separator: ", "))\r\n",
            ]
            var requests: [(target: String, method: String, headers: String)] = []
            for method in ["GET", "HEAD"] {
                for conditional in conditionals {
                    // Every Accept value unconditionally; a sample with each conditional.
                    for accept in conditional.isEmpty ? Self.acceptTable : Array(Self.acceptTable.prefix(12)) {
                        requests.append(("/status/\(list)", method, (accept.map { "Accept: \($0)\r\n" } ?? "") + conditional))
                    }
                    for type in StatusMediaType.allCases {
                        requests.append(("/status/\(list).\(type.pathSuffix)", method, "Accept: text/html\r\n" + conditional))
                    }
                }
            }
            try await compareWithRouter(server, requests)
        }
    }

    @Test func directLookupMatchesTheRouterByteForByte() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let messages = [
            ["status": "0x0", "message": "valid \"quoted\" / slash"], ["status": "0x1", "message": "back\\slash \u{e9}t\u{e9} \u{1F600}"],
            ["status": "0x2", "message": "tab\there\nnewline"], ["status": "0x3", "message": "<html>&amp;"],
        ]
        let list = try await server.createList(["purpose": "message", "statusSize": 2, "statusMessages": messages])
        let plain = try await server.createList(["purpose": "revocation"])
        let indices = try await server.allocate(list, count: 4)
        for (value, index) in indices.enumerated() where value > 0 { try await server.setStatus(list, index, value) }
        var requests: [(target: String, method: String, headers: String)] = indices.map { ("/status/\(list)/\($0)", "GET", "") }
        for index in ["0", "1", "131071", "131072", "-1", "+1", "007", "abc", "99999999999999999999", ""] {
            requests.append(("/status/\(list)/\(index)", "GET", ""))
            requests.append(("/status/\(plain)/\(index)", "GET", ""))
        }
        requests += [("/status/nope/1", "GET", ""), ("/status/\(list).jwt/1", "GET", ""), ("/status/\(list)/1", "HEAD", "")]
        try await compareWithRouter(server, requests)
        let answer = try await server.request(.GET, "/status/\(list)/\(indices[1])")
        #expect(answer.json["message"] as? String == "back\\slash \u{e9}t\u{e9} \u{1F600}" && answer.json["status"] as? Int == 1)
    }

    @Test func switchedOffLookupStaysOff() async throws {
        let server = try await TestServer.start { $0.directLookup = false }
        defer { Task { await server.stopAndRemove() } }
        let list = try await server.createList()
        let connection = try await RawHTTP.Connection.open(port: server.port)
        let answer = try await connection.exchange(["GET /status/\(list)/0 HTTP/1.1\r\nHost: x\r\n\r\n"], bodiless: [false])
        #expect(answer.first?.status == 501)
        await connection.close()
    }

    @Test func pipelinedMixWithTheRealRouterKeepsOrder() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let list = try await server.createList()
        let etag = try #require(try await server.request(.GET, "/status/\(list).jwt").header("ETag"))
        let requests: [(String, Bool)] = [
            ("GET /status/\(list) HTTP/1.1\r\nHost: x\r\nAccept: application/statuslist+jwt\r\n\r\n", false),
            ("GET /status/\(list)/5?via=router HTTP/1.1\r\nHost: x\r\n\r\n", false),
            ("HEAD /status/\(list).cwt HTTP/1.1\r\nHost: x\r\n\r\n", true),
            ("GET /status/\(list)/6 HTTP/1.1\r\nHost: x\r\n\r\n", false),
            ("GET /status/missing HTTP/1.1\r\nHost: x\r\n\r\n", false),
            ("GET /status/\(list).jwt HTTP/1.1\r\nHost: x\r\nIf-None-Match: \(etag)\r\n\r\n", false),
            ("GET /health HTTP/1.1\r\nHost: x\r\n\r\n", false),
        ]
        // Each answered alone first, then all in one burst: same answers, same order.
        var alone: [RawHTTP.Response] = []
        for (request, bodiless) in requests {
            let connection = try await RawHTTP.Connection.open(port: server.port)
            alone += try await connection.exchange([request], bodiless: [bodiless])
            await connection.close()
        }
        let connection = try await RawHTTP.Connection.open(port: server.port)
        let burst = try await connection.exchange(requests.map(\.0), bodiless: requests.map(\.1))
        await connection.close()
        #expect(burst.map(\.withoutDate) == alone.map(\.withoutDate))
        #expect(burst.map(\.body) == alone.map(\.body))
        #expect(burst.map(\.status) == [200, 200, 200, 200, 404, 304, 200])
    }

    @Test func dateIsPresentAndCurrent() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let list = try await server.createList()
        let connection = try await RawHTTP.Connection.open(port: server.port)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        // The second round comes a second later: its Date must be current again (the per-second cache renews).
        for round in 0..<2 {
            if round == 1 { try await Task.sleep(for: .milliseconds(1100)) }
            let sent = Date().timeIntervalSince1970.rounded(.down)
            let answers = try await connection.exchange(
                ["GET /status/\(list) HTTP/1.1\r\nHost: x\r\n\r\n", "GET /status/\(list)/1 HTTP/1.1\r\nHost: x\r\n\r\n"],
                bodiless: [false, false]
            )
            let received = Date().timeIntervalSince1970
            for answer in answers {
                let date = try #require(answer.header("Date").flatMap { formatter.date(from: $0) }).timeIntervalSince1970
                #expect(date >= sent && date <= received, "\(answer.header("Date") ?? "")")
            }
        }
        await connection.close()
    }

    // MARK: - Fixtures

    /// A message list of 16 two-bit entries in all four formats, with awkward messages.
    /// - Parameter largeBody: Bytes of a `statuslist+jwt` body to publish instead of the short one (a body from
    ///   ``BodyFile/threshold`` on is sent from a file).
    static func publication(version: Int, largeBody: [UInt8]? = nil) throws -> PublishedList {
        var bitstring = try Bitstring(count: 16, entrySize: .two)
        for index in 0..<16 { try bitstring.set(UInt8(index % 4), at: index) }
        let definition = StatusListDefinition(
            id: "list1",
            owner: "issuer",
            purpose: .message,
            statusSize: 2,
            capacity: 16,
            ttlSeconds: 60,
            validitySeconds: 3600,
            statusMessages: try [
                StatusMessage(value: 0, message: "valid"), StatusMessage(value: 1, message: "quote \" slash / back \\"),
                StatusMessage(value: 2, message: "\u{1} control \u{7f} \u{e9}"), StatusMessage(value: 3, message: ""),
            ],
            allocatorKey: [1, 2, 3],
            createdAt: Date(timeIntervalSince1970: 1_790_000_000)
        )
        let bodies: [StatusMediaType: String] = [.vc: "vc-bytes", .vcJWT: "vc-jwt", .statusListJWT: "statuslist-jwt", .statusListCWT: "cwt"]
        return PublishedList(
            definition: definition,
            version: version,
            publishedAt: Date(timeIntervalSince1970: 1_790_000_123),
            validUntil: Date(timeIntervalSince1970: 1_790_086_523),
            bitstring: bitstring,
            representations: bodies.reduce(into: [:]) {
                let body = $1.key == .statusListJWT ? largeBody.map { Data($0) } ?? Data($1.value.utf8) : Data($1.value.utf8)
                $0[$1.key] = PublishedRepresentation(mediaType: $1.key, body: body)
            }
        )
    }
}

// MARK: - Back-pressure

@Suite struct FastPathBackPressureTests {
    /// Counts the read requests that reach the head of the pipeline (the socket).
    final class ReadCounter: ChannelOutboundHandler {
        typealias OutboundIn = Any
        var reads = 0
        func read(context: ChannelHandlerContext) {
            reads += 1
            context.read()
        }
    }

    @Test func theSocketIsNotReadWhileAnswersCannotBeWritten() throws {
        _ = MetricsRegistry.shared
        let channel = EmbeddedChannel()
        let counter = ReadCounter()
        let pipeline = channel.pipeline.syncOperations
        try pipeline.addHandler(counter)
        try pipeline.configureHTTPServerPipeline(
            withPipeliningAssistance: false, withErrorHandling: false, withOutboundHeaderValidation: false,
            withEncoderConfiguration: .init(), withDecoderLimitConfiguration: .init())
        let configuration = StatusFastPathConfiguration(published: PublishedLists(), serverName: "standing", directLookupEnabled: true)
        try StatusFastPathHandler.install(on: pipeline, configuration: configuration)

        channel.read()
        #expect(counter.reads == 1)
        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        channel.read()
        #expect(counter.reads == 1, "no read while the outbound buffer is full")
        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        #expect(counter.reads == 2, "the held read happens once the channel drains")
        channel.read()
        #expect(counter.reads == 3)
        _ = try channel.finish()
    }
}

// MARK: - Harness: NIO's HTTP/1 pipeline with the fast path and a stand-in for the router

/// NIO's HTTP/1 server pipeline as Hummingbird sets it up, the fast path installed as the application installs it,
/// and at the end, where Hummingbird would be, a stand-in that answers later (as the router does from its task) and
/// says so in its headers.
struct Harness {
    let published: PublishedLists
    let log: RequestLog
    let channel: any Channel
    var port: Int { channel.localAddress?.port ?? 0 }

    /// - Parameter beforeDecoder: Whether ``RawStatusReadHandler`` answers first, as in the server.
    static func start(publication: PublishedList, directLookup: Bool = true, beforeDecoder: Bool = false) async throws -> Harness {
        _ = MetricsRegistry.shared
        let published = PublishedLists()
        published.replace(publication)
        let configuration = StatusFastPathConfiguration(published: published, serverName: "standing", directLookupEnabled: directLookup)
        let log = RequestLog()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.configureHTTPServerPipeline(
                        withPipeliningAssistance: false,
                        withErrorHandling: false,
                        withOutboundHeaderValidation: false,
                        withEncoderConfiguration: .init(),
                        withDecoderLimitConfiguration: .init()
                    )
                    try pipeline.addHandler(RouterStandIn(log: log))
                    try StatusFastPathHandler.install(on: pipeline, configuration: configuration)
                    if beforeDecoder { try RawStatusReadHandler.install(on: pipeline, configuration: configuration) }
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return Harness(published: published, log: log, channel: channel)
    }

    func close() async {
        try? await channel.close()
    }
}

/// The requests that reached the stand-in router.
final class RequestLog: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var count: Int { lines.withLock { $0.count } }
}

/// Answers every request it gets 20 ms later, in order, with `X-Answered-By: router` and its request line in the body.
final class RouterStandIn: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    private let log: RequestLog
    private var queue: [String] = []
    private var answering = false

    init(log: RequestLog) {
        self.log = log
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            let line = "\(head.method.rawValue) \(head.uri)"
            log.append(line)
            queue.append(line)
        case .body:
            break
        case .end:
            if !answering { answerNext(context: context) }
        }
    }

    private func answerNext(context: ChannelHandlerContext) {
        guard !queue.isEmpty else {
            answering = false
            return
        }
        answering = true
        let line = queue.removeFirst()
        context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(20)) {
            let body = "router \(line)"
            var headers = HTTPHeaders()
            headers.add(name: "X-Answered-By", value: "router")
            headers.add(name: "X-Request", value: line)
            headers.add(name: "Date", value: "now")
            headers.add(name: "Content-Length", value: String(body.utf8.count))
            context.write(self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            // NIO's encoder leaves this out of the answer to a HEAD request.
            context.write(self.wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
            context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
            self.answerNext(context: context)
        }
    }
}

// MARK: - Raw HTTP/1.1 client

enum RawHTTP {
    /// One parsed response.
    struct Response: Equatable {
        /// Status line and header lines as sent, without the `Date` line.
        var withoutDate: String
        var status: Int
        var headers: [(name: String, value: String)]
        var body: [UInt8]

        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }

        static func == (lhs: Response, rhs: Response) -> Bool {
            lhs.withoutDate == rhs.withoutDate && lhs.body == rhs.body
        }
    }

    /// Parses `bodiless.count` responses from `bytes` (`bodiless` marks answers to HEAD), or nil if incomplete.
    static func parse(_ bytes: [UInt8], bodiless: [Bool]) -> [Response]? {
        parseCounting(bytes, bodiless: bodiless)?.responses
    }

    /// ``parse(_:bodiless:)`` and how many bytes the responses took up.
    static func parseCounting(_ bytes: [UInt8], bodiless: [Bool]) -> (responses: [Response], length: Int)? {
        var responses: [Response] = []
        var offset = 0
        let separator = Array("\r\n\r\n".utf8)
        for isBodiless in bodiless {
            guard let end = firstIndex(of: separator, in: bytes, from: offset) else { return nil }
            let head = String(decoding: bytes[offset..<end], as: UTF8.self)
            var lines = head.components(separatedBy: "\r\n")
            let statusLine = lines.removeFirst()
            let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") ?? 0
            let headers = lines.map { line -> (name: String, value: String) in
                let parts = line.split(separator: ":", maxSplits: 1)
                return (String(parts[0]), parts.count > 1 ? String(parts[1].dropFirst()) : "")
            }
            let length = headers.first { $0.name.lowercased() == "content-length" }.flatMap { Int($0.value) } ?? 0
            let bodyLength = isBodiless || status == 304 || status == 204 ? 0 : length
            let bodyStart = end + separator.count
            guard bytes.count >= bodyStart + bodyLength else { return nil }
            let withoutDate = ([statusLine] + lines.filter { !$0.lowercased().hasPrefix("date:") }).joined(separator: "\r\n")
            responses.append(
                Response(withoutDate: withoutDate, status: status, headers: headers, body: Array(bytes[bodyStart..<(bodyStart + bodyLength)]))
            )
            offset = bodyStart + bodyLength
        }
        return (responses, offset)
    }

    private static func firstIndex(of needle: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard bytes.count >= needle.count else { return nil }
        var position = start
        while position + needle.count <= bytes.count {
            if bytes[position..<(position + needle.count)].elementsEqual(needle) { return position }
            position += 1
        }
        return nil
    }

    /// A keep-alive connection that sends raw requests and waits for their responses.
    final class Connection: Sendable {
        private let channel: any Channel
        private let collector: Collector

        private init(channel: any Channel, collector: Collector) {
            self.channel = channel
            self.collector = collector
        }

        static func open(port: Int) async throws -> Connection {
            let collector = Collector()
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(CollectorHandler(collector: collector)) }
                }
                .connect(host: "127.0.0.1", port: port).get()
            return Connection(channel: channel, collector: collector)
        }

        /// Sends `requests` in one write (pipelined) and returns their responses.
        func exchange(_ requests: [String], bodiless: [Bool]) async throws -> [Response] {
            let promise = channel.eventLoop.makePromise(of: [Response].self)
            collector.expect(bodiless, promise: promise)
            try await channel.writeAndFlush(ByteBuffer(string: requests.joined()))
            let timeout = channel.eventLoop.scheduleTask(in: .seconds(10)) {
                promise.fail(TestFailure("no complete answer to \(requests)"))
            }
            defer { timeout.cancel() }
            return try await promise.futureResult.get()
        }

        func close() async {
            try? await channel.close()
        }
    }

    /// What has arrived and what is awaited; touched from the channel's event loop and the test task.
    final class Collector: Sendable {
        private struct State {
            var received: [UInt8] = []
            var awaited: (bodiless: [Bool], promise: EventLoopPromise<[Response]>)?
        }
        private let state = Mutex(State())

        func expect(_ bodiless: [Bool], promise: EventLoopPromise<[Response]>) {
            state.withLock { $0.awaited = (bodiless, promise) }
            check()
        }

        func received(_ bytes: ByteBuffer) {
            state.withLock { $0.received += bytes.readableBytesView }
            check()
        }

        private func check() {
            let done: (EventLoopPromise<[Response]>, [Response])? = state.withLock { state in
                guard let awaited = state.awaited, let parsed = parseCounting(state.received, bodiless: awaited.bodiless) else { return nil }
                state.received.removeFirst(parsed.length)
                state.awaited = nil
                return (awaited.promise, parsed.responses)
            }
            if let (promise, responses) = done { promise.succeed(responses) }
        }
    }

    final class CollectorHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let collector: Collector

        init(collector: Collector) {
            self.collector = collector
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            collector.received(unwrapInboundIn(data))
        }
    }
}

extension NegotiationMemo {
    /// ``position(accept:offerSet:offers:)`` for a value written as a `String`.
    fileprivate mutating func position(accept: String?, offerSet: UInt8, offers: [ContentNegotiation.Offer]) -> Int? {
        guard var accept else { return position(accept: UnsafeRawBufferPointer?.none, offerSet: offerSet, offers: offers) }
        return accept.withUTF8 { position(accept: UnsafeRawBufferPointer($0), offerSet: offerSet, offers: offers) }
    }
}
