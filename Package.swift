// swift-tools-version: 6.2
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

// The layers, bottom up (docs/architecture.md draws them):
//   VeoSupport, VeoProvider      shared helpers (file hashing: Crypto); the provider's rules
//   VeoManifest                  YAML (libyaml) → manifest → diagnostics → plan; links no NIO
//   VeoMedia                     ffmpeg/ffprobe, frames, stills, MP4 header probing
//   VeoReport                    the run report's types, the output folder's paths, failure codes
//   VeoClient                    the video API client (AsyncHTTPClient)
//   VeoCache                     the shared cache: S3 (SigV4) or Bazel's HTTP layout
//   VeoRunner                    runs a plan: scheduling, stages, journal, budget, cuts
//   VeoViews                     views of a finished run, made from its report alone (no VeoRunner)
//   VeoEmulator                  a faithful local server of the video API (Hummingbird)
//   VeoWorkspace                 a manifest and its folder: defaults resolved once, forecast(), run()
//   veo-pipeline                 the thin command line: flags, a call, printing, an exit code
let package = Package(
    name: "veo-pipeline",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "veo-pipeline", targets: ["veo-pipeline"]),
        .library(name: "VeoManifest", targets: ["VeoManifest"]),
        .library(name: "VeoClient", targets: ["VeoClient"]),
        .library(name: "VeoMedia", targets: ["VeoMedia"]),
        .library(name: "VeoReport", targets: ["VeoReport"]),
        .library(name: "VeoRunner", targets: ["VeoRunner"]),
        .library(name: "VeoViews", targets: ["VeoViews"]),
        .library(name: "VeoEmulator", targets: ["VeoEmulator"]),
        .library(name: "VeoWorkspace", targets: ["VeoWorkspace"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
    ],
    targets: [
        // libyaml's C API; only VeoManifest/YAML/YAMLLoader.swift and its parsing strategies import it.
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        // Helpers every layer shares: atomic file writes, file hashing, hex, async semaphores, file paths, errors as text.
        .target(
            name: "VeoSupport",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        // The provider's rules, once: models, sizes, durations, image formats, the create request and its rules.
        .target(name: "VeoProvider", swiftSettings: strictSettings),
        // The manifest stack: YAML → Manifest → Plan, every problem a diagnostic at file:line:column.
        .target(
            name: "VeoManifest",
            dependencies: ["CYAML", "VeoProvider", "VeoSupport"],
            swiftSettings: strictSettings
        ),
        // ffmpeg and ffprobe: frames of clips, stills, probes and encodes; MP4 headers read without a process.
        .target(
            name: "VeoMedia",
            dependencies: ["VeoProvider", "VeoSupport", .product(name: "Subprocess", package: "swift-subprocess")],
            swiftSettings: strictSettings
        ),
        // The run report (`report.json`) as types, the output folder's paths and the failure codes:
        // what the views read, with nothing of the runner.
        .target(
            name: "VeoReport",
            dependencies: ["VeoProvider", "VeoSupport"],
            swiftSettings: strictSettings
        ),
        // The video API client: create, poll, download, with retry scopes and redaction.
        .target(
            name: "VeoClient",
            dependencies: [
                "VeoProvider", "VeoSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        // The shared cache on object storage (issue 14): S3 (Signature V4 by hand) or Bazel's HTTP
        // cache layout, behind the `RemoteCache` protocol the runner uses.
        .target(
            name: "VeoCache",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        // Runs a plan: scheduling, the job stages, the journal and clip store, the budget, cuts; the
        // report built from its outcomes.
        .target(
            name: "VeoRunner",
            dependencies: [
                "VeoProvider", "VeoSupport", "VeoManifest", "VeoClient", "VeoCache", "VeoMedia", "VeoReport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ],
            swiftSettings: strictSettings
        ),
        // Views of a finished run, made from its report: the HTML contact sheet (and its thumbnails).
        .target(
            name: "VeoViews",
            dependencies: ["VeoProvider", "VeoSupport", "VeoManifest", "VeoReport", "VeoMedia"],
            swiftSettings: strictSettings
        ),
        // A faithful local emulator of the provider's video API (a real HTTP server).
        .target(
            name: "VeoEmulator",
            dependencies: [
                "VeoSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "MultipartKit", package: "multipart-kit"),
            ],
            swiftSettings: strictSettings
        ),
        // A manifest and its output folder: the defaults resolved once (folder, server, prices,
        // budget, shared cache), `forecast()` (what `plan` prints and `run` starts from) and `run()`.
        .target(
            name: "VeoWorkspace",
            dependencies: [
                "VeoProvider", "VeoSupport", "VeoManifest", "VeoClient", "VeoCache", "VeoMedia", "VeoReport", "VeoRunner", "VeoViews",
                "VeoEmulator",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // The thin command-line front end: flags, a call to the libraries, printing, an exit code.
        .executableTarget(
            name: "veo-pipeline",
            dependencies: [
                "VeoProvider", "VeoSupport", "VeoManifest", "VeoClient", "VeoMedia", "VeoReport", "VeoRunner", "VeoViews", "VeoEmulator",
                "VeoCache", "VeoWorkspace",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VeoManifestTests",
            dependencies: ["VeoProvider", "VeoSupport", "VeoManifest"],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VeoRunnerTests",
            dependencies: [
                "VeoProvider", "VeoSupport", "VeoManifest", "VeoClient", "VeoMedia", "VeoReport", "VeoRunner", "VeoViews", "VeoEmulator",
            ],
            swiftSettings: strictSettings
        ),
        // The workspace in-process: forecast, render-what-fits, refused runs (no binary spawned).
        .testTarget(
            name: "VeoWorkspaceTests",
            dependencies: ["VeoManifest", "VeoReport", "VeoRunner", "VeoViews", "VeoWorkspace"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VeoEmulatorTests",
            dependencies: [
                "VeoEmulator", "VeoProvider",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "APIClientTests",
            dependencies: [
                "VeoProvider", "VeoClient", "VeoEmulator",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VeoCacheTests",
            dependencies: ["VeoCache", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "VeoProvider", "VeoSupport", "VeoManifest", "VeoMedia", "VeoReport", "VeoRunner", "VeoViews", "VeoEmulator", "VeoCache",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strictSettings
        ),
    ]
)
