import Hummingbird

// GET /healthz → "ok\n", like Curtail's endpoint under test.
let port = Int(CommandLine.arguments.dropFirst().first ?? "18181") ?? 18181
let router = Router()
router.get("/healthz") { _, _ in "ok\n" }
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
