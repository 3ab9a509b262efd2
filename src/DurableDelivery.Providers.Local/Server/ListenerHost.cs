using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace DurableDelivery.Providers.Local.Server;

/// <summary>
/// One environment's listener: a Kestrel server on a loopback port that forwards each request to an infra-set chosen by
/// weight, to a healthy instance inside it (round robin), through one pooled <see cref="SocketsHttpHandler"/>.
/// Every response carries <c>X-DD-Infra-Set</c>; traffic is recorded per infra-set.
/// </summary>
internal sealed class ListenerHost : IAsyncDisposable
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Host",
    };

    private readonly HttpMessageInvoker upstream;
    private readonly TrafficRecorder recorder;
    private readonly TimeProvider time;
    private readonly TimeSpan upstreamTimeout;
    private WebApplication? app;
    private RoutingTable table;

    public ListenerHost(string environment, int port, RoutingTable initial, HttpMessageInvoker upstream, TrafficRecorder recorder, TimeProvider time, TimeSpan upstreamTimeout)
    {
        Environment = environment;
        Port = port;
        table = initial;
        this.upstream = upstream;
        this.recorder = recorder;
        this.time = time;
        this.upstreamTimeout = upstreamTimeout;
    }

    public string Environment { get; }

    public int Port { get; }

    public RoutingTable Table => Volatile.Read(ref table);

    public string Endpoint => $"http://127.0.0.1:{Port}";

    public void Apply(RoutingTable next) => Volatile.Write(ref table, next);

    /// <summary>Binds the port and starts serving; throws <see cref="IOException"/> when the port is taken.</summary>
    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(options =>
        {
            options.AddServerHeader = false;
            options.Listen(IPAddress.Loopback, Port);
        });
        var application = builder.Build();
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

        var request = context.Request;
        using var message = new HttpRequestMessage(
            HttpMethod.Parse(request.Method),
            new Uri(instance.BaseUri, request.Path.ToUriComponent().TrimStart('/') + request.QueryString.ToUriComponent()));
        if (request.ContentLength > 0 || request.Headers.ContainsKey("Transfer-Encoding"))
        {
            message.Content = new StreamContent(request.Body);
        }

        foreach (var header in request.Headers)
        {
            if (HopByHop.Contains(header.Key))
            {
                continue;
            }

            if (!message.Headers.TryAddWithoutValidation(header.Key, (IEnumerable<string?>)header.Value))
            {
                message.Content?.Headers.TryAddWithoutValidation(header.Key, (IEnumerable<string?>)header.Value);
            }
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        timeout.CancelAfter(upstreamTimeout);
        HttpResponseMessage response;
        try
        {
            response = await upstream.SendAsync(message, timeout.Token);
        }
        catch (HttpRequestException ex)
        {
            await Results.Problem(title: "Bad gateway", detail: $"Instance {instance.Record.Id} of infra-set '{infraSetId}' failed: {ex.Message}", statusCode: 502).ExecuteAsync(context);
            return 502;
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            await Results.Problem(title: "Gateway timeout", detail: $"Instance {instance.Record.Id} of infra-set '{infraSetId}' did not answer within {upstreamTimeout.TotalSeconds} s.", statusCode: 504).ExecuteAsync(context);
            return 504;
        }

        using (response)
        {
            context.Response.StatusCode = (int)response.StatusCode;
            foreach (var header in response.Headers.Concat(response.Content.Headers))
            {
                if (!HopByHop.Contains(header.Key))
                {
                    context.Response.Headers[header.Key] = header.Value.ToArray();
                }
            }

            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
            return (int)response.StatusCode;
        }
    }
}
