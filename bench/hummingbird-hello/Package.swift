// swift-tools-version:6.0
// The peer for `scripts/bench http`: a Hummingbird 2 hello-world, built the same way (release) as Curtail.
import PackageDescription

let package = Package(
    name: "hummingbird-hello",
    platforms: [.macOS(.v14)],
    dependencies: [.package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1")],
    targets: [
        .executableTarget(name: "HelloHummingbird", dependencies: [.product(name: "Hummingbird", package: "hummingbird")])
    ]
)
