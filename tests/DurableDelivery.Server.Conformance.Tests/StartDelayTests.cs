using DurableDelivery.Server.Conformance.Tests.Support;
using DurableDelivery.Server.Conformance.Tests.Workflows;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.TestService.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace DurableDelivery.Server.Conformance.Tests;

/// <summary>
/// A start delay holds the first workflow task back. Temporal: a plain signal does not end the delay; another
/// signal-with-start or a cancel request does. On a time-skipping server started locked, nothing skips the delay
/// unless the test sleeps through it.
/// </summary>
public class StartDelayTests
{
    [ConformanceFact]
    public async Task StartDelay_SignalsMeanwhile_DoNotStartTheWorkflowEarly()
    {
        await using var env = await ServerEnvironment.StartAsync(timeSkipping: true, startLocked: true);
        var queue = ServerEnvironment.NewTaskQueue("startdelay");
        var testService = env.Client.Connection.TestService;
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<SignalCollectorWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var before = await NowAsync(testService);
            var handle = await env.Client.StartWorkflowAsync((SignalCollectorWorkflow wf) => wf.RunAsync(3),
                new(id: $"wf-{queue}", taskQueue: queue) { StartDelay = TimeSpan.FromHours(1) });
            foreach (var value in new[] { "a", "b", "c" })
            {
                await handle.SignalAsync(wf => wf.AddAsync(value));
            }

            // Each signal is committed before its call returns: a workflow task it scheduled would show by now.
            Replay.Types(await handle.FetchHistoryAsync()).ShouldBe(
            [
                EventType.WorkflowExecutionStarted, EventType.WorkflowExecutionSignaled,
                EventType.WorkflowExecutionSignaled, EventType.WorkflowExecutionSignaled,
            ]);

            await testService.UnlockTimeSkippingAsync(new UnlockTimeSkippingRequest());
            try
            {
                (await handle.GetResultAsync()).ShouldBe(["a", "b", "c"]);
            }
            finally
            {
                await testService.LockTimeSkippingAsync(new LockTimeSkippingRequest());
            }

            (await NowAsync(testService) - before).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromHours(1));
            await Replay.AssertReplaysAsync(handle, typeof(SignalCollectorWorkflow));
        });
    }

    [ConformanceFact]
    public async Task StartDelay_SignalWithStartMeanwhile_StartsTheWorkflowAtOnce()
    {
        await using var env = await ServerEnvironment.StartAsync(timeSkipping: true, startLocked: true);
        var queue = ServerEnvironment.NewTaskQueue("startdelaysws");
        var testService = env.Client.Connection.TestService;
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<SignalCollectorWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var before = await NowAsync(testService);
            var id = $"wf-{queue}";
            var handle = await env.Client.StartWorkflowAsync((SignalCollectorWorkflow wf) => wf.RunAsync(1),
                new(id: id, taskQueue: queue) { StartDelay = TimeSpan.FromHours(1) });
            var options = new WorkflowOptions(id: id, taskQueue: queue) { StartDelay = TimeSpan.FromHours(1) };
            options.SignalWithStart((SignalCollectorWorkflow wf) => wf.AddAsync("now"));
            await env.Client.StartWorkflowAsync((SignalCollectorWorkflow wf) => wf.RunAsync(1), options);

            // Skipping stays locked: the workflow can only finish if the signal-with-start ended the delay.
            (await handle.GetResultAsync()).ShouldBe(["now"]);
            (await NowAsync(testService) - before).ShouldBeLessThan(TimeSpan.FromHours(1));
            await Replay.AssertReplaysAsync(handle, typeof(SignalCollectorWorkflow));
        });
    }

    [ConformanceFact]
    public async Task StartDelay_CancelRequestMeanwhile_StartsTheWorkflowAtOnce()
    {
        await using var env = await ServerEnvironment.StartAsync(timeSkipping: true, startLocked: true);
        var queue = ServerEnvironment.NewTaskQueue("startdelaycancel");
        var testService = env.Client.Connection.TestService;
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<WaitForeverWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var before = await NowAsync(testService);
            var handle = await env.Client.StartWorkflowAsync((WaitForeverWorkflow wf) => wf.RunAsync(false),
                new(id: $"wf-{queue}", taskQueue: queue) { StartDelay = TimeSpan.FromHours(1) });
            await handle.CancelAsync();
            var failed = await Should.ThrowAsync<WorkflowFailedException>(() => handle.GetResultAsync());
            failed.InnerException.ShouldBeOfType<CanceledFailureException>();
            (await NowAsync(testService) - before).ShouldBeLessThan(TimeSpan.FromHours(1));
            var history = await Replay.AssertReplaysAsync(handle, typeof(WaitForeverWorkflow));
            Replay.Types(history).Take(3).ShouldBe(
            [
                EventType.WorkflowExecutionStarted, EventType.WorkflowExecutionCancelRequested,
                EventType.WorkflowTaskScheduled,
            ]);
        });
    }

    private static async Task<DateTimeOffset> NowAsync(TestService testService) =>
        (await testService.GetCurrentTimeAsync(new Empty())).Time.ToDateTimeOffset();
}
