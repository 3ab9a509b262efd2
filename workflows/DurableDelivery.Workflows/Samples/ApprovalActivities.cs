using Temporalio.Activities;
using Temporalio.Exceptions;

namespace DurableDelivery.Workflows.Samples;

/// <summary>The activities of <see cref="ApprovalWorkflow"/>: the place where the sample would touch the world.</summary>
public sealed class ApprovalActivities
{
    /// <summary>Checks a change before it may be approved.</summary>
    /// <param name="change">The change reference.</param>
    /// <returns>A one-line summary of the check.</returns>
    /// <exception cref="ApplicationFailureException">The reference is blank (non-retryable: retrying cannot fix it).</exception>
    /// <remarks>A stand-in for real checks (CI status, policy); it is pure so that the sample runs anywhere.</remarks>
    [Activity]
    public Task<string> CheckChangeAsync(string change)
    {
        if (string.IsNullOrWhiteSpace(change))
        {
            throw new ApplicationFailureException("The change reference is empty; pass e.g. {\"change\":\"pr-42\"}.", "InvalidChange", nonRetryable: true);
        }

        return Task.FromResult($"{change}: checks passed");
    }
}
