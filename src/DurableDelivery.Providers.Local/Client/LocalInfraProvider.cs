using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DurableDelivery.Providers.Local.Server;

namespace DurableDelivery.Providers.Local;

/// <summary>
/// <see cref="IInfraProvider"/> for the local provider process: a thin client of its loopback control API. It finds the
/// API's port in <c>&lt;data-dir&gt;/local-provider/control.json</c> on every call, so it follows provider restarts.
/// </summary>
/// <remarks>
/// When the provider process is down, every call throws <see cref="InfraProviderUnavailableException"/>
/// (<see cref="InfraProviderErrorReason.ProviderUnavailable"/>, retryable); start it with <see cref="LocalProviderProcess.StartAsync"/>
/// or <c>ddctl local up</c>. The client itself holds no state and is safe to share.
/// </remarks>
public sealed class LocalInfraProvider : IInfraProvider, IDisposable
{
    private static readonly InfraProviderCapabilities LocalCapabilities = new()
    {
        Name = "local",
        MaxWeight = 999,
        MaxMetricsWindow = TimeSpan.FromSeconds(300),
        PerSecondMetrics = true,
        LatencyPercentiles = true,
        ObservableDrain = true,
    };

    private readonly HttpClient http;

    /// <summary>Initializes a new instance of the <see cref="LocalInfraProvider"/> class.</summary>
    /// <param name="dataDirectory">The data dir the provider process runs on.</param>
    /// <param name="callTimeout">How long one call may take before it counts as unavailable. The default is 30 seconds.</param>
    public LocalInfraProvider(string dataDirectory, TimeSpan? callTimeout = null)
    {
        Paths = new LocalProviderPaths(dataDirectory);
        CallTimeout = callTimeout ?? TimeSpan.FromSeconds(30);
        http = new HttpClient(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(2) }) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>Gets the data dir layout this client reads <c>control.json</c> from.</summary>
    public LocalProviderPaths Paths { get; }

    /// <summary>Gets how long one call may take.</summary>
    public TimeSpan CallTimeout { get; }

    /// <inheritdoc />
    public InfraProviderCapabilities Capabilities => LocalCapabilities;

    /// <summary>Reads the running provider's status: its pid, listeners and infra-sets.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The status.</returns>
    /// <exception cref="InfraProviderUnavailableException">The provider is not running.</exception>
    public Task<LocalProviderStatus> GetStatusAsync(CancellationToken cancellationToken = default) =>
        SendAsync<LocalProviderStatus>(HttpMethod.Get, "v1/status", null, null, cancellationToken);

    /// <inheritdoc />
    public Task<ListenerInfo> EnsureListenerAsync(ListenerSpec spec, string idempotencyKey, CancellationToken cancellationToken = default) =>
        SendAsync<ListenerInfo>(HttpMethod.Post, "v1/listeners", spec, idempotencyKey, cancellationToken);

    /// <inheritdoc />
    public Task<InfraSetInfo> CreateInfraSetAsync(InfraSetSpec spec, string idempotencyKey, CancellationToken cancellationToken = default) =>
        SendAsync<InfraSetInfo>(HttpMethod.Post, "v1/infra-sets", spec, idempotencyKey, cancellationToken);

    /// <inheritdoc />
    public async Task<InfraSetInfo> WaitHealthyAsync(string infraSetId, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (true)
        {
            var info = await DescribeInfraSetAsync(infraSetId, cancellationToken)
                ?? throw InfraProviderException.Create(InfraProviderErrorReason.UnknownInfraSet, $"Infra-set '{infraSetId}' does not exist. List the environment's infra-sets to find the right id.");
            if (info.Status is InfraSetStatus.Healthy or InfraSetStatus.Deleted || DateTimeOffset.UtcNow >= deadline)
            {
                return info;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
        }
    }

    /// <inheritdoc />
    public async Task<InfraSetInfo?> DescribeInfraSetAsync(string infraSetId, CancellationToken cancellationToken = default)
    {
        try
        {
            return await SendAsync<InfraSetInfo>(HttpMethod.Get, $"v1/infra-sets/{Uri.EscapeDataString(infraSetId)}", null, null, cancellationToken);
        }
        catch (InfraProviderException ex) when (ex.Reason == InfraProviderErrorReason.UnknownInfraSet)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<InfraSetInfo>> ListInfraSetsAsync(string environment, CancellationToken cancellationToken = default) =>
        await SendAsync<List<InfraSetInfo>>(HttpMethod.Get, $"v1/infra-sets?environment={Uri.EscapeDataString(environment)}", null, null, cancellationToken);

    /// <inheritdoc />
    public Task<ListenerWeights> SetWeightsAsync(string environment, IReadOnlyDictionary<string, int> weights, string idempotencyKey, CancellationToken cancellationToken = default) =>
        SendAsync<ListenerWeights>(HttpMethod.Put, $"v1/listeners/{Uri.EscapeDataString(environment)}/weights", new WeightsRequest { Weights = weights }, idempotencyKey, cancellationToken);

    /// <inheritdoc />
    public Task<ListenerWeights> GetWeightsAsync(string environment, CancellationToken cancellationToken = default) =>
        SendAsync<ListenerWeights>(HttpMethod.Get, $"v1/listeners/{Uri.EscapeDataString(environment)}/weights", null, null, cancellationToken);

    /// <summary>Reads an environment's listener: its port, endpoint and weights.</summary>
    /// <param name="environment">The environment name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The listener.</returns>
    public Task<ListenerInfo> GetListenerAsync(string environment, CancellationToken cancellationToken = default) =>
        SendAsync<ListenerInfo>(HttpMethod.Get, $"v1/listeners/{Uri.EscapeDataString(environment)}", null, null, cancellationToken);

    /// <inheritdoc />
    public Task<TrafficMetrics> GetMetricsAsync(string environment, string infraSetId, TimeSpan window, CancellationToken cancellationToken = default) =>
        SendAsync<TrafficMetrics>(
            HttpMethod.Get,
            string.Create(CultureInfo.InvariantCulture, $"v1/listeners/{Uri.EscapeDataString(environment)}/metrics/{Uri.EscapeDataString(infraSetId)}?windowSeconds={(int)Math.Ceiling(window.TotalSeconds)}"),
            null,
            null,
            cancellationToken);

    /// <inheritdoc />
    public Task<DrainResult> DrainAsync(string environment, string infraSetId, TimeSpan timeout, string idempotencyKey, CancellationToken cancellationToken = default) =>
        SendAsync<DrainResult>(
            HttpMethod.Post,
            string.Create(CultureInfo.InvariantCulture, $"v1/listeners/{Uri.EscapeDataString(environment)}/drain/{Uri.EscapeDataString(infraSetId)}?timeoutMs={(long)timeout.TotalMilliseconds}"),
            null,
            idempotencyKey,
            cancellationToken,
            extraTime: timeout);

    /// <inheritdoc />
    public Task<InfraSetInfo> DeleteInfraSetAsync(string infraSetId, string idempotencyKey, CancellationToken cancellationToken = default) =>
        SendAsync<InfraSetInfo>(HttpMethod.Delete, $"v1/infra-sets/{Uri.EscapeDataString(infraSetId)}", null, idempotencyKey, cancellationToken);

    /// <summary>Asks the provider process to stop its listeners and instances and exit (state is kept).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the request was accepted.</returns>
    public async Task RequestShutdownAsync(CancellationToken cancellationToken = default) =>
        await SendAsync<JsonElement?>(HttpMethod.Post, "v1/shutdown", null, null, cancellationToken);

    /// <inheritdoc />
    public void Dispose() => http.Dispose();

    internal ControlFile? ReadControlFile()
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(Paths.ControlFile), ProviderJson.Info<ControlFile>());
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, string? key, CancellationToken cancellationToken, TimeSpan extraTime = default)
    {
        var control = ReadControlFile() ?? throw new InfraProviderUnavailableException(
            $"The local provider is not running on data dir {Paths.DataDirectory} (no control.json). Start it with 'ddctl local up --data-dir {Paths.DataDirectory}'.",
            null);
        using var request = new HttpRequestMessage(method, new Uri(new Uri(control.Endpoint + "/"), path));
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, ProviderJson.Options.GetTypeInfo(body.GetType()));
        }

        if (key is not null)
        {
            request.Headers.Add(ControlApi.KeyHeader, key);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CallTimeout + extraTime);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, timeout.Token);
        }
        catch (HttpRequestException ex)
        {
            throw new InfraProviderUnavailableException(
                $"The local provider (pid {control.ProcessId}) does not answer on {control.Endpoint}: {ex.Message}. Start it with 'ddctl local up --data-dir {Paths.DataDirectory}'.",
                ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InfraProviderUnavailableException(
                $"The local provider (pid {control.ProcessId}) did not answer {method} /{path} within {(CallTimeout + extraTime).TotalSeconds} s. Check {Paths.ProviderLog}.",
                ex);
        }

        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                if (response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.NoContent)
                {
                    return default!;
                }

                return (await response.Content.ReadFromJsonAsync(ProviderJson.Info<T>(), cancellationToken))!;
            }

            throw await ToExceptionAsync(response, cancellationToken);
        }
    }

    private static async Task<InfraProviderException> ToExceptionAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            using var problem = JsonDocument.Parse(text);
            var root = problem.RootElement;
            if (root.TryGetProperty("reason", out var reasonText) && Enum.TryParse<InfraProviderErrorReason>(reasonText.GetString(), out var reason))
            {
                return InfraProviderException.Create(reason, root.TryGetProperty("detail", out var detail) ? detail.GetString() ?? text : text);
            }
        }
        catch (JsonException)
        {
            // Not a problem document; reported below as it is.
        }

        return InfraProviderException.Create(InfraProviderErrorReason.Internal, $"The local provider answered {(int)response.StatusCode}: {text}");
    }
}
