import Foundation
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import Server

/// The fast path before NIO's decoder: it recognises only request heads the decoder reads the same way, and it hands
/// a connection to the decoder, with every byte from the first request it does not answer, exactly once.
@Suite struct RawStatusReadTests {
    // MARK: - Recognising request heads

    /// A recognised head with its parts as strings, for readable tables.
    struct ReadHead: Equatable {
        var headOnly: Bool
        var target: String
        var accept: String?
        var ifNoneMatch: String?
    }

    static let recognised: [(String, ReadHead)] = [
        ("GET /status/a HTTP/1.1\r\nHost: x\r\n\r\n", .init(headOnly: false, target: "/status/a", accept: nil, ifNoneMatch: nil)),
        ("HEAD /status/a.jwt HTTP/1.1\r\n\r\n", .init(headOnly: true, target: "/status/a.jwt", accept: nil, ifNoneMatch: nil)),
        (
            "GET /status/a HTTP/1.1\r\nhost: x\r\nACCEPT:  application/statuslist+jwt \t\r\nIf-None-Match: \"e1\"\r\n\r\n",
            .init(headOnly: false, target: "/status/a", accept: "application/statuslist+jwt", ifNoneMatch: "\"e1\"")
        ),
        ("GET /x HTTP/1.1\r\nAccept:\r\n\r\n", .init(headOnly: false, target: "/x", accept: "", ifNoneMatch: nil)),
        (
            "GET /status/a/12 HTTP/1.1\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\nUser-Agent: wrk \u{7}\r\n\r\n".replacingOccurrences(
                of: "\u{7}", with: "é"),
            .init(headOnly: false, target: "/status/a/12", accept: nil, ifNoneMatch: nil)
        ),
    ]

    @Test(arguments: recognised)
    func recognisesPlainReads(request: String, expected: ReadHead) throws {
        let bytes = Array(request.utf8)
        // Alone, and with the next request's first bytes behind it: the length still ends at this head.
        for input in [bytes, bytes + Array("GET /".utf8)] {
            guard case .request(let head, let length) = input.withUnsafeBytes({ RawRequestHead.parse($0) }) else {
                Issue.record("not recognised: \(request)")
                continue
            }
            #expect(length == bytes.count)
            let text = { (range: Range<Int>) in String(decoding: input[range], as: UTF8.self) }
            #expect(
                ReadHead(headOnly: head.headOnly, target: text(head.target), accept: head.accept.map(text), ifNoneMatch: head.ifNoneMatch.map(text))
                    == expected)
        }
    }

    /// Everything recognised is what NIO's decoder reads: the same method, target, version and fields, and no body.
    @Test(arguments: recognised)
    func theDecoderReadsTheSameRequest(request: String, expected: ReadHead) throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(HTTPRequestDecoder()))
        try channel.writeInbound(ByteBuffer(string: request))
        guard case .head(let head) = try #require(try channel.readInbound(as: HTTPServerRequestPart.self)) else {
            Issue.record("no head")
            return
        }
        #expect(head.method == (expected.headOnly ? .HEAD : .GET))
        #expect(head.uri == expected.target && head.version == .http1_1)
        #expect(head.headers["accept"].first.map { $0.trimmingCharacters(in: .whitespaces) } == expected.accept)
        #expect(head.headers["if-none-match"].first == expected.ifNoneMatch)
        guard case .end = try #require(try channel.readInbound(as: HTTPServerRequestPart.self)) else {
            Issue.record("a body part")
            return
        }
        _ = try channel.finish()
    }

    static let handedOver: [String] = [
        "POST /status/a HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}",
        "GET /status/a HTTP/1.0\r\n\r\n",
        "GET /status/a HTTP/1.1\r\nConnection: close\r\n\r\n",
        "GET /status/a HTTP/1.1\r\nConnection: upgrade\r\nUpgrade: h2c\r\n\r\n",
        "GET /status/a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
        "GET /status/a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "GET /status/a HTTP/1.1\r\nExpect: 100-continue\r\n\r\n",
        "GET /status/a HTTP/1.1\r\nAccept: a/b\r\nAccept: c/d\r\n\r\n",
        "GET /status/a HTTP/1.1\r\nIf-None-Match: \"1\"\r\nif-none-match: \"2\"\r\n\r\n",
        "GET /status/a HTTP/1.1\r\nHost : x\r\n\r\n",
        "GET /status/a HTTP/1.1\r\n Folded: x\r\n\r\n",
        "GET /status/a HTTP/1.1\r\nBad\u{1}Name: x\r\n\r\n",
        "GET /status/a HTTP/1.1\r\nX: a\u{1}b\r\n\r\n",
        "GET /status/a HTTP/1.1\nHost: x\n\n",
        "GET /status/a HTTP/1.1\r\nHost: x\n\r\n",
        "GET  /status/a HTTP/1.1\r\n\r\n",
        "GET status/a HTTP/1.1\r\n\r\n",
        "GET http://x/status/a HTTP/1.1\r\n\r\n",
        "GET /status/\u{7F}a HTTP/1.1\r\n\r\n",
        "get /status/a HTTP/1.1\r\n\r\n",
        "OPTIONS * HTTP/1.1\r\n\r\n",
        "GET /status/a HTTP/2.0\r\n\r\n",
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        "GET /status/a HTTP/1.1\r\n:x\r\n\r\n",
    ]

    @Test(arguments: handedOver)
    func leavesEverythingElseToTheDecoder(request: String) {
        let parsed = Array(request.utf8).withUnsafeBytes { RawRequestHead.parse($0) }
        #expect(parsed == .unsupported)
    }

    @Test func waitsForTheRestOfAHeadUpToItsLimit() {
        let request = Array("GET /status/a HTTP/1.1\r\nAccept: application/vc\r\n\r\n".utf8)
        for cut in 0..<request.count {
            let parsed = Array(request[..<cut]).withUnsafeBytes { RawRequestHead.parse($0) }
            #expect(parsed == .incomplete, "cut at \(cut)")
        }
        let long = Array("GET /status/a HTTP/1.1\r\nX-Filler: \(String(repeating: "f", count: RawRequestHead.longestHead))".utf8)
        #expect(long.withUnsafeBytes { RawRequestHead.parse($0) } == .unsupported)
    }

    // MARK: - The handler

    /// A channel with the handler and nothing behind it: what it answers is written out, what it hands over arrives
    /// at the end of the pipeline.
    func channel() throws -> EmbeddedChannel {
        let published = PublishedLists()
        published.replace(try FastPathBytesTests.publication(version: 1))
        let configuration = StatusFastPathConfiguration(published: published, serverName: "standing", directLookupEnabled: true)
        let channel = EmbeddedChannel()
        try RawStatusReadHandler.install(on: channel.pipeline.syncOperations, configuration: configuration)
        return channel
    }

    func written(_ channel: EmbeddedChannel) throws -> String {
        var text = ""
        while let part = try channel.readOutbound(as: IOData.self) {
            guard case .byteBuffer(let buffer) = part else { continue }
            text += String(buffer: buffer)
        }
        return text
    }

    func handedOverBytes(_ channel: EmbeddedChannel) throws -> String {
        var text = ""
        while let buffer = try channel.readInbound(as: ByteBuffer.self) { text += String(buffer: buffer) }
        return text
    }

    @Test func answersARequestSplitAnywhere() throws {
        let request = "GET /status/list1.jwt HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n"
        let bytes = Array(request.utf8)
        for cut in 1..<bytes.count {
            let channel = try channel()
            try channel.writeInbound(ByteBuffer(bytes: bytes[..<cut]))
            #expect(try written(channel).isEmpty)
            try channel.writeInbound(ByteBuffer(bytes: bytes[cut...]))
            let answer = try written(channel)
            #expect(answer.hasPrefix("HTTP/1.1 200 OK\r\n") && answer.hasSuffix("\r\n\r\nstatuslist-jwt"), "cut at \(cut)")
            #expect(try handedOverBytes(channel).isEmpty)
            _ = try channel.finish()
        }
    }

    @Test func handsOverFromTheFirstRequestItDoesNotAnswer() throws {
        let channel = try channel()
        let post = "POST /admin/lists HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}"
        let read = "GET /status/list1.vc.json HTTP/1.1\r\n\r\n"
        let lookup = "GET /status/list1/2 HTTP/1.1\r\n\r\n"
        try channel.writeInbound(ByteBuffer(string: read + lookup + post + read))
        let answers = try written(channel)
        #expect(answers.components(separatedBy: "HTTP/1.1 200 OK").count == 3)
        #expect(answers.contains("vc-bytes") && answers.contains("\"index\":2,"))
        #expect(try handedOverBytes(channel) == post + read)
        // Once handed over, the connection stays with the decoder, even for reads answered before.
        try channel.writeInbound(ByteBuffer(string: read))
        #expect(try written(channel).isEmpty)
        #expect(try handedOverBytes(channel) == read)
        _ = try channel.finish()
    }

    @Test(arguments: [
        "GET /status/unknown HTTP/1.1\r\n\r\n", "GET /status/list1?time=1 HTTP/1.1\r\n\r\n", "GET /status/list1.xml HTTP/1.1\r\n\r\n",
        "GET /status/list1/16 HTTP/1.1\r\n\r\n", "HEAD /status/list1/2 HTTP/1.1\r\n\r\n", "GET /status/list1 HTTP/1.1\r\nAccept: text/html\r\n\r\n",
        "GET /metrics HTTP/1.1\r\n\r\n",
    ])
    func handsOverReadsItDoesNotAnswer(request: String) throws {
        let channel = try channel()
        let partialNext = "GET /status/li"
        try channel.writeInbound(ByteBuffer(string: request + partialNext))
        #expect(try written(channel).isEmpty)
        #expect(try handedOverBytes(channel) == request + partialNext)
        _ = try channel.finish()
    }

    @Test func handsOverAHeadTooLongToHold() throws {
        let channel = try channel()
        let start = "GET /status/list1 HTTP/1.1\r\nX-Filler: " + String(repeating: "f", count: 5000)
        try channel.writeInbound(ByteBuffer(string: start))
        #expect(try handedOverBytes(channel).isEmpty)
        let more = String(repeating: "f", count: 5000)
        try channel.writeInbound(ByteBuffer(string: more))
        #expect(try handedOverBytes(channel) == start + more)
        #expect(try written(channel).isEmpty)
        _ = try channel.finish()
    }
}
