using DurableDelivery.Server.Grpc;
using DurableDelivery.Server.History;
using DurableDelivery.Server.Time;
using Grpc.Core;
using Temporalio.Api.TestService.V1;

namespace DurableDelivery.Server.Frontend;

/// <summary>
/// <c>temporal.api.testservice.v1.TestService</c>: time skipping as Temporal's test server offers it. Available when
/// the server was started with time skipping; otherwise every call but GetCurrentTime answers FAILED_PRECONDITION.
/// </summary>
internal sealed class TestServiceFrontend(HistoryEngine engine)
{
    private ServerClock Clock => engine.Clock;

    /// <summary>LockTimeSkipping.</summary>
    public Task<LockTimeSkippingResponse> LockTimeSkipping(LockTimeSkippingRequest request, ServerCallContext context)
    {
        RequireSkipping();
        Clock.Lock();
        return Task.FromResult(new LockTimeSkippingResponse());
    }

    /// <summary>UnlockTimeSkipping.</summary>
    public Task<UnlockTimeSkippingResponse> UnlockTimeSkipping(
        UnlockTimeSkippingRequest request, ServerCallContext context)
    {
        RequireSkipping();
        if (!Clock.Unlock())
        {
            throw RpcErrors.FailedPrecondition("Time skipping is not locked: each unlock needs an earlier lock.");
        }

        return Task.FromResult(new UnlockTimeSkippingResponse());
    }

    /// <summary>Sleep: returns once the server clock has moved forward by the duration.</summary>
    public async Task<SleepResponse> Sleep(SleepRequest request, ServerCallContext context)
    {
        RequestValidator.Duration(request.Duration, "Duration");
        await SleepUntilAsync(Clock.Now + (request.Duration?.ToTimeSpan() ?? TimeSpan.Zero), context.CancellationToken)
            .ConfigureAwait(false);
        return new SleepResponse();
    }

    /// <summary>SleepUntil.</summary>
    public async Task<SleepResponse> SleepUntil(SleepUntilRequest request, ServerCallContext context)
    {
        var target = request.Timestamp?.ToDateTimeOffset()
            ?? throw RpcErrors.InvalidArgument("Timestamp is not set on request.");
        await SleepUntilAsync(target, context.CancellationToken).ConfigureAwait(false);
        return new SleepResponse();
    }

    /// <summary>
    /// UnlockTimeSkippingWithSleep: unlock, let the clock move by the duration, lock again. The lock is taken back by
    /// the timer loop the moment it reaches the end of the sleep, as the Java test server's timer does: taken back by
    /// this call after it wakes, skipping could already have run on to a later timer.
    /// </summary>
    public async Task<SleepResponse> UnlockTimeSkippingWithSleep(SleepRequest request, ServerCallContext context)
    {
        RequireSkipping();
        RequestValidator.Duration(request.Duration, "Duration");
        var target = Clock.Now + (request.Duration?.ToTimeSpan() ?? TimeSpan.Zero);
        var relocked = 0;
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Relock()
        {
            if (Interlocked.Exchange(ref relocked, 1) == 0)
            {
                Clock.Lock();
            }
        }

        engine.AddSleepMarker(target, () =>
        {
            Relock();
            reached.TrySetResult();
        });
        Clock.Unlock();
        try
        {
            await reached.Task.WaitAsync(context.CancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Relock();
        }

        return new SleepResponse();
    }

    /// <summary>GetCurrentTime: the server clock.</summary>
    public Task<GetCurrentTimeResponse> GetCurrentTime(Google.Protobuf.WellKnownTypes.Empty request,
        ServerCallContext context) =>
        Task.FromResult(new GetCurrentTimeResponse
        {
            Time = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(Clock.Now),
        });

    private Task SleepUntilAsync(DateTimeOffset target, CancellationToken ct)
    {
        engine.AddSleepMarker(target);
        return Clock.WaitUntilAsync(target, ct);
    }

    private void RequireSkipping()
    {
        if (!Clock.TimeSkipping)
        {
            throw RpcErrors.FailedPrecondition(
                "Time skipping is off on this server; start it with time skipping (the test server mode) to use it.");
        }
    }
}
