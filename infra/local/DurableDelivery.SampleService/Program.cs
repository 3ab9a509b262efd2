using DurableDelivery.SampleService;

var behaviour = SampleBehaviour.FromEnvironment();
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
if (behaviour.Port > 0)
{
    builder.WebHost.UseUrls($"http://127.0.0.1:{behaviour.Port}");
}

var app = builder.Build();
long requestCount = 0;

app.Use(async (context, next) =>
{
    context.Response.Headers["X-Served-By-Version"] = behaviour.Version;
    context.Response.Headers["X-Served-By-Instance"] = behaviour.InstanceId;
    await next(context);
});

app.MapGet("/healthz", (HttpContext context) =>
{
    if (behaviour.NeverHealthy)
    {
        return Results.Json(new HealthAnswer("starting", behaviour.Version, behaviour.InstanceId), SampleJson.Default.HealthAnswer, statusCode: 503);
    }

    return Results.Json(new HealthAnswer("ok", behaviour.Version, behaviour.InstanceId), SampleJson.Default.HealthAnswer);
});

app.Map("/{**path}", async (HttpContext context) =>
{
    var number = Interlocked.Increment(ref requestCount);
    if (behaviour.LatencyMs > 0)
    {
        await Task.Delay(behaviour.LatencyMs, context.RequestAborted);
    }

    var failed = behaviour.ShouldFail(number);
    return Results.Json(
        new RequestAnswer(behaviour.Version, behaviour.InstanceId, failed),
        SampleJson.Default.RequestAnswer,
        statusCode: failed ? 500 : 200);
});

if (behaviour.CrashAfterMs > 0)
{
    app.Lifetime.ApplicationStarted.Register(() =>
        _ = Task.Delay(behaviour.CrashAfterMs).ContinueWith(_ => Environment.Exit(3), TaskScheduler.Default));
}

await app.RunAsync();
