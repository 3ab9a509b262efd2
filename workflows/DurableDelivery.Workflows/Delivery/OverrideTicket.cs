using DurableDelivery.Domain.Overrides;
using DurableDelivery.Domain.Traffic;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace DurableDelivery.Workflows.Delivery;

/// <summary>
/// An accepted override waiting to be applied by the workflow's main loop (the one mutator), and its outcome once
/// applied or refused; the update handler that accepted it waits on <see cref="Done"/>.
/// </summary>
/// <param name="request">The override.</param>
internal class OverrideTicket(Override request)
{
    public Override Request { get; } = request;

    public string Verb => Request.Verb;

    public bool Done { get; private set; }

    public bool Applied { get; private set; }

    public string Message { get; private set; } = string.Empty;

    public TrafficWeights After { get; private set; } = TrafficWeights.None;

    /// <summary>Gets the weights just before an applied override changed them.</summary>
    public TrafficWeights? Before { get; private set; }

    /// <summary>Waits until the ticket is done: what the override did, or its refusal as the update's failure.</summary>
    public async Task<OverrideOutcome> OutcomeAsync()
    {
        await Workflow.WaitConditionAsync(() => Done);
        return Applied
            ? new OverrideOutcome(Message, After) { WeightsBefore = Before }
            : throw new ApplicationFailureException(Message, "OverrideNotApplied", nonRetryable: true);
    }

    public void Finish(bool applied, string message, TrafficWeights after, TrafficWeights? before = null)
    {
        Done = true;
        Applied = applied;
        Message = message;
        After = after;
        Before = applied ? before : null;
    }
}
