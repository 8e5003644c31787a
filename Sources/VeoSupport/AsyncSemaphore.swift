/// A counting semaphore for tasks: at most `permits` holders at once, the others wait in order.
/// Use `withPermit`, which always gives the permit back.
public actor AsyncSemaphore {
    private var available: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []

    public init(permits: Int) {
        precondition(permits >= 1, "a semaphore needs at least one permit")
        available = permits
    }

    /// Runs `body` holding one permit.
    public func withPermit<T: Sendable>(_ body: @Sendable () async throws -> T) async rethrows -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    public func acquire() async {
        if available > 0 {
            available -= 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    public func release() {
        if waiters.isEmpty {
            available += 1
        } else {
            waiters.removeFirst().resume()  // the permit passes straight to the next waiter
        }
    }
}

/// One holder per key at a time: a second task with the same key waits for the first.
public actor KeyedLock<Key: Hashable & Sendable> {
    private var held: Set<Key> = []
    private var waiters: [Key: [CheckedContinuation<Void, Never>]] = [:]

    public init() {}

    /// Runs `body` holding the lock for `key`.
    public func withLock<T: Sendable>(_ key: Key, _ body: @Sendable () async throws -> T) async rethrows -> T {
        await acquire(key)
        defer { release(key) }
        return try await body()
    }

    public func acquire(_ key: Key) async {
        if held.insert(key).inserted { return }
        await withCheckedContinuation { waiters[key, default: []].append($0) }
    }

    public func release(_ key: Key) {
        if var queue = waiters[key], !queue.isEmpty {
            let next = queue.removeFirst()
            waiters[key] = queue.isEmpty ? nil : queue
            next.resume()  // the key stays held, handed to the next holder
        } else {
            held.remove(key)
        }
    }
}
