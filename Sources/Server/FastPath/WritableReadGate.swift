import NIOCore

/// Back-pressure for the handlers that write answers themselves (the fast paths): their answers pass no pipelining
/// handler, so a client that sends requests and never reads the answers would make the outbound buffer grow without
/// bound. While the channel is not writable (outbound bytes above the high-water mark) the socket is not read;
/// reading resumes when it drains.
struct WritableReadGate {
    private var held = false

    /// Asks for the next read now if the channel can take more output, else once it can.
    mutating func read(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            context.read()
        } else {
            held = true
        }
    }

    /// Does the read held back, when the channel became writable. Call it from `channelWritabilityChanged`.
    mutating func writabilityChanged(context: ChannelHandlerContext) {
        if held, context.channel.isWritable {
            held = false
            context.read()
        }
    }
}
