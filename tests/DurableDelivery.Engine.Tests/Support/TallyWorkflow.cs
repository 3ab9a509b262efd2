using System.Collections.Concurrent;
using DurableDelivery.Engine.Workflows;

namespace DurableDelivery.Engine.Tests.Support;

/// <summary>A running total changed by an update (negative amounts refused until a signal allows them) and a signal, read by a query; counts its instances per workflow id.</summary>
[Workflow]
public sealed class TallyWorkflow
{
    private static readonly ConcurrentDictionary<string, int> Constructed = new(StringComparer.Ordinal);
    private int total;
    private bool stop;
    private bool negativeAllowed;

    public TallyWorkflow() => Constructed.AddOrUpdate(Workflow.Info.WorkflowId, 1, (_, n) => n + 1);

    [WorkflowQuery]
    public int Total => total;

    /// <summary>How many instances of the workflow were ever constructed: one per start, plus one per replay.</summary>
    public static int InstancesOf(string workflowId) => Constructed.GetValueOrDefault(workflowId);

    [WorkflowRun]
    public async Task<int> RunAsync()
    {
        await Workflow.WaitConditionAsync(() => stop);
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
        if (amount < 0 && !negativeAllowed)
        {
            throw new ArgumentException($"amount must not be negative, got {amount}");
        }
    }

    [WorkflowSignal]
    public Task AddLaterAsync(int amount)
    {
        total += amount;
        return Task.CompletedTask;
    }

    [WorkflowSignal]
    public Task AllowNegativeAsync()
    {
        negativeAllowed = true;
        return Task.CompletedTask;
    }

    [WorkflowSignal]
    public Task StopAsync()
    {
        stop = true;
        return Task.CompletedTask;
    }
}
