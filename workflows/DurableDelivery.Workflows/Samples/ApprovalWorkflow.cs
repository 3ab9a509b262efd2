using Temporalio.Workflows;
using Microsoft.Extensions.Logging;

namespace DurableDelivery.Workflows.Samples;

/// <summary>
/// A small, complete Temporal-style workflow used by the CLI's demos and end-to-end tests: it checks a change (an
/// activity), waits for approvals (the <c>approve</c> signal), lets operators read its state (the <c>status</c> query)
/// and raise or lower the number of approvals needed (the <c>setRequiredApprovals</c> update, with a validator),
/// then bakes the change for a while (a durable timer) and completes.
/// </summary>
[Workflow]
public sealed class ApprovalWorkflow
{
    /// <summary>The most approvals a change can require.</summary>
    public const int MaxRequiredApprovals = 10;

    private readonly List<string> approvals = [];
    private int requiredApprovals = 1;
    private string phase = "checking";
    private string? check;

    /// <summary>Gets the workflow's state: phase, approvals so far, approvals required and the check summary.</summary>
    /// <remarks>Queries add nothing to history and also answer on a closed workflow.</remarks>
    [WorkflowQuery("status")]
    public ApprovalStatus Status => new(phase, [.. approvals], requiredApprovals, check);

    /// <summary>Checks the change, waits for enough approvals, bakes it and returns who approved.</summary>
    /// <param name="input">The change, the bake time and the approvals needed.</param>
    /// <returns>The outcome.</returns>
    [WorkflowRun]
    public async Task<ApprovalResult> RunAsync(ApprovalInput input)
    {
        requiredApprovals = Math.Clamp(input.RequiredApprovals, 1, MaxRequiredApprovals);
        check = await Workflow.ExecuteActivityAsync(
            (ApprovalActivities a) => a.CheckChangeAsync(input.Change),
            new ActivityOptions { StartToCloseTimeout = TimeSpan.FromMinutes(1) });

        phase = "waiting-for-approvals";
        await Workflow.WaitConditionAsync(() => approvals.Count >= requiredApprovals);

        phase = "baking";
        await Workflow.DelayAsync(TimeSpan.FromSeconds(Math.Max(0, input.BakeSeconds)));

        phase = "done";
        Workflow.Logger.LogInformation("Change {Change} approved by {Approvers} approver(s)", input.Change, approvals.Count);
        return new ApprovalResult(input.Change, check, [.. approvals], Math.Max(0, input.BakeSeconds));
    }

    /// <summary>Records an approval; a second approval by the same person counts once.</summary>
    /// <param name="approver">Who approves.</param>
    /// <returns>A completed task.</returns>
    [WorkflowSignal("approve")]
    public Task ApproveAsync(string approver)
    {
        if (!approvals.Contains(approver, StringComparer.Ordinal))
        {
            approvals.Add(approver);
        }

        return Task.CompletedTask;
    }

    /// <summary>Changes how many approvals are needed.</summary>
    /// <param name="count">The new number, 1 to <see cref="MaxRequiredApprovals"/>.</param>
    /// <returns>The previous number.</returns>
    [WorkflowUpdate("setRequiredApprovals")]
    public Task<int> SetRequiredApprovalsAsync(int count)
    {
        var previous = requiredApprovals;
        requiredApprovals = count;
        return Task.FromResult(previous);
    }

    /// <summary>Rejects a number of approvals out of range, or one that changes nothing, before anything is recorded.</summary>
    /// <param name="count">The proposed number.</param>
    /// <exception cref="ArgumentException">The number is out of range, or the workflow no longer waits for approvals.</exception>
    [WorkflowUpdateValidator(nameof(SetRequiredApprovalsAsync))]
    public void ValidateSetRequiredApprovals(int count)
    {
        if (count is < 1 or > MaxRequiredApprovals)
        {
            throw new ArgumentException($"requiredApprovals must be between 1 and {MaxRequiredApprovals}, got {count}");
        }

        if (phase is "baking" or "done")
        {
            throw new ArgumentException($"the change is already approved (phase '{phase}'); requiredApprovals can no longer change");
        }
    }
}
