// swift-tools-version:6.0
import PackageDescription

// One module a job; see docs/ARCHITECTURE.md for who may import whom.
let package = Package(
    name: "curtail",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "curtail", targets: ["Curtail"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // C libraries, linked from the system (Debian: libpq-dev, libssl-dev).
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        // glibc's mallopt, for the executable's arena cap (docs/ARCHITECTURE.md, "Memory").
        .systemLibrary(name: "CMalloc"),

        // Infrastructure, ours by design: HTTP/1.1 over POSIX sockets + Dispatch, and libpq.
        .target(
            name: "HTTP",
            dependencies: ["COpenSSL", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "Postgres",
            dependencies: ["CLibPQ", .product(name: "Logging", package: "swift-log")]
        ),

        // Hashing, AES-256-GCM and randomness over OpenSSL: how secrets are stored.
        .target(name: "Secrets", dependencies: ["COpenSSL"]),

        // Counters, gauges and histograms rendered as Prometheus text; shared by every layer.
        .target(name: "Observability"),

        // Pure domain logic: no sockets, no SQL.
        .target(name: "OpenADR"),
        .target(name: "Planner", dependencies: ["OpenADR"]),

        // The vehicle makers' clouds: one VehicleAPI protocol, Tesla Fleet and Smartcar adapters.
        .target(
            name: "Vendors",
            dependencies: ["HTTP", .product(name: "Logging", package: "swift-log")]
        ),

        // The domain's storage and workers: SQL repositories over the Postgres module.
        .target(
            name: "Fleet",
            dependencies: ["Postgres", "Secrets", "Vendors", "Planner", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "Events",
            dependencies: ["Postgres", "OpenADR", "HTTP", .product(name: "Logging", package: "swift-log")]
        ),

        // The engine: scheduler (desired state), reconciler workers (vendor commands), pacing, telemetry sampling.
        .target(
            name: "Reconciler",
            dependencies: [
                "Postgres", "Planner", "OpenADR", "Vendors", "Observability", .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Measurement and reporting: baselines, curtailed kW, participation, OpenADR report objects.
        .target(name: "Reports", dependencies: ["Postgres", "OpenADR", "Planner", "Observability", .product(name: "Logging", package: "swift-log")]),

        // The vehicle makers' clouds, simulated (Tesla Fleet API + Smartcar v2.0 facades).
        .target(
            name: "Simulator",
            dependencies: ["HTTP", .product(name: "Logging", package: "swift-log")]
        ),

        // HTTP handlers and the process wiring.
        .target(
            name: "API",
            dependencies: [
                "HTTP", "Postgres", "OpenADR", "Observability", "Secrets", "Vendors", "Fleet", "Events", "Reconciler", "Reports",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "Curtail",
            dependencies: [
                "API", "CMalloc", "HTTP", "Postgres", "Reports", "Simulator", "Vendors",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .testTarget(name: "HTTPTests", dependencies: ["HTTP"]),
        .testTarget(name: "SecretsTests", dependencies: ["Secrets"]),
        .testTarget(name: "ReconcilerTests", dependencies: ["Reconciler", "Planner", "Vendors"]),
        .testTarget(
            name: "EngineTests",
            dependencies: ["API", "Reconciler", "Fleet", "Events", "Simulator", "Vendors", "HTTP", "Postgres", "Secrets", "Observability", "Reports"]
        ),
        .testTarget(name: "VendorsTests", dependencies: ["Vendors", "Simulator", "HTTP"]),
        .testTarget(name: "FleetTests", dependencies: ["API", "Fleet", "HTTP", "Postgres", "Simulator", "Vendors"]),
        .testTarget(name: "EventsTests", dependencies: ["API", "Events", "HTTP", "Postgres", "OpenADR", "Observability"]),
        .testTarget(name: "APITests", dependencies: ["API", "HTTP", "Postgres", "Observability"]),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres"]),
        .testTarget(name: "OpenADRTests", dependencies: ["OpenADR"], exclude: ["Fixtures"]),
        .testTarget(name: "PlannerTests", dependencies: ["Planner"]),
        .testTarget(
            name: "ReportsTests",
            dependencies: ["Reports", "API", "HTTP", "Postgres", "OpenADR", "Simulator", "Reconciler", "Vendors", "Fleet", "Events"]
        ),
        .testTarget(name: "SimulatorTests", dependencies: ["Simulator", "HTTP"]),
    ]
)
