import Hummingbird

/// What routes and middleware share.
struct EmulatorCore: Sendable {
    let jobs: JobBook
    let faults: FaultInjector
    let log: RequestLog
    let address: ServerAddress
    /// The accepted bearer token; nil accepts any non-empty token.
    let apiKey: String?

    /// Clears the request log and the fault counters (jobs stay).
    func reset() async {
        log.clear()
        await faults.resetCounters()
    }
}

/// The emulator's responder: paths under `/_emulator` go to the control router, all others to
/// the API router, so each has its own middleware and its own answer for unmatched requests.
struct EmulatorResponder: HTTPResponder {
    typealias Context = EmulatorRequestContext

    let api: RouterResponder<Context>
    let control: RouterResponder<Context>

    init(core: EmulatorCore) {
        api = VideoRoutes.router(core: core).buildResponder()
        control = ControlRoutes.router(core: core).buildResponder()
    }

    func respond(to request: Request, context: Context) async throws -> Response {
        let router = ControlRoutes.owns(request.uri.path) ? control : api
        return try await router.respond(to: request, context: context)
    }
}
