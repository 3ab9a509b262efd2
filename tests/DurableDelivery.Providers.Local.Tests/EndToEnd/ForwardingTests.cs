using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using DurableDelivery.Providers.Local.Tests.Support;

namespace DurableDelivery.Providers.Local.Tests.EndToEnd;

/// <summary>
/// What the listener forwards (YARP's IHttpForwarder with its default transformer) and what a client gets when the chosen
/// instance fails, against an instance that echoes what it receives (<see cref="EchoUpstream"/>).
/// </summary>
public sealed class ForwardingTests : IClassFixture<EchoProviderFixture>, IDisposable
{
    /// <summary>YARP's 17 (RequestUtilities): the 15 the echo instance sends and receives, plus Connection and Transfer-Encoding.</summary>
    private static readonly HashSet<string> NeverForwarded = new(EchoUpstream.HopByHop.Keys.Append("Connection").Append("Transfer-Encoding"), StringComparer.OrdinalIgnoreCase);

    private readonly ProviderProcessFixture provider;
    private readonly HttpClient http = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = false });

    public ForwardingTests(EchoProviderFixture fixture) => provider = fixture.Provider;

    public void Dispose() => http.Dispose();

    [Fact]
    public async Task Forward_HopByHopAndProxyHeaders_DroppedBothWays_EndToEndHeadersKept_XForwardedSetByListener()
    {
        var (listener, echo) = await ListenerWithEchoAsync("headers");
        var instance = new Uri(echo.Instances.Single().Endpoint);
        const string pathAndQuery = "/echo/some%20path/x?a=1&b=%20x&c";

        // Called directly, the instance receives and sends every one of these headers: their absence through the
        // listener is the listener's doing.
        using var directResponse = await http.SendAsync(RequestWithEveryKindOfHeader(new Uri(instance, pathAndQuery)));
        var direct = await ReadEchoAsync(directResponse);
        foreach (var name in EchoUpstream.HopByHop.Keys.Append("Connection").Append("Forwarded").Append("X-Forwarded-Prefix"))
        {
            direct.Headers.ShouldContainKey(name);
        }

        EchoUpstream.HopByHop.Keys.Except(ResponseHeaderNames(directResponse), StringComparer.OrdinalIgnoreCase).ShouldBeEmpty("the instance sends every hop-by-hop header when called directly");

        using var response = await http.SendAsync(RequestWithEveryKindOfHeader(new Uri(new Uri(listener.Endpoint), pathAndQuery)));
        var seen = await ReadEchoAsync(response);

        // Request: path and query as sent; hop-by-hop and proxy headers dropped; end-to-end headers as sent.
        seen.Method.ShouldBe("GET");
        seen.Path.ShouldBe(direct.Path);
        seen.Query.ShouldBe("?a=1&b=%20x&c");
        seen.Headers.Keys.Where(NeverForwarded.Contains).ShouldBeEmpty("hop-by-hop and proxy headers reached the instance");
        seen.Headers["X-Request-Id"].ShouldBe(["req-1"]);
        seen.Headers["Authorization"].ShouldBe(["Bearer token-1"]);
        seen.Headers["Cookie"].ShouldBe(["a=b; c=d"]);
        seen.Headers["Accept"].ShouldBe(["application/json"]);
        seen.Headers["User-Agent"].ShouldBe(["forwarding-test/1"]);
        seen.Headers["Cache-Control"].ShouldBe(["no-cache"]);
        seen.Headers["Trailer"].ShouldBe(["X-Checksum"]);

        // The instance sees its own address as Host; the listener says who asked and how (X-Forwarded-*, replacing the
        // client's own X-Forwarded-* and Forwarded, which a client could forge).
        seen.Headers["Host"].ShouldBe([$"127.0.0.1:{instance.Port}"]);
        seen.Headers["X-Forwarded-For"].ShouldBe(["127.0.0.1"]);
        seen.Headers["X-Forwarded-Proto"].ShouldBe(["http"]);
        seen.Headers["X-Forwarded-Host"].ShouldBe([$"127.0.0.1:{listener.Port}"]);
        seen.Headers.ShouldNotContainKey("X-Forwarded-Prefix");
        seen.Headers.ShouldNotContainKey("Forwarded");

        // Response: the instance's headers except hop-by-hop and proxy ones, plus the listener's X-DD-Infra-Set.
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Headers.GetValues("X-Served-By-Version").ShouldBe(["echo"]);
        response.Headers.GetValues("X-DD-Infra-Set").ShouldBe([echo.Id]);
        response.Headers.GetValues("X-Custom-Response").ShouldBe(["kept"]);
        // (Transfer-Encoding: chunked on this response is the listener's own framing towards the client.)
        ResponseHeaderNames(response).Where(EchoUpstream.HopByHop.ContainsKey).ShouldBeEmpty("hop-by-hop and proxy headers reached the client");
    }

    [Fact]
    public async Task Forward_RequestBodies_ChunkedAndWithLength_ArriveIntact()
    {
        var (listener, _) = await ListenerWithEchoAsync("bodies");
        var body = RandomNumberGenerator.GetBytes(300_000);
        var sha = Convert.ToHexStringLower(SHA256.HashData(body));

        using var chunked = new HttpRequestMessage(HttpMethod.Post, listener.Endpoint + "/upload") { Content = new StreamContent(new MemoryStream(body)) };
        chunked.Headers.TransferEncodingChunked = true;
        chunked.Content.Headers.ContentType = new("application/octet-stream");
        using var chunkedResponse = await http.SendAsync(chunked);
        var seen = await ReadEchoAsync(chunkedResponse);
        seen.Method.ShouldBe("POST");
        seen.BodyLength.ShouldBe(body.Length);
        seen.BodySha256.ShouldBe(sha);
        seen.Headers["Content-Type"].ShouldBe(["application/octet-stream"]);

        using var sized = new HttpRequestMessage(HttpMethod.Put, listener.Endpoint + "/upload") { Content = new ByteArrayContent(body) };
        using var sizedResponse = await http.SendAsync(sized);
        seen = await ReadEchoAsync(sizedResponse);
        seen.Method.ShouldBe("PUT");
        seen.BodySha256.ShouldBe(sha);
        seen.Headers["Content-Length"].ShouldBe([body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        seen.Headers.ShouldNotContainKey("Transfer-Encoding");
    }

    [Fact]
    public async Task InstanceClosesConnectionWithoutAnswer_BadGatewayProblemNamingInstance_CountedAsFiveHundred()
    {
        var (listener, echo) = await ListenerWithEchoAsync("dropped");

        using var response = await http.GetAsync(new Uri(listener.Endpoint + "/drop"));

        response.StatusCode.ShouldBe(HttpStatusCode.BadGateway);
        response.Headers.GetValues("X-DD-Infra-Set").ShouldBe([echo.Id]);
        response.Content.Headers.ContentType.ShouldNotBeNull().MediaType.ShouldBe("application/problem+json");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("status").GetInt32().ShouldBe(502);
        problem.GetProperty("title").GetString().ShouldBe("Bad gateway");
        problem.GetProperty("detail").GetString().ShouldStartWith($"Instance {echo.Instances.Single().Id} of infra-set '{echo.Id}' failed (Request): ");

        var metrics = await provider.Client.GetMetricsAsync("dropped", echo.Id, TimeSpan.FromSeconds(60));
        metrics.Totals.Requests.ShouldBe(1);
        metrics.Totals.Errors5xx.ShouldBe(1);
    }

    [Fact]
    public async Task InstanceSilentForUpstreamTimeout_GatewayTimeoutProblem()
    {
        var (listener, echo) = await ListenerWithEchoAsync("silent");
        var started = System.Diagnostics.Stopwatch.GetTimestamp();

        using var response = await http.GetAsync(new Uri(listener.Endpoint + "/hang"));

        // (Less 100 ms: timers run on a coarser clock than the Stopwatch.)
        System.Diagnostics.Stopwatch.GetElapsedTime(started).ShouldBeGreaterThan(EchoProviderFixture.UpstreamTimeout - TimeSpan.FromMilliseconds(100));
        response.StatusCode.ShouldBe(HttpStatusCode.GatewayTimeout);
        response.Headers.GetValues("X-DD-Infra-Set").ShouldBe([echo.Id]);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("title").GetString().ShouldBe("Gateway timeout");
        problem.GetProperty("detail").GetString().ShouldBe($"Instance {echo.Instances.Single().Id} of infra-set '{echo.Id}' was silent for 5 s (no answer, no body progress).");
        (await provider.Client.GetMetricsAsync("silent", echo.Id, TimeSpan.FromSeconds(60))).Totals.Errors5xx.ShouldBe(1);
    }

    [Fact]
    public async Task OnlyInstanceUnhealthy_ServiceUnavailableProblem_ServedAgainOnceHealthy()
    {
        var (listener, echo) = await ListenerWithEchoAsync("sick");
        var instance = new Uri(echo.Instances.Single().Endpoint);

        (await http.PostAsync(new Uri(instance, "/sick"), null)).EnsureSuccessStatusCode();
        await Eventually.EventuallyAsync(
            async () => (await provider.Client.DescribeInfraSetAsync(echo.Id))!.Status == InfraSetStatus.Unhealthy,
            TimeSpan.FromSeconds(10),
            "the provider sees the instance unhealthy");

        using (var response = await http.GetAsync(new Uri(listener.Endpoint + "/")))
        {
            response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
            response.Headers.GetValues("X-DD-Infra-Set").ShouldBe([echo.Id]);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            problem.GetProperty("title").GetString().ShouldBe("No healthy instance");
        }

        (await http.PostAsync(new Uri(instance, "/well"), null)).EnsureSuccessStatusCode();
        await Eventually.EventuallyAsync(
            async () => (await provider.Client.DescribeInfraSetAsync(echo.Id))!.Status == InfraSetStatus.Healthy,
            TimeSpan.FromSeconds(10),
            "the provider sees the instance healthy again");
        using var served = await http.GetAsync(new Uri(listener.Endpoint + "/"));
        served.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    private static HttpRequestMessage RequestWithEveryKindOfHeader(Uri target)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, target);
        foreach (var (name, value) in EchoUpstream.HopByHop)
        {
            request.Headers.TryAddWithoutValidation(name, value).ShouldBeTrue(name);
        }

        foreach (var (name, value) in new Dictionary<string, string>
        {
            ["Connection"] = "keep-alive",
            ["Forwarded"] = "for=192.0.2.60;proto=https",
            ["X-Forwarded-For"] = "192.0.2.60",
            ["X-Forwarded-Host"] = "spoofed.example",
            ["X-Forwarded-Proto"] = "https",
            ["X-Forwarded-Prefix"] = "/spoofed",
            ["X-Request-Id"] = "req-1",
            ["Authorization"] = "Bearer token-1",
            ["Cookie"] = "a=b; c=d",
            ["Accept"] = "application/json",
            ["User-Agent"] = "forwarding-test/1",
            ["Cache-Control"] = "no-cache",
            ["Trailer"] = "X-Checksum",
        })
        {
            request.Headers.TryAddWithoutValidation(name, value).ShouldBeTrue(name);
        }

        return request;
    }

    private static async Task<EchoReply> ReadEchoAsync(HttpResponseMessage response)
    {
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var reply = (await response.Content.ReadFromJsonAsync<EchoReply>(JsonSerializerOptions.Web)).ShouldNotBeNull();
        return reply with { Headers = new Dictionary<string, string[]>(reply.Headers, StringComparer.OrdinalIgnoreCase) };
    }

    private static HashSet<string> ResponseHeaderNames(HttpResponseMessage response) =>
        response.Headers.NonValidated.Select(h => h.Key).Concat(response.Content.Headers.NonValidated.Select(h => h.Key)).ToHashSet(StringComparer.OrdinalIgnoreCase);

    private async Task<(ListenerInfo Listener, InfraSetInfo Echo)> ListenerWithEchoAsync(string environment)
    {
        var listener = await provider.Client.EnsureListenerAsync(new ListenerSpec { Environment = environment }, $"{environment}/listener");
        var echo = await provider.CreateHealthyAsync(environment, EchoProviderFixture.ArtifactId, $"{environment}/create");
        await provider.Client.SetWeightsAsync(environment, new Dictionary<string, int> { [echo.Id] = 100 }, $"{environment}/w1");
        return (listener, echo);
    }
}
