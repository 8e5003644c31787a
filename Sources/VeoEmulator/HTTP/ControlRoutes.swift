import Foundation
import Hummingbird

/// The emulator's own endpoints under `/_emulator`: the request log, the fault plan, a reset.
/// They need no token and are neither delayed nor logged.
enum ControlRoutes {
    typealias Context = EmulatorRequestContext

    /// Whether `path` is a control path (its first segment is `_emulator`).
    static func owns(_ path: String) -> Bool {
        path.split(separator: "/", omittingEmptySubsequences: true).first == "_emulator"
    }

    static func router(core: EmulatorCore) -> Router<Context> {
        let router = Router(context: Context.self)
        router.get("/_emulator/record") { _, _ in
            Response.json(core.log.record)
        }
        router.get("/_emulator/faults") { _, _ in
            Response.json(await core.faults.plan)
        }
        router.put("/_emulator/faults") { request, _ in
            var request = request
            let body = try await request.collectBody(upTo: 1024 * 1024)
            let plan: FaultPlan
            do {
                plan = try JSONDecoder().decode(FaultPlan.self, from: Data(body.readableBytesView))
            } catch {
                throw APIError.invalid(.invalidJSON, "Expected a FaultPlan JSON object: \(error)")
            }
            await core.faults.setPlan(plan)
            return Response.json(plan)
        }
        router.post("/_emulator/reset") { _, _ in
            await core.reset()
            return Response(status: .noContent)
        }
        // After the routes: wraps only the not-found responder.
        router.add(middleware: UnmatchedRequestMiddleware { _ in .unknownControlPath })
        return router
    }
}
