using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace DurableDelivery.Providers.Local.Server;

/// <summary>
/// The control API: HTTP JSON on loopback. Mutating calls require the <c>Idempotency-Key</c> header. Errors are
/// problem details (RFC 9457) with <c>type</c> <c>urn:durable-delivery:provider:&lt;Reason&gt;</c> and the extensions
/// <c>reason</c> and <c>retryable</c>.
/// </summary>
internal static class ControlApi
{
    public const string KeyHeader = "Idempotency-Key";

    public static void Map(IEndpointRouteBuilder routes, ProviderCore core, Func<LocalProviderStatus> status, Action shutdown)
    {
        routes.MapGet("/v1/status", () => Json(status()));
        routes.MapPost("/v1/shutdown", (HttpContext http) =>
        {
            shutdown();
            return Results.Accepted();
        });

        routes.MapPost("/v1/listeners", (Delegate)((HttpContext http) => RunAsync(http, async () =>
            Json(await core.EnsureListenerAsync(await ReadAsync<ListenerSpec>(http), Key(http))))));
        routes.MapGet("/v1/listeners/{environment}", (HttpContext http, string environment) => RunAsync(http, () =>
            Task.FromResult(Json(core.Status(string.Empty, default).Listeners.FirstOrDefault(l => l.Environment == environment)
                ?? throw InfraProviderException.Create(InfraProviderErrorReason.UnknownListener, $"Environment '{environment}' has no listener. Create it first (EnsureListener / POST /v1/listeners).")))));
        routes.MapPut("/v1/listeners/{environment}/weights", (HttpContext http, string environment) => RunAsync(http, async () =>
        {
            var body = await ReadAsync<WeightsRequest>(http);
            return Json(await core.SetWeightsAsync(environment, body.Weights ?? new Dictionary<string, int>(), Key(http)));
        }));
        routes.MapGet("/v1/listeners/{environment}/weights", (HttpContext http, string environment) => RunAsync(http, () =>
            Task.FromResult(Json(core.GetWeights(environment)))));
        routes.MapGet("/v1/listeners/{environment}/metrics/{infraSetId}", (HttpContext http, string environment, string infraSetId) => RunAsync(http, () =>
            Task.FromResult(Json(core.GetMetrics(environment, infraSetId, IntQuery(http, "windowSeconds", 60))))));
        routes.MapPost("/v1/listeners/{environment}/drain/{infraSetId}", (HttpContext http, string environment, string infraSetId) => RunAsync(http, async () =>
            Json(
                await core.DrainAsync(environment, infraSetId, TimeSpan.FromMilliseconds(IntQuery(http, "timeoutMs", 30_000)), Key(http), http.RequestAborted))));

        routes.MapPost("/v1/infra-sets", (Delegate)((HttpContext http) => RunAsync(http, async () =>
            Json(await core.CreateInfraSetAsync(await ReadAsync<InfraSetSpec>(http), Key(http)), statusCode: 201))));
        routes.MapGet("/v1/infra-sets", (Delegate)((HttpContext http) => RunAsync(http, () =>
            Task.FromResult(Json(core.List(http.Request.Query["environment"].FirstOrDefault()))))));
        routes.MapGet("/v1/infra-sets/{infraSetId}", (HttpContext http, string infraSetId) => RunAsync(http, () =>
            Task.FromResult(Json(
                core.Describe(infraSetId) ?? throw InfraProviderException.Create(InfraProviderErrorReason.UnknownInfraSet, $"Infra-set '{infraSetId}' does not exist. List the environment's infra-sets to find the right id.")))));
        routes.MapDelete("/v1/infra-sets/{infraSetId}", (HttpContext http, string infraSetId) => RunAsync(http, async () =>
            Json(await core.DeleteInfraSetAsync(infraSetId, Key(http)))));
    }

    private static IResult Json<T>(T value, int? statusCode = null) => Results.Json(value, ProviderJson.Info<T>(), statusCode: statusCode);

    public static int StatusCodeOf(InfraProviderErrorReason reason) => reason switch
    {
        InfraProviderErrorReason.UnknownInfraSet or InfraProviderErrorReason.UnknownListener => 404,
        InfraProviderErrorReason.ArtifactNotFound or InfraProviderErrorReason.InvalidSpec or InfraProviderErrorReason.InvalidWeights => 422,
        InfraProviderErrorReason.ProviderUnavailable => 503,
        InfraProviderErrorReason.Internal => 500,
        _ => 409,
    };

    private static async Task<IResult> RunAsync(HttpContext http, Func<Task<IResult>> action)
    {
        try
        {
            return await action();
        }
        catch (InfraProviderException ex)
        {
            return Problem(ex.Reason, ex.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return Problem(InfraProviderErrorReason.Internal, $"The local provider failed on {http.Request.Method} {http.Request.Path}: {ex.GetType().Name}: {ex.Message}. See provider.log.");
        }
    }

    private static IResult Problem(InfraProviderErrorReason reason, string detail) => Results.Problem(
        detail: detail,
        statusCode: StatusCodeOf(reason),
        title: reason.ToString(),
        type: $"urn:durable-delivery:provider:{reason}",
        extensions: new Dictionary<string, object?>
        {
            ["reason"] = reason.ToString(),
            ["retryable"] = InfraProviderException.IsRetryableReason(reason),
        });

    private static string Key(HttpContext http) =>
        http.Request.Headers[KeyHeader].FirstOrDefault() is { Length: > 0 } key
            ? key
            : throw InfraProviderException.Create(InfraProviderErrorReason.InvalidSpec, $"Header {KeyHeader} is required on mutating calls. Send a key unique to the change, e.g. the activity id.");

    private static int IntQuery(HttpContext http, string name, int fallback)
    {
        var text = http.Request.Query[name].FirstOrDefault();
        if (text is null)
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw InfraProviderException.Create(InfraProviderErrorReason.InvalidSpec, $"Query parameter {name}='{text}' is not an integer. Pass a whole number.");
    }

    private static async Task<T> ReadAsync<T>(HttpContext http)
    {
        try
        {
            return await http.Request.ReadFromJsonAsync(ProviderJson.Info<T>(), http.RequestAborted)
                ?? throw InfraProviderException.Create(InfraProviderErrorReason.InvalidSpec, $"The request body is empty. Send a JSON {typeof(T).Name}.");
        }
        catch (JsonException ex)
        {
            throw InfraProviderException.Create(InfraProviderErrorReason.InvalidSpec, $"The request body is not a valid {typeof(T).Name}: {ex.Message}");
        }
    }
}

/// <summary>The body of <c>PUT /v1/listeners/{environment}/weights</c>.</summary>
internal sealed record WeightsRequest
{
    public IReadOnlyDictionary<string, int>? Weights { get; init; }
}

/// <summary>The content of <c>control.json</c>: where the running provider's control API listens.</summary>
internal sealed record ControlFile
{
    public int Port { get; init; }

    public int ProcessId { get; init; }

    public DateTimeOffset StartedAt { get; init; }

    public string Endpoint => $"http://127.0.0.1:{Port}";
}
