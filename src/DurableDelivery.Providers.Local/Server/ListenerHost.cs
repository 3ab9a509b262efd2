using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace DurableDelivery.Providers.Local.Server;

/// <summary>
/// One environment's listener: a Kestrel server on a loopback port that forwards each request to an infra-set chosen by
/// weight, to a healthy instance inside it (round robin), with YARP's <see cref="IHttpForwarder"/> over the provider's
/// one shared <see cref="HttpMessageInvoker"/>. Headers follow YARP's default transformer
/// (<see cref="HttpTransformer.Default"/>): hop-by-hop and proxy headers are dropped both ways, the instance sees its own
/// Host and <c>X-Forwarded-For/-Proto/-Host</c> set by the listener. Every response carries <c>X-DD-Infra-Set</c>;
/// traffic is recorded per infra-set with the status the client got.
/// </summary>
internal sealed class ListenerHost : IAsyncDisposable
{
    private readonly HttpMessageInvoker upstream;
    private readonly TrafficRecorder recorder;
    private readonly TimeProvider time;
    private readonly ForwarderRequestConfig forwarding;
    private WebApplication? app;
    private IHttpForwarder? forwarder;
    private RoutingTable table;

    public ListenerHost(string environment, int port, RoutingTable initial, HttpMessageInvoker upstream, TrafficRecorder recorder, TimeProvider time, TimeSpan upstreamTimeout)
    {
        Environment = environment;
        Port = port;
        table = initial;
        this.upstream = upstream;
        this.recorder = recorder;
        this.time = time;
        UpstreamTimeout = upstreamTimeout;

        // Instances serve HTTP/1.1 on loopback without TLS. ActivityTimeout: the longest an instance may stay silent
        // (before its response headers, and between reads or writes of a body) before the request fails with 504.
        forwarding = new ForwarderRequestConfig
        {
            ActivityTimeout = upstreamTimeout,
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
    }

    public string Environment { get; }

    public int Port { get; }

    public TimeSpan UpstreamTimeout { get; }

    public RoutingTable Table => Volatile.Read(ref table);

    public string Endpoint => $"http://127.0.0.1:{Port}";

    public void Apply(RoutingTable next) => Volatile.Write(ref table, next);

    /// <summary>The handler every listener forwards through: one connection pool per instance, shared by all listeners, set up as YARP advises.</summary>
    public static HttpMessageInvoker CreateUpstreamInvoker() => new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        EnableMultipleHttp2Connections = true,
        ActivityHeadersPropagator = new ReverseProxyPropagator(DistributedContextPropagator.Current),
        ConnectTimeout = TimeSpan.FromSeconds(2),
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
    });

    /// <summary>Binds the port and starts serving; throws <see cref="IOException"/> when the port is taken.</summary>
    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddHttpForwarder();
        builder.WebHost.ConfigureKestrel(options =>
        {
            options.AddServerHeader = false;
            options.Listen(IPAddress.Loopback, Port);
        });
        var application = builder.Build();
        forwarder = application.Services.GetRequiredService<IHttpForwarder>();
        application.Run(HandleAsync);
        try
        {
            await application.StartAsync();
        }
        catch
        {
            await application.DisposeAsync();
            throw;
        }

        app = application;
    }

    public async ValueTask DisposeAsync()
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        // The table is read once, when the request arrives: a request that arrives after Apply is routed by the new table.
        var current = Volatile.Read(ref table);
        if (current.Total == 0)
        {
            await Results.Problem(
                title: "No weights",
                detail: $"Listener '{Environment}' has no infra-set with a positive weight yet. Set weights first.",
                statusCode: 503).ExecuteAsync(context);
            return;
        }

        var (infraSetId, runtime) = current.Pick(Random.Shared.Next(current.Total));
        var series = recorder.For(Environment, infraSetId);
        var started = Stopwatch.GetTimestamp();
        series.Begin();
        var status = 502;
        try
        {
            status = await ForwardAsync(context, infraSetId, runtime);
        }
        finally
        {
            series.End(time.GetUtcNow().ToUnixTimeSeconds(), status, (long)Stopwatch.GetElapsedTime(started).TotalMicroseconds);
        }
    }

    private async Task<int> ForwardAsync(HttpContext context, string infraSetId, InfraSetRuntime? runtime)
    {
        context.Response.Headers["X-DD-Infra-Set"] = infraSetId;
        var instance = runtime?.PickHealthy();
        if (instance is null)
        {
            await Results.Problem(
                title: "No healthy instance",
                detail: $"Infra-set '{infraSetId}' has no healthy instance right now; listener '{Environment}' cannot serve its share.",
                statusCode: 503).ExecuteAsync(context);
            return 503;
        }

        var error = await forwarder!.SendAsync(context, instance.BaseUri.AbsoluteUri, upstream, forwarding, HttpTransformer.Default);
        if (error != ForwarderError.None && !context.Response.HasStarted)
        {
            // YARP chose the status (502 the instance refused or closed the connection, 504 it stayed silent for the
            // activity timeout, 400/408 the client went away or its body broke off) and wrote no body: say what happened.
            var exception = context.Features.Get<IForwarderErrorFeature>()?.Exception;
            var status = context.Response.StatusCode;
            context.Response.Headers["X-DD-Infra-Set"] = infraSetId;
            if (!context.RequestAborted.IsCancellationRequested)
            {
                await Results.Problem(
                    title: status switch { 504 => "Gateway timeout", 408 => "Request timeout", 400 => "Bad request", _ => "Bad gateway" },
                    detail: status switch
                    {
                        504 => $"Instance {instance.Record.Id} of infra-set '{infraSetId}' was silent for {UpstreamTimeout.TotalSeconds} s (no answer, no body progress).",
                        < 500 => $"The request could not be forwarded to instance {instance.Record.Id} of infra-set '{infraSetId}' ({error}): {exception?.Message}",
                        _ => $"Instance {instance.Record.Id} of infra-set '{infraSetId}' failed ({error}): {exception?.Message}",
                    },
                    statusCode: status).ExecuteAsync(context);
            }
        }

        // An instance that fails in the middle of its body leaves the client a cut-off response: count it as a 502.
        return error == ForwarderError.ResponseBodyDestination ? 502 : context.Response.StatusCode;
    }
}
