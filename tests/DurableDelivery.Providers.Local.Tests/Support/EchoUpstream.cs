using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace DurableDelivery.Providers.Local.Tests.Support;

/// <summary>
/// The test assembly's entry point: <c>dotnet DurableDelivery.Providers.Local.Tests.dll echo-upstream</c> runs
/// <see cref="EchoUpstream"/>, the instance of the tests' <c>echo</c> artifact. The test host never calls it.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args) => args is ["echo-upstream"] ? await EchoUpstream.RunAsync() : 2;
}

/// <summary>What <see cref="EchoUpstream"/> saw of a request.</summary>
public sealed record EchoReply(string Method, string Path, string Query, Dictionary<string, string[]> Headers, long BodyLength, string BodySha256);

/// <summary>
/// An instance that answers every request with what it received (method, path, query, headers, body hash) and adds every
/// hop-by-hop and proxy header to its response, so a test sees what the listener forwards in both directions.
/// <c>/healthz</c> answers 200, or 503 after <c>POST /sick</c> until <c>POST /well</c>; <c>/drop</c> closes the
/// connection without an answer; <c>/hang</c> never answers (until the caller gives up).
/// </summary>
internal static class EchoUpstream
{
    /// <summary>The headers YARP drops in both directions (its RequestUtilities list), with a value each.</summary>
    public static readonly IReadOnlyDictionary<string, string> HopByHop = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["Keep-Alive"] = "timeout=5",
        ["Proxy-Connection"] = "keep-alive",
        ["Proxy-Authenticate"] = "Basic realm=\"echo\"",
        ["Proxy-Authentication-Info"] = "nextnonce=\"abc\"",
        ["Proxy-Authorization"] = "Basic Zm9vOmJhcg==",
        ["Proxy-Features"] = "x",
        ["Proxy-Instruction"] = "x",
        ["Security-Scheme"] = "S-HTTP/1.1",
        ["ALPN"] = "h2",
        ["Close"] = "1",
        ["HTTP2-Settings"] = "AAMAAABkAAQAAP__",
        ["Upgrade"] = "foo/1",
        ["Upgrade-Insecure-Requests"] = "1",
        ["TE"] = "trailers",
        ["Alt-Svc"] = "h3=\":4433\"",
    };

    public static async Task<int> RunAsync()
    {
        var port = int.Parse(Environment.GetEnvironmentVariable("PORT")!, System.Globalization.CultureInfo.InvariantCulture);
        var version = Environment.GetEnvironmentVariable("DD_VERSION") ?? "echo";
        var sick = false;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, port);
        });
        await using var app = builder.Build();
        app.Run(async context =>
        {
            var response = context.Response;
            response.Headers["X-Served-By-Version"] = version;
            switch (context.Request.Path.Value)
            {
                case "/healthz":
                    response.StatusCode = Volatile.Read(ref sick) ? 503 : 200;
                    return;
                case "/sick" or "/well":
                    Volatile.Write(ref sick, context.Request.Path.Value == "/sick");
                    return;
                case "/drop":
                    context.Abort();
                    return;
                case "/hang":
                    await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                    return;
            }

            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[16384];
            long length = 0;
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                length += read;
            }

            foreach (var (name, value) in HopByHop)
            {
                response.Headers[name] = value;
            }

            response.Headers["X-Custom-Response"] = "kept";
            var request = context.Request;
            await response.WriteAsJsonAsync(new EchoReply(
                request.Method,
                request.Path.Value ?? string.Empty,
                request.QueryString.Value ?? string.Empty,
                request.Headers.ToDictionary(header => header.Key, header => header.Value.Select(value => value ?? string.Empty).ToArray(), StringComparer.OrdinalIgnoreCase),
                length,
                Convert.ToHexStringLower(hash.GetHashAndReset())));
        });
        await app.RunAsync();
        return 0;
    }
}
