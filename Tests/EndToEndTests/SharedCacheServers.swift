import Foundation
import Testing

/// Real servers for the shared cache tests, started on free loopback ports and always stopped:
/// moto (S3, signatures checked) and Debian's nginx with WebDAV (Bazel's HTTP cache layout).
enum CacheServers {
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw HarnessError("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func tool(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") + ["/usr/sbin", "/usr/local/bin", "/root/.pyenv/shims"] {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// The real interpreter (not a pyenv shim) of the first Python that imports moto's server and
    /// boto3: `VEO_TEST_PYTHON`, then `python3` on PATH, then pyenv's shim. The test process may
    /// not see pyenv's shims on its PATH, and `moto_server` is itself a shim whose pyenv lookup
    /// depends on the environment; `python -m moto.server` on the resolved interpreter avoids both.
    static let pythonWithMoto: String? = {
        var candidates: [String] = []
        if let chosen = ProcessInfo.processInfo.environment["VEO_TEST_PYTHON"] { candidates.append(chosen) }
        if let onPath = tool("python3") { candidates.append(onPath) }
        candidates += ["/root/.pyenv/shims/python3", "/usr/local/bin/python3", "/usr/bin/python3"]
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
            guard let probe = try? launch(candidate, ["-c", "import sys, moto.server, boto3; print(sys.executable)"], log: nil) else { continue }
            let output = probe.output
            guard waitForExit(probe.process, seconds: 30) else { stop(probe.process); continue }
            let executable = String(decoding: (try? output.readToEnd()) ?? Data(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if probe.process.terminationStatus == 0, FileManager.default.isExecutableFile(atPath: executable) { return executable }
        }
        return nil
    }()

    static func launch(_ path: String, _ arguments: [String], environment: [String: String] = [:], log: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        (process.standardOutput, process.standardError) = (handle, handle)
        try process.run()
        return process
    }

    /// A short-lived process whose standard output is read back through a pipe (stderr discarded).
    static func launch(_ path: String, _ arguments: [String], log: String?) throws -> (process: Process, output: FileHandle) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        return (process, pipe.fileHandleForReading)
    }

    /// Waits at most `seconds` for the process to end; true when it ended.
    static func waitForExit(_ process: Process, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        return !process.isRunning
    }

    /// Stops a server without ever waiting forever: `signal` first (SIGTERM by default; nginx in
    /// the foreground with `master_process off` ignores SIGTERM, so it gets SIGQUIT), then SIGKILL
    /// after `grace` seconds, then a bounded wait for the kill to land.
    static func stop(_ process: Process, signal first: Int32 = SIGTERM, grace: Double = 3) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, first)
        if waitForExit(process, seconds: grace) { return }
        kill(process.processIdentifier, SIGKILL)
        _ = waitForExit(process, seconds: 5)
    }
}

/// moto in server mode with signature checking: the first requests (user, key, policy, bucket)
/// pass unsigned, then every request needs the generated key.
final class MotoS3: @unchecked Sendable {
    static let bucket = "veo-cache"
    let endpoint: String
    let accessKey: String
    let secret: String
    let directory: String

    private init(endpoint: String, accessKey: String, secret: String, directory: String) {
        (self.endpoint, self.accessKey, self.secret, self.directory) = (endpoint, accessKey, secret, directory)
    }

    /// One level of prefix: moto 5.2 checks a signature against the query after decoding it, so a
    /// `/` in the list request's `prefix` (sent as %2F, as Signature V4 requires) fails its check,
    /// boto3's own requests included. Real S3 takes nested prefixes; object keys may hold `/`.
    var url: String { "s3://\(Self.bucket)/teamclips" }

    func environment(secret: String? = nil) -> [String: String] {
        ["AWS_ACCESS_KEY_ID": accessKey, "AWS_SECRET_ACCESS_KEY": secret ?? self.secret, "AWS_ENDPOINT_URL": endpoint, "AWS_REGION": "us-east-1"]
    }

    static let setup = """
        import sys, json, socket, time, boto3
        from botocore.config import Config
        endpoint, bucket, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close(); break
            except OSError:
                time.sleep(0.1)
        kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap",
                  config=Config(connect_timeout=5, read_timeout=20, retries={"max_attempts": 2}))
        iam = boto3.client("iam", **kw)
        iam.create_user(UserName="cache")
        key = iam.create_access_key(UserName="cache")["AccessKey"]
        policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
        iam.put_user_policy(UserName="cache", PolicyName="s3", PolicyDocument=json.dumps(policy))
        boto3.client("s3", **kw).create_bucket(Bucket=bucket)
        print(key["AccessKeyId"], key["SecretAccessKey"])
        """

    static func with<T>(_ body: (MotoS3) async throws -> T) async throws -> T {
        guard let python = CacheServers.pythonWithMoto else {
            throw HarnessError("no python3 imports moto.server and boto3 (set VEO_TEST_PYTHON or run scripts/install-deps.sh --test)")
        }
        let directory = NSTemporaryDirectory() + "veo-moto-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let port = try CacheServers.freePort()
        let endpoint = "http://127.0.0.1:\(port)"
        let server = try CacheServers.launch(
            python, ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], environment: ["INITIAL_NO_AUTH_ACTION_COUNT": "4"], log: directory + "/moto.log")
        defer { CacheServers.stop(server) }
        try Self.setup.write(toFile: directory + "/setup.py", atomically: true, encoding: .utf8)
        let output = try await Tools.run(python, [directory + "/setup.py", endpoint, bucket, String(port)])
        let words = String(decoding: output.data, as: UTF8.self).split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard output.status == 0, words.count == 2 else { throw HarnessError("moto setup failed: \(output.output)") }
        return try await body(MotoS3(endpoint: endpoint, accessKey: words[0], secret: words[1], directory: directory))
    }
}

/// nginx with WebDAV as a Bazel-style HTTP cache, in the foreground, with its files in a temp dir.
final class NginxCache: @unchecked Sendable {
    let url: String
    let root: String

    private init(url: String, root: String) {
        (self.url, self.root) = (url, root)
    }

    static func with<T>(_ body: (NginxCache) async throws -> T) async throws -> T {
        guard let nginx = CacheServers.tool("nginx") else { throw HarnessError("nginx is missing: run scripts/install-deps.sh --test") }
        let directory = NSTemporaryDirectory() + "veo-nginx-" + UUID().uuidString
        for sub in ["data", "tmp", "logs"] {
            try FileManager.default.createDirectory(atPath: "\(directory)/\(sub)", withIntermediateDirectories: true)
        }
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let port = try CacheServers.freePort()
        let conf = """
            daemon off;
            master_process off;
            pid \(directory)/nginx.pid;
            error_log \(directory)/logs/error.log;
            events {}
            http {
                access_log off;
                client_body_temp_path \(directory)/tmp/body;
                proxy_temp_path \(directory)/tmp/proxy;
                fastcgi_temp_path \(directory)/tmp/fastcgi;
                uwsgi_temp_path \(directory)/tmp/uwsgi;
                scgi_temp_path \(directory)/tmp/scgi;
                server {
                    listen 127.0.0.1:\(port);
                    root \(directory)/data;
                    client_max_body_size 0;
                    location / {
                        dav_methods PUT DELETE;
                        create_full_put_path on;
                    }
                }
            }
            """
        try conf.write(toFile: directory + "/nginx.conf", atomically: true, encoding: .utf8)
        let server = try CacheServers.launch(nginx, ["-p", directory, "-e", directory + "/logs/error.log", "-c", directory + "/nginx.conf"], log: directory + "/logs/out.log")
        defer { CacheServers.stop(server, signal: SIGQUIT) }
        let up = await eventually(timeout: 10) {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(port).bigEndian
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
        }
        guard up else { throw HarnessError("nginx did not start: \((try? String(contentsOfFile: directory + "/logs/error.log", encoding: .utf8)) ?? "")") }
        return try await body(NginxCache(url: "http://127.0.0.1:\(port)/cache", root: directory + "/data/cache"))
    }
}
