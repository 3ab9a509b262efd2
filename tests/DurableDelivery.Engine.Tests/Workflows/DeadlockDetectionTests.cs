using DurableDelivery.Engine.Client;
using DurableDelivery.Engine.Testing;
using DurableDelivery.Engine.Worker;
using DurableDelivery.Engine.Workflows;
using static DurableDelivery.Tests.Shared.Eventually;

namespace DurableDelivery.Engine.Tests.Workflows;

/// <summary>
/// A workflow that blocks its thread (here on a gate the test holds shut) fails its workflow task with a message naming
/// the cause and the fix, and the workflow waits, as in Temporal; once the code stops blocking, the retried task succeeds.
/// </summary>
public sealed class DeadlockDetectionTests
{
    [Fact]
    public async Task Activation_BlockingItsThread_FailsTheWorkflowTaskWithTheDeadlockMessage_ThenRecovers()
    {
        using var gate = new ManualResetEventSlim(false);
        BlockingWorkflow.Gate = gate;
        try
        {
            await using var env = await WorkflowEnvironment.StartTimeSkippingAsync();
            var options = new DurableWorkerOptions("q") { DeadlockTimeout = TimeSpan.FromMilliseconds(200) }.AddWorkflow<BlockingWorkflow>();
            var worker = env.CreateWorker(options);
            await worker.ExecuteAsync(async () =>
            {
                var handle = await env.Client.StartWorkflowAsync((BlockingWorkflow wf) => wf.RunAsync(), new WorkflowOptions("blocking/1", "q"));

                var failed = await UntilAsync(
                    async () => (await handle.DescribeAsync()).LastWorkflowTaskFailure,
                    failure => failure is not null,
                    TimeSpan.FromSeconds(30),
                    "the blocked workflow task fails");
                failed!.Message.ShouldContain("blocked its thread for more than 0.2s (deadlock detection)");
                failed.Message.ShouldContain("Await Workflow APIs instead");
                (await handle.DescribeAsync()).Status.ShouldBe(Common.WorkflowExecutionStatus.Running, "a failed workflow task does not fail the workflow");

                // The blocked thread is released and the retried task finds the gate open.
                gate.Set();
                (await handle.GetResultAsync()).ShouldBe("done");
            });
        }
        finally
        {
            gate.Set();
            BlockingWorkflow.Gate = null;
        }
    }

    [Workflow]
    public sealed class BlockingWorkflow
    {
        public static ManualResetEventSlim? Gate { get; set; }

        [WorkflowRun]
        public Task<string> RunAsync()
        {
            // A blocking call in workflow code: what deadlock detection exists for.
            Gate!.Wait();
            return Task.FromResult("done");
        }
    }
}
