using DurableDelivery.Engine.Client;
using DurableDelivery.Engine.Exceptions;
using DurableDelivery.Engine.Testing;
using DurableDelivery.Engine.Worker;
using DurableDelivery.Engine.Workflows;

namespace DurableDelivery.Engine.Tests.Workflows;

/// <summary>[WorkflowInit]: state from the input is there before the first update validator runs, as in Temporal.</summary>
public sealed class WorkflowInitTests
{
    [Fact]
    public async Task UpdateInFirstWorkflowTask_ValidatorSeesStateFromWorkflowInit()
    {
        await using var env = await WorkflowEnvironment.StartTimeSkippingAsync();
        var handle = await env.Client.StartWorkflowAsync((LimitWorkflow wf) => wf.RunAsync(3), new WorkflowOptions("init/1", "q"));

        // Both updates wait in the inbox before any worker runs: they are validated in the run's first workflow task.
        var accepted = handle.ExecuteUpdateAsync(wf => wf.AddAsync(2));
        var refused = handle.ExecuteUpdateAsync(wf => wf.AddAsync(5));
        var worker = env.CreateWorker(new DurableWorkerOptions("q").AddWorkflow<LimitWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            (await accepted).ShouldBe(2);
            var error = await Should.ThrowAsync<WorkflowUpdateFailedException>(() => refused);
            error.Message.ShouldBe("Update 'Add' was rejected: 5 is over the limit of 3 given at start");
            (await handle.GetResultAsync()).ShouldBe(2);
        });
    }

    [Fact]
    public void InitConstructor_WithOtherParametersThanRun_IsRefusedAtRegistration()
    {
        var error = Should.Throw<ArgumentException>(() => new DurableWorkerOptions("q").AddWorkflow<MismatchedInitWorkflow>());

        error.Message.ShouldContain("must take exactly the parameters of RunAsync");
    }

    [Workflow]
    public sealed class LimitWorkflow
    {
        private readonly int limit;
        private int total;

        [WorkflowInit]
        public LimitWorkflow(int limit) => this.limit = limit;

        [WorkflowRun]
        public async Task<int> RunAsync(int limit)
        {
            await Workflow.WaitConditionAsync(() => total > 0);
            return total;
        }

        [WorkflowUpdate]
        public Task<int> AddAsync(int amount)
        {
            total += amount;
            return Task.FromResult(total);
        }

        [WorkflowUpdateValidator(nameof(AddAsync))]
        public void ValidateAdd(int amount)
        {
            if (amount > limit)
            {
                throw new ArgumentException($"{amount} is over the limit of {limit} given at start");
            }
        }
    }

    [Workflow]
    public sealed class MismatchedInitWorkflow
    {
        [WorkflowInit]
        public MismatchedInitWorkflow(string name) => _ = name;

        [WorkflowRun]
        public Task RunAsync(int count) => Task.CompletedTask;
    }
}
