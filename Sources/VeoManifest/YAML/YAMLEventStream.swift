import Foundation

/// One libyaml event, copied out of libyaml's structures so that another thread can read it.
struct RawEvent: Sendable {
    enum Kind: UInt8 {
        case documentStart
        case scalar
        case alias
        case sequenceStart
        case mappingStart
        case sequenceEnd
        case mappingEnd
    }

    var kind: Kind
    var style: YAMLNode.ScalarStyle
    /// 1-based.
    var line: Int32
    var column: Int32
    /// A scalar's text: `textStart..<textStart + textCount` in its chunk's `text`.
    var textStart: Int32
    var textCount: Int32
    /// Index in the chunk's `names`, or -1: a node's anchor, or the anchor an alias names.
    var anchor: Int32
    /// Index in the chunk's `names`, or -1.
    var tag: Int32
}

/// A run of events, made by the parsing thread and read by the building thread.
final class EventChunk: Sendable {
    let events: [RawEvent]
    /// The scalars' text, back to back.
    let text: [UInt8]
    /// Anchors and tags (rare: most events have neither).
    let names: [String]

    init(events: [RawEvent], text: [UInt8], names: [String]) {
        self.events = events
        self.text = text
        self.names = names
    }
}

/// Event chunks from the thread running libyaml to the thread building nodes, in order.
///
/// libyaml's parse is about as long as everything the loader and decoder do with its events, so for
/// a large manifest the two run on different cores. The channel is unbounded: at most the whole
/// document's events are queued, which is what the node table holds anyway.
final class EventChannel: @unchecked Sendable {
    enum Item {
        case chunk(EventChunk)
        /// The stream ended normally.
        case end
        /// libyaml reported an error after the chunks before it.
        case failure(YAMLError)
    }

    private let condition = NSCondition()
    private var items: [Item] = []
    private var next = 0
    private var stopped = false

    func send(_ item: Item) {
        condition.lock()
        items.append(item)
        condition.signal()
        condition.unlock()
    }

    /// The next item, waiting for the parsing thread if it has not sent one yet.
    func receive() -> Item {
        condition.lock()
        defer { condition.unlock() }
        while next == items.count { condition.wait() }
        let item = items[next]
        items[next] = .end  // drop the chunk as soon as it is handed over
        next += 1
        return item
    }

    /// The building thread gave up (an error): the parsing thread stops at its next chunk.
    func stop() {
        condition.lock()
        stopped = true
        condition.unlock()
    }

    var isStopped: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopped
    }
}
