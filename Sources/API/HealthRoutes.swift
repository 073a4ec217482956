import HTTP

/// `/healthz`: the process is up and serving. It checks nothing else, so it is cheap enough for any prober.
public enum HealthRoutes {
    public static func register(on router: inout Router) {
        router.get("/healthz") { _, _ in .text("ok\n") }
    }
}
